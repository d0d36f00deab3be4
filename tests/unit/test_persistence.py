"""SqlitePersistence on a real SQLite file: what PTB hands it comes back after a reopen,
nothing is kept of a form that ended, and only plain data is written, as JSON."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path

import pytest

from storage import Database, Repositories
from storage.persistence import LazyDatabase, NotPlainData, SqlitePersistence, to_json

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PAUL, MARIE, STRANGER = 7, 8, 99
TIMEOUT = timedelta(minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
async def db(path: Path) -> AsyncIterator[Database]:
    database = await Database.open(path)
    users = Repositories.over(database).users
    for user_id, name in ((PAUL, "Paul"), (MARIE, "Marie")):
        await users.seen(user_id, name, None, "fr", NOW)
    yield database
    await database.close()


def _over(db: Database, clock: Callable[[], datetime] = lambda: NOW) -> SqlitePersistence:
    async def opened() -> Database:
        return db

    return SqlitePersistence(opened, forget_after=TIMEOUT, clock=clock)


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql))


FORM = {"car_form": {"name": "Clio", "seats": None, "step": 3, "tags": ["a", "b"]}}


async def test_user_data_and_conversations_come_back_after_reopening(
    db: Database, path: Path
) -> None:
    persistence = _over(db)
    await persistence.update_user_data(PAUL, FORM)
    await persistence.update_user_data(MARIE, {"settings": -100})
    await persistence.update_conversation("car_form", (PAUL, PAUL), "filling")
    await persistence.update_conversation("settings_text", (MARIE,), "writing_zone")
    await persistence.flush()
    await db.close()

    reopened = await Database.open(path)
    try:
        again = _over(reopened)
        assert await again.get_user_data() == {PAUL: FORM, MARIE: {"settings": -100}}
        assert await again.get_conversations("car_form") == {(PAUL, PAUL): "filling"}
        assert await again.get_conversations("settings_text") == {(MARIE,): "writing_zone"}
        assert await again.get_conversations("trip_form") == {}
    finally:
        await reopened.close()
    # Readable as it is: JSON, one row per member and conversation.
    [(user_id, data)] = _rows(path, f"SELECT user_id, data FROM user_data WHERE user_id={PAUL}")
    assert user_id == PAUL and json.loads(str(data)) == FORM
    assert _rows(path, "SELECT name, key, user_id, state FROM conversations ORDER BY name") == [
        ("car_form", f"[{PAUL},{PAUL}]", PAUL, '"filling"'),
        ("settings_text", f"[{MARIE}]", MARIE, '"writing_zone"'),
    ]


async def test_an_ended_conversation_and_cleared_user_data_leave_no_row(
    db: Database, path: Path
) -> None:
    persistence = _over(db)
    await persistence.update_user_data(PAUL, FORM)
    await persistence.update_user_data(MARIE, FORM)
    await persistence.update_conversation("car_form", (PAUL, PAUL), "filling")
    await persistence.update_conversation("trip_form", (PAUL, PAUL), "filling")

    # The car form ends (PTB hands None), Paul's answers are popped, Marie's dropped.
    await persistence.update_conversation("car_form", (PAUL, PAUL), None)
    await persistence.update_user_data(PAUL, {})
    await persistence.drop_user_data(MARIE)

    assert _rows(path, "SELECT count(*) FROM user_data") == [(0,)]
    assert _rows(path, "SELECT name FROM conversations") == [("trip_form",)]
    assert await _over(db).get_user_data() == {}


async def test_unchanged_user_data_is_not_written_again(db: Database, path: Path) -> None:
    clock = Clock()
    persistence = _over(db, clock)
    await persistence.update_user_data(PAUL, FORM)
    clock.now += timedelta(minutes=5)
    # Every update of Paul's hands his user_data over; as it was, it is not rewritten.
    await persistence.update_user_data(PAUL, json.loads(json.dumps(FORM)))
    assert _rows(path, "SELECT updated_at FROM user_data") == [(NOW.isoformat(),)]
    # Nor is an empty user_data (the usual case: someone who is not filling a form).
    await persistence.update_user_data(MARIE, {})
    assert _rows(path, "SELECT user_id FROM user_data") == [(PAUL,)]


async def test_someone_the_bot_does_not_know_is_not_stored(db: Database, path: Path) -> None:
    """A member forgotten meanwhile (no users row): their state is not written back."""
    persistence = _over(db)
    await persistence.update_user_data(STRANGER, FORM)
    await persistence.update_conversation("car_form", (STRANGER, STRANGER), "filling")
    assert _rows(path, "SELECT count(*) FROM user_data") == [(0,)]
    assert _rows(path, "SELECT count(*) FROM conversations") == [(0,)]


async def test_a_conversation_left_longer_than_its_timeout_is_not_resumed(
    db: Database, path: Path
) -> None:
    clock = Clock()
    persistence = _over(db, clock)
    await persistence.update_conversation("car_form", (PAUL, PAUL), "filling")
    clock.now += timedelta(minutes=20)
    await persistence.update_conversation("car_form", (MARIE, MARIE), "choosing_group")
    # The bot was stopped for a while: Paul's form would have timed out, Marie's not yet.
    clock.now += timedelta(minutes=15)

    assert await _over(db, clock).get_conversations("car_form") == {
        (MARIE, MARIE): "choosing_group"
    }
    assert _rows(path, "SELECT user_id FROM conversations") == [(MARIE,)]


class Step(IntEnum):
    NAME = 1


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"form": (1, 2)}, "tuple"),
        ({"form": {"tags": {"a"}}}, "set"),
        ({"form": {1: "seats"}}, "key 1"),
        ({"form": Step.NAME}, "Step"),
        ({"form": float("nan")}, "nan"),
        ({"form": object()}, "object"),
    ],
)
async def test_only_plain_data_is_written(
    db: Database, path: Path, value: dict[str, object], problem: str
) -> None:
    with pytest.raises(NotPlainData, match=problem):
        await _over(db).update_user_data(PAUL, value)
    assert _rows(path, "SELECT count(*) FROM user_data") == [(0,)]


def test_plain_data_is_written_as_compact_sorted_json() -> None:
    assert to_json({"b": [1, 2.5, None, True], "a": "é"}) == '{"a":"é","b":[1,2.5,null,true]}'


async def test_a_key_without_a_user_id_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="user id"):
        await _over(db).update_conversation("board", ("general",), "open")


async def test_bot_data_chat_data_and_callback_data_are_never_stored(db: Database) -> None:
    """bot_data holds the services and the admins cache: PTB must not hand it over."""
    stored = _over(db).store_data
    assert (stored.user_data, stored.bot_data, stored.chat_data, stored.callback_data) == (
        True,
        False,
        False,
        False,
    )
    with pytest.raises(NotImplementedError):
        await _over(db).update_bot_data(object())


async def test_the_lazy_database_is_opened_once(path: Path) -> None:
    lazy = LazyDatabase(path)
    first = await lazy.get()
    try:
        assert await lazy.get() is first
        assert await first.schema_version() >= 8
    finally:
        await first.close()
