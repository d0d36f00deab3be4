"""Cars listed in a group, and who manages them.

Writes take the connection of a transaction the caller opened (`Database.transaction()`),
so that a check and the write it allows happen atomically. Reads go through the database;
one from the task inside such a transaction runs on the writer, so it sees its writes.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.models import BookingMode, Car, CarDraft, Energy
from storage.timeutil import from_db, from_db_optional, to_db

# The statuses that hold a car; kept in step with the `bookings_busy` partial index, whose
# WHERE clause a query must repeat word for word for SQLite to use it.
BUSY = "status IN ('accepted', 'active')"


def car_from_row(row: aiosqlite.Row) -> Car:
    return Car(
        id=row["id"],
        chat_id=row["chat_id"],
        owner_id=row["owner_id"],
        name=row["name"],
        name_key=row["name_key"],
        description=row["description"],
        seats=row["seats"],
        energy=Energy(row["energy"]),
        parked_at=row["parked_at"],
        rules=row["rules"],
        photo_file_id=row["photo_file_id"],
        contribution_per_km_cents=row["contribution_per_km_cents"],
        contribution_per_day_cents=row["contribution_per_day_cents"],
        key_instructions=row["key_instructions"],
        booking_mode=BookingMode(row["booking_mode"]),
        paused=bool(row["paused"]),
        auto_accept_trusted=bool(row["auto_accept_trusted"]),
        created_at=from_db(row["created_at"]),
        removed_at=from_db_optional(row["removed_at"]),
    )


def _draft_values(draft: CarDraft, name_key: str) -> tuple[object, ...]:
    return (
        draft.name,
        name_key,
        draft.description,
        draft.seats,
        draft.energy.value,
        draft.parked_at,
        draft.rules,
        draft.photo_file_id,
        draft.contribution_per_km_cents,
        draft.contribution_per_day_cents,
        draft.key_instructions,
        draft.booking_mode.value,
    )


class CarRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, car_id: int) -> Car | None:
        row = await self._db.fetchone("SELECT * FROM cars WHERE id = ?", (car_id,))
        return None if row is None else car_from_row(row)

    async def by_name(self, chat_id: int, name_key: str) -> Car | None:
        """The listed (not removed) car of the group with this normalised name."""
        row = await self._db.fetchone(
            "SELECT * FROM cars WHERE chat_id = ? AND name_key = ? AND removed_at IS NULL",
            (chat_id, name_key),
        )
        return None if row is None else car_from_row(row)

    async def in_group(self, chat_id: int) -> list[Car]:
        """The group's listed cars, paused ones included, by name."""
        rows = await self._db.fetchall(
            "SELECT * FROM cars WHERE chat_id = ? AND removed_at IS NULL ORDER BY name_key",
            (chat_id,),
        )
        return [car_from_row(row) for row in rows]

    async def managed_by(self, user_id: int) -> list[Car]:
        """Listed cars this member manages, in every group."""
        rows = await self._db.fetchall(
            """
            SELECT c.* FROM cars c JOIN car_managers m ON m.car_id = c.id
            WHERE m.user_id = ? AND c.removed_at IS NULL
            ORDER BY c.chat_id, c.name_key
            """,
            (user_id,),
        )
        return [car_from_row(row) for row in rows]

    async def free_of_bookings(self, chat_id: int, start: datetime, end: datetime) -> list[Car]:
        """Bookable cars of the group with no accepted or active booking overlapping [start, end).

        Two index probes per car, whatever the number of past bookings: those starting
        inside the interval, and the latest one starting before it (booked intervals of a
        car never overlap, so no earlier one can reach into the interval).
        """
        rows = await self._db.fetchall(
            f"""
            SELECT c.* FROM cars c
            WHERE c.chat_id = ?1 AND c.removed_at IS NULL AND c.paused = 0
              AND NOT EXISTS (
                SELECT 1 FROM bookings b
                WHERE b.car_id = c.id AND b.{BUSY} AND b.start_at >= ?2 AND b.start_at < ?3
              )
              AND COALESCE((
                SELECT b.end_at FROM bookings b
                WHERE b.car_id = c.id AND b.{BUSY} AND b.start_at < ?2
                ORDER BY b.start_at DESC LIMIT 1
              ), '') <= ?2
            ORDER BY c.name_key
            """,
            (chat_id, to_db(start), to_db(end)),
        )
        return [car_from_row(row) for row in rows]

    async def managers(self, car_id: int) -> list[int]:
        """The managers' user ids, owner first, then in the order they were added."""
        rows = await self._db.fetchall(
            """
            SELECT m.user_id FROM car_managers m JOIN cars c ON c.id = m.car_id
            WHERE m.car_id = ?
            ORDER BY m.user_id != c.owner_id, m.added_at, m.user_id
            """,
            (car_id,),
        )
        return [row["user_id"] for row in rows]

    async def is_manager(self, car_id: int, user_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM car_managers WHERE car_id = ? AND user_id = ?", (car_id, user_id)
        )
        return row is not None

    async def name_taken(
        self, chat_id: int, name_key: str, except_car_id: int | None = None
    ) -> bool:
        row = await self._db.fetchone(
            """
            SELECT 1 FROM cars
            WHERE chat_id = ? AND name_key = ? AND removed_at IS NULL AND id IS NOT ?
            """,
            (chat_id, name_key, except_car_id),
        )
        return row is not None

    async def insert(
        self,
        conn: aiosqlite.Connection,
        chat_id: int,
        owner_id: int,
        draft: CarDraft,
        name_key: str,
        now: datetime,
    ) -> Car:
        """List a car; its owner becomes its first manager. The name must be free."""
        cursor = await conn.execute(
            """
            INSERT INTO cars (
                name, name_key, description, seats, energy, parked_at, rules, photo_file_id,
                contribution_per_km_cents, contribution_per_day_cents, key_instructions,
                booking_mode, chat_id, owner_id, created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (*_draft_values(draft, name_key), chat_id, owner_id, to_db(now)),
        )
        car_id = cursor.lastrowid
        assert car_id is not None
        await self.add_manager(conn, car_id, owner_id, now)
        car = await self.get(car_id)
        assert car is not None
        return car

    async def update(
        self, conn: aiosqlite.Connection, car_id: int, draft: CarDraft, name_key: str
    ) -> None:
        await conn.execute(
            """
            UPDATE cars SET
                name = ?, name_key = ?, description = ?, seats = ?, energy = ?, parked_at = ?,
                rules = ?, photo_file_id = ?, contribution_per_km_cents = ?,
                contribution_per_day_cents = ?, key_instructions = ?, booking_mode = ?
            WHERE id = ?
            """,
            (*_draft_values(draft, name_key), car_id),
        )

    async def set_paused(self, conn: aiosqlite.Connection, car_id: int, paused: bool) -> None:
        await conn.execute("UPDATE cars SET paused = ? WHERE id = ?", (int(paused), car_id))

    async def set_auto_accept(
        self, conn: aiosqlite.Connection, car_id: int, auto_accept: bool
    ) -> None:
        await conn.execute(
            "UPDATE cars SET auto_accept_trusted = ? WHERE id = ?", (int(auto_accept), car_id)
        )

    async def mark_removed(self, conn: aiosqlite.Connection, car_id: int, now: datetime) -> bool:
        """True if this call removed it (a car is removed once)."""
        cursor = await conn.execute(
            "UPDATE cars SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
            (to_db(now), car_id),
        )
        return cursor.rowcount == 1

    async def remove_manager(self, conn: aiosqlite.Connection, car_id: int, user_id: int) -> bool:
        """True if the member was a manager of the car."""
        cursor = await conn.execute(
            "DELETE FROM car_managers WHERE car_id = ? AND user_id = ?", (car_id, user_id)
        )
        return cursor.rowcount == 1

    async def add_manager(
        self, conn: aiosqlite.Connection, car_id: int, user_id: int, now: datetime
    ) -> bool:
        """True if the member was not a manager yet."""
        cursor = await conn.execute(
            """
            INSERT INTO car_managers (car_id, user_id, added_at) VALUES (?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (car_id, user_id, to_db(now)),
        )
        return cursor.rowcount == 1
