"""The due moments of bookings (storage/migrations/0010_due.sql), by time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.timeutil import from_db, to_db


@dataclass(frozen=True, slots=True)
class DueMoment:
    """`kind` is what to do then: `expiry`, `reveal`, or a reminder's kind."""

    booking_id: int
    kind: str
    at: datetime


class DueRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace(
        self,
        conn: aiosqlite.Connection,
        booking_ids: Sequence[int],
        moments: Iterable[DueMoment],
    ) -> None:
        """The moments of these bookings become exactly `moments`."""
        await conn.executemany(
            "DELETE FROM due WHERE booking_id = ?", [(booking_id,) for booking_id in booking_ids]
        )
        await self._insert(conn, moments)

    async def replace_all(self, conn: aiosqlite.Connection, moments: Iterable[DueMoment]) -> None:
        await conn.execute("DELETE FROM due")
        await self._insert(conn, moments)

    async def _insert(self, conn: aiosqlite.Connection, moments: Iterable[DueMoment]) -> None:
        await conn.executemany(
            "INSERT OR REPLACE INTO due (booking_id, kind, at) VALUES (?, ?, ?)",
            [(m.booking_id, m.kind, to_db(m.at)) for m in moments],
        )

    async def next_at(self) -> datetime | None:
        row = await self._db.fetchone("SELECT min(at) FROM due")
        return None if row is None or row[0] is None else from_db(row[0])

    async def all(self) -> list[DueMoment]:
        rows = await self._db.fetchall("SELECT * FROM due ORDER BY at, booking_id, kind")
        return [DueMoment(row["booking_id"], row["kind"], from_db(row["at"])) for row in rows]

    async def of_booking(self, booking_id: int) -> list[DueMoment]:
        rows = await self._db.fetchall(
            "SELECT * FROM due WHERE booking_id = ? ORDER BY at, kind", (booking_id,)
        )
        return [DueMoment(row["booking_id"], row["kind"], from_db(row["at"])) for row in rows]

    async def take(self, conn: aiosqlite.Connection, now: datetime, limit: int) -> list[DueMoment]:
        """The earliest moments due by `now`, removed: each is handed out once."""
        rows = await conn.execute_fetchall(
            "SELECT * FROM due WHERE at <= ? ORDER BY at LIMIT ?", (to_db(now), limit)
        )
        taken = [DueMoment(row["booking_id"], row["kind"], from_db(row["at"])) for row in rows]
        await conn.executemany(
            "DELETE FROM due WHERE booking_id = ? AND kind = ?",
            [(m.booking_id, m.kind) for m in taken],
        )
        return taken
