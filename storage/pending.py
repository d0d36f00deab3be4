"""Private messages waiting for a member to open the private chat."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.models import PendingMessage
from storage.timeutil import from_db, to_db


def _pending(row: aiosqlite.Row) -> PendingMessage:
    return PendingMessage(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        text=row["text"],
        reply_markup=row["reply_markup"],
        created_at=from_db(row["created_at"]),
        attempts=row["attempts"],
    )


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
        retry_at: datetime | None = None,
    ) -> int:
        """Kept for the member: until they open the private chat, or (`retry_at`) until
        the bot tries again after Telegram failed to take it."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO pending_messages
                    (user_id, chat_id, text, reply_markup, created_at, retry_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                (
                    user_id,
                    chat_id,
                    text,
                    reply_markup,
                    to_db(now),
                    to_db(retry_at) if retry_at else None,
                ),
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
        return [_pending(row) for row in rows]

    async def due_for_retry(self, now: datetime) -> list[PendingMessage]:
        """The messages Telegram failed to take whose next try has come, oldest first."""
        rows = await self._db.fetchall(
            """
            SELECT * FROM pending_messages
            WHERE delivered_at IS NULL AND retry_at IS NOT NULL AND retry_at <= ?
            ORDER BY id
            """,
            (to_db(now),),
        )
        return [_pending(row) for row in rows]

    async def retry_later(self, message_id: int, retry_at: datetime | None) -> None:
        """Undo a claim after a failed try: tried again at `retry_at`, or (None) kept until
        the member opens the private chat."""
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                UPDATE pending_messages
                SET delivered_at = NULL, retry_at = ?, attempts = attempts + 1
                WHERE id = ?
                """,
                (to_db(retry_at) if retry_at else None, message_id),
            )

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

    async def delivered(self, message_id: int) -> None:
        """Sent: the text is not kept once its reader has it (it names other people)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM pending_messages WHERE id = ?", (message_id,))

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

    async def drop_for_group(self, conn: aiosqlite.Connection, user_id: int, chat_id: int) -> int:
        """They left the group: what was kept for them about it is no longer theirs to read."""
        cursor = await conn.execute(
            """
            DELETE FROM pending_messages
            WHERE user_id = ? AND chat_id = ? AND delivered_at IS NULL
            """,
            (user_id, chat_id),
        )
        return cursor.rowcount
