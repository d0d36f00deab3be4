"""Bans and the audit log of admins' actions.

Writes take the connection of the transaction that carries the action, so an action and
its audit row are committed together or not at all.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.models import AuditAction, AuditEntry
from storage.timeutil import from_db, to_db


def _audit(row: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(
        chat_id=row["chat_id"],
        admin_id=row["admin_id"],
        action=AuditAction(row["action"]),
        at=from_db(row["at"]),
        target_id=row["target_id"],
        car_id=row["car_id"],
        booking_id=row["booking_id"],
        detail=row["detail"],
    )


class ModerationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_banned(self, chat_id: int, user_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM bans WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        return row is not None

    async def banned_in(self, user_id: int) -> list[int]:
        """The groups where the member is banned."""
        rows = await self._db.fetchall(
            "SELECT chat_id FROM bans WHERE user_id = ? ORDER BY chat_id", (user_id,)
        )
        return [row["chat_id"] for row in rows]

    async def ban(
        self, conn: aiosqlite.Connection, chat_id: int, user_id: int, by: int, now: datetime
    ) -> bool:
        """False when the member was already banned."""
        cursor = await conn.execute(
            """
            INSERT INTO bans (chat_id, user_id, banned_by, banned_at) VALUES (?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (chat_id, user_id, by, to_db(now)),
        )
        return cursor.rowcount == 1

    async def unban(self, conn: aiosqlite.Connection, chat_id: int, user_id: int) -> bool:
        """False when the member was not banned."""
        cursor = await conn.execute(
            "DELETE FROM bans WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        return cursor.rowcount == 1

    async def audit(self, conn: aiosqlite.Connection, entry: AuditEntry) -> None:
        await conn.execute(
            """
            INSERT INTO audit_log (chat_id, admin_id, action, target_id, car_id, booking_id,
                                   detail, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                entry.chat_id,
                entry.admin_id,
                entry.action.value,
                entry.target_id,
                entry.car_id,
                entry.booking_id,
                entry.detail,
                to_db(entry.at),
            ),
        )

    async def audit_log(self, chat_id: int) -> list[AuditEntry]:
        """The group's admin actions, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [_audit(row) for row in rows]
