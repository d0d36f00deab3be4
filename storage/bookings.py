"""Booking requests and bookings.

Writes take the connection of a transaction the caller opened (see `storage/cars.py`), and
each moves a booking only from the status it expects: a write that finds the booking
elsewhere changes nothing and says so.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.cars import BUSY
from storage.db import Database
from storage.models import Booking, BookingStatus
from storage.timeutil import from_db, from_db_optional, to_db

# Requests and bookings still ahead of their borrower: what "my bookings" lists and what a
# removed car must cancel.
_OPEN = "status IN ('pending', 'accepted', 'active')"


def booking_from_row(row: aiosqlite.Row) -> Booking:
    return Booking(
        id=row["id"],
        car_id=row["car_id"],
        chat_id=row["chat_id"],
        borrower_id=row["borrower_id"],
        start=from_db(row["start_at"]),
        end=from_db(row["end_at"]),
        status=BookingStatus(row["status"]),
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        decided_at=from_db_optional(row["decided_at"]),
        decided_by=row["decided_by"],
        decline_reason=row["decline_reason"],
        superseded_by=row["superseded_by"],
        cancelled_at=from_db_optional(row["cancelled_at"]),
        cancelled_by=row["cancelled_by"],
        late_cancellation=bool(row["late_cancellation"]),
    )


class BookingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, booking_id: int) -> Booking | None:
        row = await self._db.fetchone("SELECT * FROM bookings WHERE id = ?", (booking_id,))
        return None if row is None else booking_from_row(row)

    async def busy_overlapping(self, car_id: int, start: datetime, end: datetime) -> list[Booking]:
        """Accepted and active bookings of the car overlapping [start, end), by start.

        Booked intervals of one car never overlap each other (accepting checks it), so
        among those starting before `start` only the latest can reach into the interval:
        one index entry, plus those starting inside it, whatever the car's history.
        """
        rows = await self._db.fetchall(
            f"""
            SELECT * FROM (
                SELECT * FROM bookings
                WHERE car_id = ?1 AND {BUSY} AND start_at < ?2
                ORDER BY start_at DESC LIMIT 1
            ) WHERE end_at > ?2
            UNION ALL
            SELECT * FROM bookings
            WHERE car_id = ?1 AND {BUSY} AND start_at >= ?2 AND start_at < ?3
            ORDER BY start_at
            """,
            (car_id, to_db(start), to_db(end)),
        )
        return [booking_from_row(row) for row in rows]

    async def pending_overlapping(
        self, car_id: int, start: datetime, end: datetime
    ) -> list[Booking]:
        """Pending requests for the car overlapping [start, end), oldest first."""
        rows = await self._db.fetchall(
            """
            SELECT * FROM bookings
            WHERE car_id = ?1 AND status = 'pending' AND start_at < ?3 AND end_at > ?2
            ORDER BY id
            """,
            (car_id, to_db(start), to_db(end)),
        )
        return [booking_from_row(row) for row in rows]

    async def pending(self) -> list[Booking]:
        """Every pending request, soonest expiry first."""
        rows = await self._db.fetchall(
            "SELECT * FROM bookings WHERE status = 'pending' ORDER BY expires_at, id"
        )
        return [booking_from_row(row) for row in rows]

    async def open_of_car(self, car_id: int, now: datetime) -> list[Booking]:
        """Pending, accepted and active bookings of the car not over at `now`, by start."""
        rows = await self._db.fetchall(
            f"""
            SELECT * FROM bookings WHERE car_id = ? AND end_at > ? AND {_OPEN}
            ORDER BY start_at, id
            """,
            (car_id, to_db(now)),
        )
        return [booking_from_row(row) for row in rows]

    async def open_of_borrower(self, borrower_id: int, now: datetime) -> list[Booking]:
        """The member's pending, accepted and active bookings not over at `now`, by start;
        a car still out after its end (overdue) stays listed until it is returned."""
        rows = await self._db.fetchall(
            f"""
            SELECT * FROM bookings
            WHERE borrower_id = ? AND (end_at > ? OR status = 'active') AND {_OPEN}
            ORDER BY start_at, id
            """,
            (borrower_id, to_db(now)),
        )
        return [booking_from_row(row) for row in rows]

    async def open_of_manager(self, manager_id: int, now: datetime) -> list[Booking]:
        """Open bookings, not over at `now` or still out, of the cars this member manages."""
        rows = await self._db.fetchall(
            f"""
            SELECT b.* FROM car_managers m
            JOIN cars c ON c.id = m.car_id AND c.removed_at IS NULL
            JOIN bookings b ON b.car_id = m.car_id
                AND (b.end_at > ? OR b.status = 'active') AND b.{_OPEN}
            WHERE m.user_id = ?
            ORDER BY b.start_at, b.id
            """,
            (to_db(now), manager_id),
        )
        return [booking_from_row(row) for row in rows]

    async def insert_pending(
        self,
        conn: aiosqlite.Connection,
        car_id: int,
        chat_id: int,
        borrower_id: int,
        start: datetime,
        end: datetime,
        now: datetime,
        expires_at: datetime,
    ) -> Booking:
        cursor = await conn.execute(
            """
            INSERT INTO bookings (
                car_id, chat_id, borrower_id, start_at, end_at, status, created_at, expires_at
            ) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
            """,
            (car_id, chat_id, borrower_id, to_db(start), to_db(end), to_db(now), to_db(expires_at)),
        )
        assert cursor.lastrowid is not None
        booking = await self.get(cursor.lastrowid)
        assert booking is not None
        return booking

    async def accept(
        self, conn: aiosqlite.Connection, booking_id: int, manager_id: int, now: datetime
    ) -> bool:
        cursor = await conn.execute(
            """
            UPDATE bookings SET status = 'accepted', decided_at = ?, decided_by = ?
            WHERE id = ? AND status = 'pending'
            """,
            (to_db(now), manager_id, booking_id),
        )
        return cursor.rowcount == 1

    async def decline(
        self,
        conn: aiosqlite.Connection,
        booking_id: int,
        now: datetime,
        manager_id: int | None,
        reason: str | None = None,
        superseded_by: int | None = None,
    ) -> bool:
        """Decline a pending request: by a manager, or by the bot (`manager_id` None) when
        the accepted booking `superseded_by` took its slot."""
        cursor = await conn.execute(
            """
            UPDATE bookings
            SET status = 'declined', decided_at = ?, decided_by = ?, decline_reason = ?,
                superseded_by = ?
            WHERE id = ? AND status = 'pending'
            """,
            (to_db(now), manager_id, reason, superseded_by, booking_id),
        )
        return cursor.rowcount == 1

    async def expire(self, conn: aiosqlite.Connection, booking_id: int, now: datetime) -> bool:
        """Expire a request only if it is still pending and its expiry has come."""
        cursor = await conn.execute(
            """
            UPDATE bookings SET status = 'expired'
            WHERE id = ? AND status = 'pending' AND expires_at <= ?
            """,
            (booking_id, to_db(now)),
        )
        return cursor.rowcount == 1

    async def cancel(
        self,
        conn: aiosqlite.Connection,
        booking_id: int,
        by_user: int,
        now: datetime,
        late: bool,
    ) -> bool:
        """Cancel a request or a booking not picked up yet."""
        cursor = await conn.execute(
            """
            UPDATE bookings
            SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?, late_cancellation = ?
            WHERE id = ? AND status IN ('pending', 'accepted')
            """,
            (to_db(now), by_user, int(late), booking_id),
        )
        return cursor.rowcount == 1
