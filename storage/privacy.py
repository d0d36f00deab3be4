"""Everything stored about one person, across groups, for `/mydata`."""

from __future__ import annotations

from storage.db import Database

# Each table with the rows that are about the person (`?` is their user id, repeated as
# many times as the condition needs it). Group-level tables (settings, groups) hold
# nothing personal; rows that only point at a booking (readings, reminders) are the
# bookings' details and follow them.
_ABOUT: tuple[tuple[str, str, int], ...] = (
    ("users", "user_id = ?", 1),
    ("members", "user_id = ?", 1),
    ("cars", "owner_id = ?", 1),
    ("car_managers", "user_id = ?", 1),
    ("availability", "created_by = ?", 1),
    ("bookings", "borrower_id = ?", 1),
    ("trip_readings", "recorded_by = ?", 1),
    ("incidents", "opened_by = ? OR resolved_by = ?", 2),
    ("contributions", "borrower_id = ? OR owner_id = ?", 2),
    ("ledger", "user_id = ? OR other_id = ?", 2),
    ("feedback", "author_id = ? OR subject_id = ?", 2),
    ("charter_acceptances", "user_id = ?", 1),
    ("pending_messages", "user_id = ?", 1),
    ("bans", "user_id = ? OR banned_by = ?", 2),
    ("audit_log", "admin_id = ? OR target_id = ?", 2),
)


class PersonalDataRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def about(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Table name → its rows about the person, as column → value; empty tables left out."""
        found: dict[str, list[dict[str, object]]] = {}
        for table, condition, uses in _ABOUT:
            # Table names and conditions are the constants above, never user input.
            rows = await self._db.fetchall(
                f"SELECT * FROM {table} WHERE {condition}", (user_id,) * uses
            )
            if rows:
                found[table] = [dict(row) for row in rows]
        return found
