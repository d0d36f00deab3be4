from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.booking import BookingMode, BookingService, Car, CarDraft, Energy
from storage import Database, Repositories

PARIS = ZoneInfo("Europe/Paris")
CHAT = -100
OTHER_CHAT = -200
OWNER, BORROWER, NEIGHBOUR, CO_MANAGER, STRANGER = 1, 2, 3, 4, 5


def paris(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


# Wednesday 25 November 2026, 09:00 in the village.
NOW = paris(11, 25, 9)


class FixedClock:
    """The service's clock: still unless a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Village:
    db: Database
    repos: Repositories
    clock: FixedClock
    service: BookingService

    async def count(self, table: str) -> int:
        row = await self.db.fetchone(f"SELECT count(*) FROM {table}")
        assert row is not None
        return int(row[0])

    async def add_car(
        self,
        name: str = "clio",
        owner: int = OWNER,
        mode: BookingMode = BookingMode.ON_REQUEST,
        chat_id: int = CHAT,
    ) -> Car:
        draft = CarDraft(name=name, seats=5, energy=Energy.PETROL, booking_mode=mode)
        car = await self.service.add_car(chat_id, owner, draft)
        assert isinstance(car, Car), car
        return car


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def village(db: Database) -> Village:
    """A group in Europe/Paris with five members who have all spoken in it."""
    repos = Repositories.over(db)
    await repos.groups.upsert_active(CHAT, "Saint-Martin", "fr", "Europe/Paris", NOW)
    await repos.groups.upsert_active(OTHER_CHAT, "Saint-Paul", "fr", "Europe/Paris", NOW)
    names = {OWNER: "Marie", BORROWER: "Paul", NEIGHBOUR: "Luc", CO_MANAGER: "Anne"}
    for user_id, first_name in [*names.items(), (STRANGER, "Zoé")]:
        await repos.users.seen(user_id, first_name, None, "fr", NOW)
    for user_id in names:
        await repos.groups.add_member(CHAT, user_id, NOW)
    await repos.groups.add_member(OTHER_CHAT, STRANGER, NOW)
    clock = FixedClock()
    return Village(db, repos, clock, BookingService(repos, clock))
