"""The trip itself: readings, incidents, reminders sent, no-shows, return checks and
contributions, plus the booking moves a trip makes (pickup, return, no-show).

Writes take the connection of a transaction the caller opened (see `storage/cars.py`); a
booking moves only from the status it is expected in, and says whether it moved.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.bookings import booking_from_row
from storage.db import Database
from storage.models import (
    Booking,
    CheckOutcome,
    ContributionRecord,
    Incident,
    Reading,
    ReadingMoment,
    ReminderKind,
)
from storage.timeutil import from_db, from_db_optional, to_db


def _reading(row: aiosqlite.Row) -> Reading:
    return Reading(
        booking_id=row["booking_id"],
        moment=ReadingMoment(row["moment"]),
        odometer_km=row["odometer_km"],
        fuel_quarters=row["fuel_quarters"],
        photo_file_id=row["photo_file_id"],
        confirmed_lower=bool(row["confirmed_lower"]),
        recorded_by=row["recorded_by"],
        recorded_at=from_db(row["recorded_at"]),
    )


def _incident(row: aiosqlite.Row) -> Incident:
    return Incident(
        id=row["id"],
        booking_id=row["booking_id"],
        opened_by=row["opened_by"],
        text=row["text"],
        photo_file_id=row["photo_file_id"],
        opened_at=from_db(row["opened_at"]),
        resolved_by=row["resolved_by"],
        resolved_at=from_db_optional(row["resolved_at"]),
    )


def _contribution(row: aiosqlite.Row) -> ContributionRecord:
    return ContributionRecord(
        booking_id=row["booking_id"],
        borrower_id=row["borrower_id"],
        owner_id=row["owner_id"],
        distance_km=row["distance_km"],
        days=row["days"],
        per_km_cents=row["per_km_cents"],
        per_day_cents=row["per_day_cents"],
        amount_cents=row["amount_cents"],
        created_at=from_db(row["created_at"]),
        paid_at=from_db_optional(row["paid_at"]),
        confirmed_by=row["confirmed_by"],
        confirmed_at=from_db_optional(row["confirmed_at"]),
    )


class TripRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Bookings a trip moves

    async def with_reminders_ahead(self, chat_id: int | None = None) -> list[Booking]:
        """Pending, accepted and active bookings (of one group, or of all): the ones with
        moments ahead (bot/schedule.py)."""
        rows = await self._db.fetchall(
            """
            SELECT * FROM bookings
            WHERE status IN ('pending', 'accepted', 'active') AND (?1 IS NULL OR chat_id = ?1)
            ORDER BY start_at, id
            """,
            (chat_id,),
        )
        return [booking_from_row(row) for row in rows]

    async def mark_active(self, conn: aiosqlite.Connection, booking_id: int) -> bool:
        cursor = await conn.execute(
            "UPDATE bookings SET status = 'active' WHERE id = ? AND status = 'accepted'",
            (booking_id,),
        )
        return cursor.rowcount == 1

    async def mark_returned(self, conn: aiosqlite.Connection, booking_id: int) -> bool:
        cursor = await conn.execute(
            "UPDATE bookings SET status = 'returned' WHERE id = ? AND status = 'active'",
            (booking_id,),
        )
        return cursor.rowcount == 1

    async def mark_no_show(
        self, conn: aiosqlite.Connection, booking_id: int, manager_id: int, now: datetime
    ) -> bool:
        cursor = await conn.execute(
            "UPDATE bookings SET status = 'no_show' WHERE id = ? AND status = 'accepted'",
            (booking_id,),
        )
        if cursor.rowcount != 1:
            return False
        await conn.execute(
            "INSERT INTO no_shows (booking_id, marked_by, marked_at) VALUES (?, ?, ?)",
            (booking_id, manager_id, to_db(now)),
        )
        return True

    # Readings

    async def reading(self, booking_id: int, moment: ReadingMoment) -> Reading | None:
        row = await self._db.fetchone(
            "SELECT * FROM trip_readings WHERE booking_id = ? AND moment = ?",
            (booking_id, moment.value),
        )
        return None if row is None else _reading(row)

    async def last_return_of_car(self, car_id: int) -> Reading | None:
        """The car's latest odometer at a return, whoever borrowed it."""
        row = await self._db.fetchone(
            """
            SELECT r.* FROM trip_readings r JOIN bookings b ON b.id = r.booking_id
            WHERE b.car_id = ? AND r.moment = 'return'
            ORDER BY r.recorded_at DESC LIMIT 1
            """,
            (car_id,),
        )
        return None if row is None else _reading(row)

    async def add_reading(
        self,
        conn: aiosqlite.Connection,
        booking_id: int,
        moment: ReadingMoment,
        odometer_km: int,
        fuel_quarters: int,
        photo_file_id: str | None,
        confirmed_lower: bool,
        recorded_by: int,
        now: datetime,
    ) -> Reading:
        await conn.execute(
            """
            INSERT INTO trip_readings (
                booking_id, moment, odometer_km, fuel_quarters, photo_file_id,
                confirmed_lower, recorded_by, recorded_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                booking_id,
                moment.value,
                odometer_km,
                fuel_quarters,
                photo_file_id,
                int(confirmed_lower),
                recorded_by,
                to_db(now),
            ),
        )
        reading = await self.reading(booking_id, moment)
        assert reading is not None
        return reading

    # Reminders

    async def reminders_sent(self) -> dict[int, frozenset[ReminderKind]]:
        """The kinds already sent, per booking still open."""
        rows = await self._db.fetchall(
            """
            SELECT r.booking_id, r.kind FROM reminders_sent r JOIN bookings b ON b.id = r.booking_id
            WHERE b.status IN ('pending', 'accepted', 'active')
            """
        )
        sent: dict[int, set[ReminderKind]] = {}
        for row in rows:
            sent.setdefault(row["booking_id"], set()).add(ReminderKind(row["kind"]))
        return {booking_id: frozenset(kinds) for booking_id, kinds in sent.items()}

    async def sent_for(self, booking_id: int) -> frozenset[ReminderKind]:
        rows = await self._db.fetchall(
            "SELECT kind FROM reminders_sent WHERE booking_id = ?", (booking_id,)
        )
        return frozenset(ReminderKind(row["kind"]) for row in rows)

    async def claim_reminder(
        self, conn: aiosqlite.Connection, booking_id: int, kind: ReminderKind, now: datetime
    ) -> bool:
        """True for the one caller that may send it. Claimed before sending: a crash between
        the two loses that reminder rather than sending it twice."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO reminders_sent (booking_id, kind, sent_at) VALUES (?, ?, ?)",
            (booking_id, kind.value, to_db(now)),
        )
        return cursor.rowcount == 1

    async def release_reminder(
        self, conn: aiosqlite.Connection, booking_id: int, kind: ReminderKind
    ) -> None:
        """Telegram refused the pickup reminder for a reason that may pass: it may go again."""
        await conn.execute(
            "DELETE FROM reminders_sent WHERE booking_id = ? AND kind = ?",
            (booking_id, kind.value),
        )

    # Return checks and incidents

    async def check_outcome(self, booking_id: int) -> CheckOutcome | None:
        row = await self._db.fetchone(
            "SELECT outcome FROM return_checks WHERE booking_id = ?", (booking_id,)
        )
        return None if row is None else CheckOutcome(row["outcome"])

    async def add_check(
        self,
        conn: aiosqlite.Connection,
        booking_id: int,
        outcome: CheckOutcome,
        manager_id: int,
        now: datetime,
    ) -> bool:
        """The first manager's look is the one recorded."""
        cursor = await conn.execute(
            """
            INSERT OR IGNORE INTO return_checks (booking_id, outcome, checked_by, checked_at)
            VALUES (?, ?, ?, ?)
            """,
            (booking_id, outcome.value, manager_id, to_db(now)),
        )
        return cursor.rowcount == 1

    async def incident(self, incident_id: int) -> Incident | None:
        row = await self._db.fetchone("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        return None if row is None else _incident(row)

    async def unresolved_in_group(self, chat_id: int) -> list[Incident]:
        """The group's incidents nobody has resolved yet, oldest first (for its admins)."""
        rows = await self._db.fetchall(
            """
            SELECT i.* FROM incidents i JOIN bookings b ON b.id = i.booking_id
            WHERE b.chat_id = ? AND i.resolved_at IS NULL
            ORDER BY i.opened_at, i.id
            """,
            (chat_id,),
        )
        return [_incident(row) for row in rows]

    async def open_incident(
        self,
        conn: aiosqlite.Connection,
        booking_id: int,
        opened_by: int,
        text: str,
        photo_file_id: str | None,
        now: datetime,
    ) -> Incident:
        cursor = await conn.execute(
            """
            INSERT INTO incidents (booking_id, opened_by, text, photo_file_id, opened_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            (booking_id, opened_by, text, photo_file_id, to_db(now)),
        )
        assert cursor.lastrowid is not None
        incident = await self.incident(cursor.lastrowid)
        assert incident is not None
        return incident

    async def resolve_incident(
        self, conn: aiosqlite.Connection, incident_id: int, by_user: int, now: datetime
    ) -> bool:
        cursor = await conn.execute(
            """
            UPDATE incidents SET resolved_by = ?, resolved_at = ?
            WHERE id = ? AND resolved_at IS NULL
            """,
            (by_user, to_db(now), incident_id),
        )
        return cursor.rowcount == 1

    # Contributions

    async def contribution(self, booking_id: int) -> ContributionRecord | None:
        row = await self._db.fetchone(
            "SELECT * FROM contributions WHERE booking_id = ?", (booking_id,)
        )
        return None if row is None else _contribution(row)

    async def add_contribution(
        self, conn: aiosqlite.Connection, record: ContributionRecord
    ) -> None:
        await conn.execute(
            """
            INSERT INTO contributions (
                booking_id, borrower_id, owner_id, distance_km, days, per_km_cents,
                per_day_cents, amount_cents, created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                record.booking_id,
                record.borrower_id,
                record.owner_id,
                record.distance_km,
                record.days,
                record.per_km_cents,
                record.per_day_cents,
                record.amount_cents,
                to_db(record.created_at),
            ),
        )

    async def mark_paid(self, conn: aiosqlite.Connection, booking_id: int, now: datetime) -> bool:
        cursor = await conn.execute(
            "UPDATE contributions SET paid_at = ? WHERE booking_id = ? AND paid_at IS NULL",
            (to_db(now), booking_id),
        )
        return cursor.rowcount == 1

    async def confirm_paid(
        self, conn: aiosqlite.Connection, booking_id: int, manager_id: int, now: datetime
    ) -> bool:
        """A manager confirms what the borrower marked paid."""
        cursor = await conn.execute(
            """
            UPDATE contributions SET confirmed_by = ?, confirmed_at = ?
            WHERE booking_id = ? AND paid_at IS NOT NULL AND confirmed_at IS NULL
            """,
            (manager_id, to_db(now), booking_id),
        )
        return cursor.rowcount == 1

    async def open_contributions(self, user_id: int) -> list[ContributionRecord]:
        """Contributions not confirmed yet where the member is the borrower or a manager of
        the car, oldest first."""
        rows = await self._db.fetchall(
            """
            SELECT k.* FROM contributions k JOIN bookings b ON b.id = k.booking_id
            WHERE k.confirmed_at IS NULL AND (
                k.borrower_id = ?1
                OR EXISTS (
                    SELECT 1 FROM car_managers m WHERE m.car_id = b.car_id AND m.user_id = ?1
                )
            )
            ORDER BY k.created_at, k.booking_id
            """,
            (user_id,),
        )
        return [_contribution(row) for row in rows]
