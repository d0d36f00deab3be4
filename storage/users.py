"""People the bot has met, in any group or in private."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.models import User
from storage.timeutil import from_db_optional, to_db


def _user(row: aiosqlite.Row) -> User:
    return User(
        user_id=row["user_id"],
        first_name=row["first_name"],
        username=row["username"],
        language=row["language"],
        telegram_language=row["telegram_language"],
        started_at=from_db_optional(row["started_at"]),
    )


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetchone("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    async def seen(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        telegram_language: str | None,
        now: datetime,
    ) -> None:
        """Keep name and username current: members change them, and mentions use them."""
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO users (user_id, first_name, username, telegram_language, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET
                    first_name = excluded.first_name,
                    username = excluded.username,
                    telegram_language = excluded.telegram_language,
                    updated_at = excluded.updated_at
                WHERE (first_name, username, telegram_language)
                    IS NOT (excluded.first_name, excluded.username, excluded.telegram_language)
                """,
                (user_id, first_name, username, telegram_language, to_db(now)),
            )

    async def mark_started(self, user_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET started_at = COALESCE(started_at, ?) WHERE user_id = ?",
                (to_db(now), user_id),
            )

    async def set_language(self, user_id: int, language: str | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET language = ? WHERE user_id = ?", (language, user_id)
            )
