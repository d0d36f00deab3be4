"""Groups the bot lives in, and the members it has met there."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.models import Group, Member
from storage.timeutil import from_db, to_db


def _group(row: aiosqlite.Row) -> Group:
    return Group(
        chat_id=row["chat_id"],
        title=row["title"],
        language=row["language"],
        timezone=row["timezone"],
        active=bool(row["active"]),
        added_at=from_db(row["added_at"]),
    )


def _member(row: aiosqlite.Row) -> Member:
    return Member(
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        first_name=row["first_name"],
        username=row["username"],
        first_seen=from_db(row["first_seen"]),
    )


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, chat_id: int) -> Group | None:
        row = await self._db.fetchone("SELECT * FROM groups WHERE chat_id = ?", (chat_id,))
        return None if row is None else _group(row)

    async def upsert_active(
        self, chat_id: int, title: str, language: str, timezone: str, now: datetime
    ) -> Group:
        """Record that the bot is (again) in this group; settings of a returning group stay."""
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO groups (chat_id, title, language, timezone, active, added_at)
                VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, active = 1
                """,
                (chat_id, title, language, timezone, to_db(now)),
            )
        group = await self.get(chat_id)
        assert group is not None
        return group

    async def set_language(self, conn: aiosqlite.Connection, chat_id: int, language: str) -> bool:
        """False when the group already speaks it (nothing to change, nothing to audit)."""
        cursor = await conn.execute(
            "UPDATE groups SET language = ? WHERE chat_id = ? AND language <> ?",
            (language, chat_id, language),
        )
        return cursor.rowcount == 1

    async def set_timezone(self, conn: aiosqlite.Connection, chat_id: int, zone: str) -> bool:
        """False when the group already lives in that zone (nothing to change or audit)."""
        cursor = await conn.execute(
            "UPDATE groups SET timezone = ? WHERE chat_id = ? AND timezone <> ?",
            (zone, chat_id, zone),
        )
        return cursor.rowcount == 1

    async def set_active(self, chat_id: int, active: bool) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE groups SET active = ? WHERE chat_id = ?", (int(active), chat_id)
            )

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Follow a group upgraded to a supergroup; everything keyed on the id moves along."""
        async with self._db.transaction() as conn:
            existing = await conn.execute_fetchall(
                "SELECT 1 FROM groups WHERE chat_id = ?", (new_chat_id,)
            )
            if list(existing):
                # Both updates can arrive; the second one finds the work done.
                return False
            cursor = await conn.execute(
                "UPDATE groups SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )
            return cursor.rowcount > 0

    async def add_member(self, chat_id: int, user_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO members (chat_id, user_id, first_seen) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                (chat_id, user_id, to_db(now)),
            )

    async def remove_member(self, conn: aiosqlite.Connection, chat_id: int, user_id: int) -> bool:
        """They left or were removed: they act in this group no more. False when they were
        no member already."""
        cursor = await conn.execute(
            "DELETE FROM members WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        return cursor.rowcount == 1

    async def member(self, chat_id: int, user_id: int) -> Member | None:
        row = await self._db.fetchone(
            """
            SELECT m.chat_id, m.user_id, m.first_seen, u.first_name, u.username
            FROM members m JOIN users u USING (user_id)
            WHERE m.chat_id = ? AND m.user_id = ?
            """,
            (chat_id, user_id),
        )
        return None if row is None else _member(row)

    async def member_by_username(self, chat_id: int, username: str) -> Member | None:
        """A member met in this group, by @username: Telegram gives bots no such lookup."""
        row = await self._db.fetchone(
            """
            SELECT m.chat_id, m.user_id, m.first_seen, u.first_name, u.username
            FROM members m JOIN users u USING (user_id)
            WHERE m.chat_id = ? AND u.username = ? COLLATE NOCASE
            """,
            (chat_id, username.removeprefix("@")),
        )
        return None if row is None else _member(row)

    async def groups_of(self, user_id: int) -> list[Group]:
        rows = await self._db.fetchall(
            """
            SELECT g.* FROM groups g JOIN members m USING (chat_id)
            WHERE m.user_id = ? AND g.active = 1 ORDER BY g.title
            """,
            (user_id,),
        )
        return [_group(row) for row in rows]
