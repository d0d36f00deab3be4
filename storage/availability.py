"""When cars may be booked (open windows) or may not (blocked periods).

Writes take the connection of a transaction the caller opened (see `storage/cars.py`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

import aiosqlite

from storage.db import Database
from storage.models import Window, WindowKind
from storage.timeutil import from_db, from_db_optional, to_db


def _mask(weekdays: Collection[int]) -> int:
    return sum(1 << day for day in set(weekdays))


def _weekdays(mask: int | None) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask is not None and mask & (1 << day))


def _window(row: aiosqlite.Row) -> Window:
    return Window(
        id=row["id"],
        car_id=row["car_id"],
        kind=WindowKind(row["kind"]),
        start=from_db_optional(row["start_at"]),
        end=from_db_optional(row["end_at"]),
        weekdays=_weekdays(row["weekdays"]),
        start_minute=row["start_minute"],
        end_minute=row["end_minute"],
        last_day=None if row["last_day"] is None else date.fromisoformat(row["last_day"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
    )


# One-time periods overlapping [?2, ?3), found by their end (the index skips past ones),
# then the weekly rules still running on day ?4 or later, for the cars `{cars}` selects.
_RELEVANT = """
    SELECT * FROM availability
    WHERE {cars} AND end_at > ?2 AND start_at < ?3
    UNION ALL
    SELECT * FROM availability
    WHERE {cars} AND end_at IS NULL AND (last_day IS NULL OR last_day >= ?4)
"""


class AvailabilityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, window_id: int) -> Window | None:
        row = await self._db.fetchone("SELECT * FROM availability WHERE id = ?", (window_id,))
        return None if row is None else _window(row)

    async def add_period(
        self,
        conn: aiosqlite.Connection,
        car_id: int,
        kind: WindowKind,
        start: datetime,
        end: datetime,
        created_by: int,
        now: datetime,
    ) -> Window:
        cursor = await conn.execute(
            """
            INSERT INTO availability (car_id, kind, start_at, end_at, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (car_id, kind.value, to_db(start), to_db(end), created_by, to_db(now)),
        )
        return await self._inserted(cursor.lastrowid)

    async def add_weekly(
        self,
        conn: aiosqlite.Connection,
        car_id: int,
        kind: WindowKind,
        weekdays: Collection[int],
        start_minute: int,
        end_minute: int,
        last_day: date | None,
        created_by: int,
        now: datetime,
    ) -> Window:
        cursor = await conn.execute(
            """
            INSERT INTO availability (
                car_id, kind, weekdays, start_minute, end_minute, last_day, created_by, created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                car_id,
                kind.value,
                _mask(weekdays),
                start_minute,
                end_minute,
                None if last_day is None else last_day.isoformat(),
                created_by,
                to_db(now),
            ),
        )
        return await self._inserted(cursor.lastrowid)

    async def _inserted(self, window_id: int | None) -> Window:
        assert window_id is not None
        window = await self.get(window_id)
        assert window is not None
        return window

    async def delete(self, conn: aiosqlite.Connection, window_id: int) -> bool:
        cursor = await conn.execute("DELETE FROM availability WHERE id = ?", (window_id,))
        return cursor.rowcount == 1

    async def current(self, car_id: int, now: datetime, today: date) -> list[Window]:
        """The car's windows not over yet: periods ending after `now`, weekly rules whose last
        day (in the group's calendar) is `today` or later. Periods by start, then weekly ones.
        """
        rows = await self._db.fetchall(
            """
            SELECT * FROM availability WHERE car_id = ?1 AND end_at > ?2
            UNION ALL
            SELECT * FROM availability
            WHERE car_id = ?1 AND end_at IS NULL AND (last_day IS NULL OR last_day >= ?3)
            """,
            (car_id, to_db(now), today.isoformat()),
        )
        # Rows sort here: a compound SELECT orders only by its output columns.
        return sorted(
            (_window(row) for row in rows),
            key=lambda window: (window.weekly, window.start or now, window.id),
        )

    async def relevant(
        self, car_id: int, start: datetime, end: datetime, first_day: date
    ) -> list[Window]:
        """The car's windows that may touch [start, end): periods overlapping it, and weekly
        rules running on `first_day` (the interval's first local day) or later."""
        rows = await self._db.fetchall(
            _RELEVANT.format(cars="car_id = ?1"),
            (car_id, to_db(start), to_db(end), first_day.isoformat()),
        )
        return [_window(row) for row in rows]

    async def relevant_in_group(
        self, chat_id: int, start: datetime, end: datetime, first_day: date
    ) -> list[Window]:
        """`relevant` for every listed car of the group, in one query."""
        rows = await self._db.fetchall(
            _RELEVANT.format(
                cars="car_id IN (SELECT id FROM cars WHERE chat_id = ?1 AND removed_at IS NULL)"
            ),
            (chat_id, to_db(start), to_db(end), first_day.isoformat()),
        )
        return [_window(row) for row in rows]
