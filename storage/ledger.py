"""The reputation ledger: rows are added, never changed (the table's triggers refuse it).

`add` takes the connection of the transaction that records the event itself, so an event
and its ledger row are committed together or not at all.
"""

from __future__ import annotations

import aiosqlite

from storage.db import Database
from storage.models import LedgerEntry, LedgerKind
from storage.timeutil import from_db, to_db


def _entry(row: aiosqlite.Row) -> LedgerEntry:
    thumbs = row["thumbs_up"]
    return LedgerEntry(
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        kind=LedgerKind(row["kind"]),
        at=from_db(row["at"]),
        other_id=row["other_id"],
        booking_id=row["booking_id"],
        incident_id=row["incident_id"],
        late_minutes=row["late_minutes"],
        thumbs_up=None if thumbs is None else bool(thumbs),
    )


class LedgerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, conn: aiosqlite.Connection, entry: LedgerEntry) -> None:
        await conn.execute(
            """
            INSERT INTO ledger (chat_id, user_id, kind, other_id, booking_id, incident_id,
                                late_minutes, thumbs_up, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                entry.chat_id,
                entry.user_id,
                entry.kind.value,
                entry.other_id,
                entry.booking_id,
                entry.incident_id,
                entry.late_minutes,
                None if entry.thumbs_up is None else int(entry.thumbs_up),
                to_db(entry.at),
            ),
        )

    async def of_member(self, chat_id: int, user_id: int) -> list[LedgerEntry]:
        """What happened to this member in this group, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM ledger WHERE chat_id = ? AND user_id = ? ORDER BY id",
            (chat_id, user_id),
        )
        return [_entry(row) for row in rows]

    async def vouches_for(self, chat_id: int, user_id: int) -> list[LedgerEntry]:
        """Vouches given to and withdrawn from this member, oldest first."""
        rows = await self._db.fetchall(
            """
            SELECT * FROM ledger
            WHERE chat_id = ? AND other_id = ? AND kind IN ('vouch_given', 'vouch_withdrawn')
            ORDER BY id
            """,
            (chat_id, user_id),
        )
        return [_entry(row) for row in rows]
