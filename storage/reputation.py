"""Feedback after a return, its reveal rounds, and charter acceptances.

Writes take the connection of a transaction the caller opened; claims say whether they won.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.models import Feedback, FeedbackRound, FeedbackSide
from storage.timeutil import from_db, from_db_optional, to_db


def _feedback(row: aiosqlite.Row) -> Feedback:
    return Feedback(
        booking_id=row["booking_id"],
        side=FeedbackSide(row["side"]),
        author_id=row["author_id"],
        subject_id=row["subject_id"],
        thumbs_up=bool(row["thumbs_up"]),
        tags=tuple(tag for tag in row["tags"].split(",") if tag),
        comment=row["comment"],
        given_at=from_db(row["given_at"]),
    )


def _round(row: aiosqlite.Row) -> FeedbackRound:
    return FeedbackRound(
        booking_id=row["booking_id"],
        returned_at=from_db(row["returned_at"]),
        due_at=from_db(row["due_at"]),
        revealed_at=from_db_optional(row["revealed_at"]),
    )


class ReputationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Feedback

    async def open_round(
        self, conn: aiosqlite.Connection, booking_id: int, returned_at: datetime, due_at: datetime
    ) -> None:
        await conn.execute(
            "INSERT INTO feedback_rounds (booking_id, returned_at, due_at) VALUES (?, ?, ?)",
            (booking_id, to_db(returned_at), to_db(due_at)),
        )

    async def round(self, booking_id: int) -> FeedbackRound | None:
        row = await self._db.fetchone(
            "SELECT * FROM feedback_rounds WHERE booking_id = ?", (booking_id,)
        )
        return None if row is None else _round(row)

    async def open_rounds(self) -> list[FeedbackRound]:
        """Rounds not revealed yet: their reveals are rebuilt from them (bot/schedule.py)."""
        rows = await self._db.fetchall(
            "SELECT * FROM feedback_rounds WHERE revealed_at IS NULL ORDER BY due_at"
        )
        return [_round(row) for row in rows]

    async def claim_reveal(
        self, conn: aiosqlite.Connection, booking_id: int, now: datetime
    ) -> bool:
        cursor = await conn.execute(
            """
            UPDATE feedback_rounds SET revealed_at = ?
            WHERE booking_id = ? AND revealed_at IS NULL
            """,
            (to_db(now), booking_id),
        )
        return cursor.rowcount > 0

    async def add_feedback(self, conn: aiosqlite.Connection, feedback: Feedback) -> bool:
        """False when that side already answered."""
        cursor = await conn.execute(
            """
            INSERT INTO feedback (booking_id, side, author_id, subject_id, thumbs_up, tags,
                                  comment, given_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (
                feedback.booking_id,
                feedback.side.value,
                feedback.author_id,
                feedback.subject_id,
                int(feedback.thumbs_up),
                ",".join(feedback.tags),
                feedback.comment,
                to_db(feedback.given_at),
            ),
        )
        return cursor.rowcount > 0

    async def feedback_of(self, booking_id: int) -> list[Feedback]:
        rows = await self._db.fetchall(
            "SELECT * FROM feedback WHERE booking_id = ? ORDER BY side", (booking_id,)
        )
        return [_feedback(row) for row in rows]

    # Charter

    async def accepted_charter(self, chat_id: int, user_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM charter_acceptances WHERE chat_id = ? AND user_id = ?",
            (chat_id, user_id),
        )
        return row is not None

    async def accept_charter(
        self, conn: aiosqlite.Connection, chat_id: int, user_id: int, now: datetime
    ) -> bool:
        """Recorded once: False when the member had already accepted."""
        cursor = await conn.execute(
            """
            INSERT INTO charter_acceptances (chat_id, user_id, accepted_at) VALUES (?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (chat_id, user_id, to_db(now)),
        )
        return cursor.rowcount > 0
