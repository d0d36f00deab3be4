"""A read never sees another task's uncommitted write (issue 12, item 3).

Each test interleaves a transaction and a read with asyncio Events, so the order is the
same at every run: the read happens while the transaction holds its row uncommitted.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database

INSERT = (
    "INSERT INTO groups (chat_id, title, language, timezone, added_at)"
    " VALUES (?, ?, 'fr', 'Europe/Paris', '2026-11-25T09:00:00+00:00')"
)


class Abandoned(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


async def title(db: Database, chat_id: int) -> str | None:
    row = await db.fetchone("SELECT title FROM groups WHERE chat_id = ?", (chat_id,))
    return None if row is None else str(row["title"])


async def test_a_read_racing_a_transaction_that_rolls_back_sees_the_state_before(
    db: Database,
) -> None:
    written, read = asyncio.Event(), asyncio.Event()

    async def write_then_roll_back() -> None:
        with pytest.raises(Abandoned):
            async with db.transaction() as conn:
                await conn.execute(INSERT, (-1, "Saint-Martin"))
                written.set()
                await read.wait()
                raise Abandoned

    writing = asyncio.create_task(write_then_roll_back())
    await written.wait()
    during = await title(db, -1)
    everything = await db.fetchall("SELECT chat_id FROM groups")
    read.set()
    await writing
    assert during is None and everything == []
    assert await title(db, -1) is None


async def test_a_read_racing_a_transaction_that_commits_sees_it_once_committed(
    db: Database,
) -> None:
    written, read = asyncio.Event(), asyncio.Event()

    async def write_then_commit() -> None:
        async with db.transaction() as conn:
            await conn.execute(INSERT, (-1, "Saint-Martin"))
            written.set()
            await read.wait()

    writing = asyncio.create_task(write_then_commit())
    await written.wait()
    during = await title(db, -1)
    columns, rows = await db.fetch_columns("SELECT chat_id FROM groups", {})
    read.set()
    await writing
    assert during is None and (columns, rows) == (["chat_id"], [])
    assert await title(db, -1) == "Saint-Martin"


async def test_a_read_inside_the_transaction_sees_its_own_writes(db: Database) -> None:
    with pytest.raises(Abandoned):
        async with db.transaction() as conn:
            await conn.execute(INSERT, (-1, "Saint-Martin"))
            assert await title(db, -1) == "Saint-Martin"
            raise Abandoned
    assert await title(db, -1) is None


async def test_a_task_spawned_inside_a_transaction_reads_committed_data_only(
    db: Database,
) -> None:
    # asyncio copies the spawning task's context into the new task: whatever marks "inside
    # the transaction" must not be inherited with it.
    async with db.transaction() as conn:
        await conn.execute(INSERT, (-1, "Saint-Martin"))
        assert await asyncio.create_task(title(db, -1)) is None
    assert await asyncio.create_task(title(db, -1)) == "Saint-Martin"


async def test_a_commit_is_seen_by_the_next_read_even_while_another_read_is_under_way(
    db: Database,
) -> None:
    # An SQLite statement still open on a connection keeps its snapshot for every statement
    # started on that connection meanwhile: a read queued while another is under way on the
    # reader must still see a commit made before it was asked for. The read under way is
    # held open by hand, after its first row, until the second read has been asked for.
    async with db.transaction() as conn:
        await conn.executemany(INSERT, [(-1, "Saint-Martin"), (-2, "Lavaur")])
    reader = db._reader
    assert reader is not None
    loop = asyncio.get_running_loop()
    started, release = asyncio.Event(), threading.Event()

    def first_row_then_wait(cursor: sqlite3.Cursor) -> object:
        row = cursor.fetchone()
        loop.call_soon_threadsafe(started.set)
        release.wait()
        return row

    under_way = asyncio.create_task(
        reader.read("SELECT chat_id FROM groups ORDER BY chat_id", (), first_row_then_wait)
    )
    try:
        await started.wait()
        async with db.transaction() as conn:
            await conn.execute(INSERT, (-3, "Sorèze"))
        reading = asyncio.create_task(title(db, -3))
        await asyncio.sleep(0)  # one turn of the loop, not a wait: the read is asked for
    finally:
        release.set()  # never leave the reader's thread waiting, whatever failed
    await under_way
    assert await reading == "Sorèze"


async def test_the_read_methods_cannot_write(db: Database) -> None:
    # A write slipped into a read method would escape the transaction and its lock.
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.fetchone(INSERT, (-1, "Saint-Martin"))
    assert await title(db, -1) is None
