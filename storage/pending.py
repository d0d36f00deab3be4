"""Private messages waiting for a member to open the private chat."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import PendingMessage
from storage.timeutil import from_db, to_db


class PendingMessageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        user_id: int,
        chat_id: int | None,
        text: str,
        reply_markup: str | None,
        now: datetime,
    ) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO pending_messages (user_id, chat_id, text, reply_markup, created_at)
                VALUES (?, ?, ?, ?, ?)
                """,
                (user_id, chat_id, text, reply_markup, to_db(now)),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def undelivered(self, user_id: int) -> list[PendingMessage]:
        rows = await self._db.fetchall(
            """
            SELECT * FROM pending_messages
            WHERE user_id = ? AND delivered_at IS NULL ORDER BY id
            """,
            (user_id,),
        )
        return [
            PendingMessage(
                id=row["id"],
                user_id=row["user_id"],
                chat_id=row["chat_id"],
                text=row["text"],
                reply_markup=row["reply_markup"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]

    async def claim(self, message_id: int, now: datetime) -> bool:
        """True for the one caller that claims it: a message is delivered once.

        Claimed before sending: a crash between the two loses one nudge rather than
        repeating a message (an Accept prompt twice would confuse an owner).
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                UPDATE pending_messages SET delivered_at = ?
                WHERE id = ? AND delivered_at IS NULL
                """,
                (to_db(now), message_id),
            )
            return cursor.rowcount == 1

    async def release(self, message_id: int) -> None:
        """Undo a claim whose sending failed, so the message is tried again later."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE pending_messages SET delivered_at = NULL WHERE id = ?", (message_id,)
            )

    async def has_undelivered(self, user_id: int, chat_id: int) -> bool:
        row = await self._db.fetchone(
            """
            SELECT 1 FROM pending_messages
            WHERE user_id = ? AND chat_id = ? AND delivered_at IS NULL LIMIT 1
            """,
            (user_id, chat_id),
        )
        return row is not None
