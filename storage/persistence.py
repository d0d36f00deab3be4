"""The conversations under way, kept in the bot's own SQLite file: a restart (an update, a
crash, a power cut) resumes a half-filled form at the question it was on.

PTB keeps a form's place (the ConversationHandler's state) and its answers so far
(`user_data`) in memory; this `BasePersistence` writes both to the tables of
`migrations/0009_conversations.sql`, as JSON. JSON and not pickle: the rows stay readable
in /mesdonnees and with the sqlite3 shell, and loading them runs no code. So `user_data`
holds plain values only (`to_json` refuses anything JSON would not give back as it was).

Not stored: `bot_data` (the services, rebuilt at each start, and the admins cache, which
must be asked afresh from Telegram), `chat_data` and `callback_data` (the bot uses neither).

The Database is opened lazily by `LazyDatabase`: PTB loads the persistence in
`Application.initialize()`, before `post_init` (which wires the services over the same
connection) runs. The application's `shutdown()` writes the last changes (`flush`) before
`post_shutdown` closes the connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.db import Database
from storage.timeutil import to_db

log = logging.getLogger(__name__)

# Seconds between two writes of what changed: a form answered just before a crash is
# lost only if the crash comes within this time of the answer.
UPDATE_INTERVAL = 1.0

ConversationKey = tuple[int | str, ...]
UserData = dict[Any, Any]


class NotPlainData(TypeError):
    """A value JSON would change or refuse: a form must be kept as plain data."""


def _check_plain(value: object, where: str) -> None:
    # Exact types: an IntEnum or a StrEnum would be written as its value and read back as
    # a plain int or str, no longer equal to what was kept.
    if value is None or type(value) in (bool, int, str):
        return
    if type(value) is float:
        if not math.isfinite(value):
            raise NotPlainData(f"{where}: {value} has no JSON form")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                # json.dumps would turn 1 into "1": it would come back as another key.
                raise NotPlainData(f"{where}: key {key!r} is not a string")
            _check_plain(item, f"{where}[{key!r}]")
        return
    # Tuples would come back as lists, sets and objects not at all.
    raise NotPlainData(f"{where}: {type(value).__name__} is not plain data")


def to_json(value: object, where: str = "value") -> str:
    """`value` as JSON text, or NotPlainData if `json.loads` would not give it back equal."""
    _check_plain(value, where)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class LazyDatabase:
    """The bot's one Database, opened by whoever needs it first (the persistence, at
    start) and the same for everyone after."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: Database | None = None
        self._opening = asyncio.Lock()

    async def get(self) -> Database:
        async with self._opening:
            if self._db is None:
                self._db = await Database.open(self._path)
            return self._db


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlitePersistence(BasePersistence[UserData, UserData, Any]):
    """`user_data` and the persistent conversations, one row per member and conversation.

    Every conversation stored here is held with one member (PTB's key ends with their user
    id) and every row belongs to a member the bot knows (a users row): a member forgotten
    meanwhile is not written back.

    `forget_after`: the forms' own timeout. A conversation left longer than that is not
    resumed at start: had the bot been running, the timeout would have ended it.
    """

    def __init__(
        self,
        database: Callable[[], Awaitable[Database]],
        *,
        forget_after: timedelta,
        update_interval: float = UPDATE_INTERVAL,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self._database = database
        self._forget_after = forget_after
        self._clock = clock
        # The JSON last stored per member: most updates leave user_data as it was, and
        # then nothing is written.
        self._stored: dict[int, str] = {}

    # user_data

    async def get_user_data(self) -> dict[int, UserData]:
        rows = await (await self._database()).fetchall("SELECT user_id, data FROM user_data")
        self._stored = {row["user_id"]: row["data"] for row in rows}
        return {user_id: json.loads(data) for user_id, data in self._stored.items()}

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        if not data:
            await self.drop_user_data(user_id)
            return
        text = to_json(data, f"user_data of {user_id}")
        if self._stored.get(user_id) == text:
            return
        async with (await self._database()).transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO user_data (user_id, data, updated_at)
                SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM users WHERE user_id = ?1)
                ON CONFLICT (user_id) DO UPDATE SET
                    data = excluded.data, updated_at = excluded.updated_at
                """,
                (user_id, text, to_db(self._clock())),
            )
        if cursor.rowcount:
            self._stored[user_id] = text
        else:
            log.info("user_data of %s not stored: the bot does not know them", user_id)

    async def drop_user_data(self, user_id: int) -> None:
        if self._stored.pop(user_id, None) is None:
            return
        async with (await self._database()).transaction() as conn:
            await conn.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to do: this process is the only one writing these rows."""

    # conversations

    async def get_conversations(self, name: str) -> MutableMapping[ConversationKey, object]:
        db = await self._database()
        oldest = to_db(self._clock() - self._forget_after)
        async with db.transaction() as conn:
            await conn.execute(
                "DELETE FROM conversations WHERE name = ? AND updated_at < ?", (name, oldest)
            )
        rows = await db.fetchall("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {tuple(json.loads(row["key"])): json.loads(row["state"]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        user_id = key[-1] if key else None
        if not isinstance(user_id, int):
            raise ValueError(f"conversation {name}: the key {key} does not end with a user id")
        stored_key = to_json(list(key))
        async with (await self._database()).transaction() as conn:
            if new_state is None:
                await conn.execute(
                    "DELETE FROM conversations WHERE name = ? AND key = ?", (name, stored_key)
                )
                return
            await conn.execute(
                """
                INSERT INTO conversations (name, key, user_id, state, updated_at)
                SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE user_id = ?3)
                ON CONFLICT (name, key) DO UPDATE SET
                    state = excluded.state, updated_at = excluded.updated_at
                """,
                (
                    name,
                    stored_key,
                    user_id,
                    to_json(new_state, f"state of {name}"),
                    to_db(self._clock()),
                ),
            )

    # What is not stored (store_data says so: PTB never asks for it)

    async def get_bot_data(self) -> Any:
        raise NotImplementedError("bot_data is not persisted")

    async def update_bot_data(self, data: Any) -> None:
        raise NotImplementedError("bot_data is not persisted")

    async def refresh_bot_data(self, bot_data: Any) -> None:
        raise NotImplementedError("bot_data is not persisted")

    async def get_chat_data(self) -> dict[int, UserData]:
        raise NotImplementedError("chat_data is not persisted")

    async def update_chat_data(self, chat_id: int, data: UserData) -> None:
        raise NotImplementedError("chat_data is not persisted")

    async def refresh_chat_data(self, chat_id: int, chat_data: UserData) -> None:
        raise NotImplementedError("chat_data is not persisted")

    async def drop_chat_data(self, chat_id: int) -> None:
        raise NotImplementedError("chat_data is not persisted")

    async def get_callback_data(self) -> None:
        raise NotImplementedError("callback_data is not persisted")

    async def update_callback_data(self, data: Any) -> None:
        raise NotImplementedError("callback_data is not persisted")

    async def flush(self) -> None:
        """Nothing is held back: every update above is committed when it is made."""
