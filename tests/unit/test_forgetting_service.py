"""ForgettingService without Telegram: what it removes, cancels and withdraws, and what it
leaves to the others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.booking import Accepted, BookingService, BookingStatus, Car, CarDraft, Energy, Requested
from bot.dates import Interval
from bot.forgetting import (
    ForgetPlan,
    ForgetRefusalReason,
    ForgetRefused,
    ForgettingService,
    Forgotten,
)
from bot.reputation import ReputationService
from storage import Database, Repositories
from storage.models import LedgerEntry, LedgerKind
from storage.privacy import FORMER_MEMBER_ID

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CHAT = -100
GONE, OWNER, NEIGHBOUR = 1, 2, 3


class World:
    def __init__(self, db: Database) -> None:
        self.repos = Repositories.over(db)
        self.booking = BookingService(self.repos, lambda: NOW)
        self.reputation = ReputationService(self.repos, lambda: NOW)
        self.forgetting = ForgettingService(self.repos, lambda: NOW)

    async def car(self, name: str, owner: int) -> Car:
        car = await self.booking.add_car(CHAT, owner, CarDraft(name, 5, Energy.PETROL))
        assert isinstance(car, Car), car
        return car

    async def book(self, car: Car, who: int, days: int, accept: bool = True) -> int:
        start = NOW + timedelta(days=days)
        requested = await self.booking.request(
            CHAT, who, car.name, Interval(start, start + timedelta(hours=2))
        )
        assert isinstance(requested, Requested), requested
        if accept:
            accepted = await self.booking.accept(requested.booking.id, car.owner_id)
            assert isinstance(accepted, Accepted), accepted
        return requested.booking.id

    async def status(self, booking_id: int) -> BookingStatus:
        booking = await self.repos.bookings.get(booking_id)
        assert booking is not None
        return booking.status


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(tmp_path / "bot.sqlite3")
    repos = Repositories.over(db)
    await repos.groups.upsert_active(CHAT, "Saint-Martin", "fr", "Europe/Paris", NOW)
    for user_id, name in ((GONE, "Paul"), (OWNER, "Jean"), (NEIGHBOUR, "Marie")):
        await repos.users.seen(user_id, name, None, "fr", NOW)
        await repos.groups.add_member(CHAT, user_id, NOW)
    yield World(db)
    await db.close()


async def test_a_car_they_co_manage_stays_with_its_owner(world: World) -> None:
    kangoo = await world.car("Kangoo", OWNER)
    assert await world.booking.add_manager(kangoo.id, OWNER, GONE) == (OWNER, GONE)
    booked = await world.book(kangoo, NEIGHBOUR, days=1)
    own = await world.car("Clio", GONE)
    lent = await world.book(own, NEIGHBOUR, days=1)

    plan = await world.forgetting.plan(GONE)
    assert plan == ForgetPlan(cars=1, bookings=1)
    forgotten = await world.forgetting.forget(GONE)
    assert isinstance(forgotten, Forgotten)
    assert [view.booking.id for view in forgotten.lent] == [lent]
    assert forgotten.borrowed == ()

    assert [car.name for car in await world.booking.cars(CHAT)] == ["Kangoo"]
    assert await world.booking.managers(kangoo.id) == [OWNER]
    assert await world.status(booked) is BookingStatus.ACCEPTED
    assert await world.status(lent) is BookingStatus.CANCELLED


async def test_their_requests_are_cancelled_with_the_managers_to_tell(world: World) -> None:
    kangoo = await world.car("Kangoo", OWNER)
    await world.booking.add_manager(kangoo.id, OWNER, NEIGHBOUR)
    accepted = await world.book(kangoo, GONE, days=1)
    pending = await world.book(kangoo, GONE, days=2, accept=False)

    forgotten = await world.forgetting.forget(GONE)
    assert isinstance(forgotten, Forgotten)
    assert [(w.booking.id, w.managers) for w in forgotten.borrowed] == [
        (accepted, (OWNER, NEIGHBOUR)),
        (pending, (OWNER, NEIGHBOUR)),
    ]
    for booking_id in (accepted, pending):
        booking = await world.repos.bookings.get(booking_id)
        assert booking is not None and booking.status is BookingStatus.CANCELLED
        assert (booking.borrower_id, booking.cancelled_by) == (FORMER_MEMBER_ID, FORMER_MEMBER_ID)
        assert not booking.late_cancellation
    # Nobody's late cancellation goes to the ledger.
    assert await world.repos.ledger.of_member(CHAT, FORMER_MEMBER_ID) == []


async def test_their_vouches_are_withdrawn_and_the_ones_they_got_no_longer_theirs(
    world: World,
) -> None:
    async with world.repos.db.transaction() as conn:
        for voucher, member in ((GONE, NEIGHBOUR), (OWNER, NEIGHBOUR), (OWNER, GONE)):
            await world.repos.ledger.add(
                conn, LedgerEntry(CHAT, voucher, LedgerKind.VOUCH_GIVEN, NOW, other_id=member)
            )
    assert (await world.reputation.profile_of(CHAT, NEIGHBOUR)).vouched_by == (GONE, OWNER)

    assert isinstance(await world.forgetting.forget(GONE), Forgotten)
    assert (await world.reputation.profile_of(CHAT, NEIGHBOUR)).vouched_by == (OWNER,)
    assert await world.repos.personal_data.vouches_given(OWNER) == [
        (CHAT, NEIGHBOUR),
        (CHAT, FORMER_MEMBER_ID),
    ]


async def test_nobody_and_the_placeholder_have_nothing_to_forget(world: World) -> None:
    for user_id in (99, FORMER_MEMBER_ID):
        assert await world.forgetting.plan(user_id) == ForgetRefused(ForgetRefusalReason.NOTHING)
        assert await world.forgetting.forget(user_id) == ForgetRefused(ForgetRefusalReason.NOTHING)
    assert isinstance(await world.forgetting.forget(GONE), Forgotten)
    assert await world.forgetting.forget(GONE) == ForgetRefused(ForgetRefusalReason.NOTHING)
