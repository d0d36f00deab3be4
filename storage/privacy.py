"""Everything stored about one person, across groups: `/mydata` reads it, `/forgetme`
erases it."""

from __future__ import annotations

import aiosqlite

from storage.bookings import booking_from_row
from storage.db import Database
from storage.models import Booking

# The placeholder that a forgotten member's side of the others' history moves to: a users
# row of its own (storage/migrations/0007_forget.sql), shown as « ancien membre ».
FORMER_MEMBER_ID = 0

# Each table with its columns that hold a user id, in the order `/mydata` lists them: every
# column of the schema that references users(user_id) (tests/unit/test_forgetting_storage.py
# checks it). Group-level tables (settings, groups) hold nothing personal; rows that only
# point at a booking (reminders sent, feedback rounds) are the booking's details.
PEOPLE_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("users", ("user_id",)),
    ("members", ("user_id",)),
    ("cars", ("owner_id",)),
    ("car_managers", ("user_id",)),
    ("availability", ("created_by",)),
    ("bookings", ("borrower_id", "decided_by", "cancelled_by")),
    ("trip_readings", ("recorded_by",)),
    ("return_checks", ("checked_by",)),
    ("incidents", ("opened_by", "resolved_by")),
    ("no_shows", ("marked_by",)),
    ("contributions", ("borrower_id", "owner_id", "confirmed_by")),
    ("ledger", ("user_id", "other_id")),
    ("feedback", ("author_id", "subject_id")),
    ("charter_acceptances", ("user_id",)),
    ("pending_messages", ("user_id",)),
    ("bans", ("user_id", "banned_by")),
    ("audit_log", ("admin_id", "target_id")),
    # A form under way: its answers so far and where it is (storage/persistence.py).
    ("user_data", ("user_id",)),
    ("conversations", ("user_id",)),
)

# What the member may not read yet: what a neighbour said about them after a trip stays
# hidden until both sides have answered or the round's 7 days are over (the reveal), so
# that nobody answers in retaliation; until then only its author sees it.
_SHOWN_ONLY = {
    "feedback": """
        AND (author_id = ?1 OR booking_id IN (
            SELECT booking_id FROM feedback_rounds WHERE revealed_at IS NOT NULL))""",
}

# Rows that are only the member's, deleted. A ban names the member, and a ban on an id
# nobody has any more guards nothing: the admins' audit log keeps that a member was banned.
_ONLY_THEIRS = frozenset(
    {
        ("members", "user_id"),
        ("car_managers", "user_id"),
        ("charter_acceptances", "user_id"),
        ("pending_messages", "user_id"),
        ("bans", "user_id"),
        ("user_data", "user_id"),
        ("conversations", "user_id"),
    }
)

# What forgetting does, in this order (`:member` is the member's id, `:former` the
# placeholder's).
# Their own words go first: texts they wrote, and the comments written about them; the
# windows of their cars go with the cars. Then the rows that are only theirs are deleted,
# and every other column naming them moves to the placeholder (the ledger's triggers let
# exactly this through, 0007_forget.sql): those rows are the others' history too. The
# users row goes last, so that a reference missed here fails the whole transaction on its
# foreign key instead of leaving a trace.
_ERASE: tuple[str, ...] = (
    "UPDATE feedback SET comment = '' WHERE author_id = :member OR subject_id = :member",
    "UPDATE incidents SET text = '', photo_file_id = NULL WHERE opened_by = :member",
    """
    UPDATE cars SET description = '', parked_at = '', rules = '', photo_file_id = NULL,
        key_instructions = NULL
    WHERE owner_id = :member
    """,
    "DELETE FROM availability WHERE car_id IN (SELECT id FROM cars WHERE owner_id = :member)",
    *(f"DELETE FROM {table} WHERE {column} = :member" for table, column in sorted(_ONLY_THEIRS)),
    *(
        f"UPDATE {table} SET {column} = :former WHERE {column} = :member"
        for table, columns in PEOPLE_COLUMNS
        for column in columns
        if table != "users" and (table, column) not in _ONLY_THEIRS
    ),
    "DELETE FROM users WHERE user_id = :member",
)


class PersonalDataRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def about(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Table name → its rows about the person, as column → value; empty tables left out."""
        found: dict[str, list[dict[str, object]]] = {}
        for table, columns in PEOPLE_COLUMNS:
            condition = " OR ".join(f"{column} = ?1" for column in columns)
            condition = f"({condition}){_SHOWN_ONLY.get(table, '')}"
            # Table and column names are the constants above, never user input.
            rows = await self._db.fetchall(f"SELECT * FROM {table} WHERE {condition}", (user_id,))
            if rows:
                found[table] = [dict(row) for row in rows]
        return found

    async def cars_out(self, user_id: int) -> list[Booking]:
        """Bookings picked up and not returned yet where the member is the borrower or the
        owner of the car."""
        rows = await self._db.fetchall(
            """
            SELECT b.* FROM bookings b JOIN cars c ON c.id = b.car_id
            WHERE b.status = 'active' AND (b.borrower_id = ?1 OR c.owner_id = ?1)
            ORDER BY b.start_at, b.id
            """,
            (user_id,),
        )
        return [booking_from_row(row) for row in rows]

    async def vouches_given(self, user_id: int) -> list[tuple[int, int]]:
        """(group, member) of the vouches the member stands behind now: their latest vouch
        row about that member in that group is a vouch given, not withdrawn."""
        rows = await self._db.fetchall(
            """
            SELECT chat_id, other_id FROM ledger v
            WHERE user_id = ?1 AND kind = 'vouch_given' AND id = (
                SELECT max(id) FROM ledger
                WHERE chat_id = v.chat_id AND user_id = ?1 AND other_id = v.other_id
                  AND kind IN ('vouch_given', 'vouch_withdrawn')
            )
            ORDER BY id
            """,
            (user_id,),
        )
        return [(row["chat_id"], row["other_id"]) for row in rows]

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        """Remove every row naming the member, in the caller's transaction (see `_ERASE`)."""
        if user_id == FORMER_MEMBER_ID:
            raise ValueError("the former-member placeholder is never forgotten")
        ids = {"member": user_id, "former": FORMER_MEMBER_ID}
        for statement in _ERASE:
            await conn.execute(statement, ids)
