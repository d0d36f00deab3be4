"""A village with a car and an accepted booking, the booking tests' fixtures reused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.booking import Accepted, Booking, Car, CarDraft, Energy, Requested
from bot.dates import Interval
from bot.trips import TripService
from tests.booking.conftest import (  # noqa: F401 (fixtures)
    BORROWER,
    CHAT,
    NOW,
    OWNER,
    Village,
    db,
    paris,
    village,
)


@dataclass
class Trips:
    village: Village
    service: TripService
    car: Car

    async def accepted(self, start_in: timedelta, hours: int = 2) -> Booking:
        """A booking of the car by BORROWER starting `start_in` from now, accepted."""
        start = self.village.clock.now + start_in
        requested = await self.village.service.request(
            CHAT, BORROWER, "clio", Interval(start, start + timedelta(hours=hours))
        )
        assert isinstance(requested, Requested), requested
        accepted = await self.village.service.accept(requested.booking.id, OWNER)
        assert isinstance(accepted, Accepted), accepted
        return accepted.booking


@pytest.fixture
async def trips(village: Village) -> Trips:  # noqa: F811 (the fixture above)
    draft = CarDraft(
        name="clio",
        seats=5,
        energy=Energy.PETROL,
        contribution_per_km_cents=30,
        contribution_per_day_cents=500,
        key_instructions="Boîte aux lettres, code 1234",
    )
    car = await village.service.add_car(CHAT, OWNER, draft)
    assert isinstance(car, Car)
    return Trips(village, TripService(village.repos, village.clock), car)


__all__ = ["BORROWER", "CHAT", "NOW", "OWNER", "Trips", "paris"]
