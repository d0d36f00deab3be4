"""The SQLite connections (one writer, one read-only reader), migrations and write
transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

T = TypeVar("T")


def _migration_scripts() -> list[tuple[int, str]]:
    """The numbered `NNNN_name.sql` files shipped in `storage/migrations`, in order."""
    folder = resources.files("storage") / "migrations"
    scripts = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            scripts.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    scripts.sort()
    numbers = [n for n, _ in scripts]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return scripts


class Database:
    """A writer connection and a read-only reader on one file (the bot is one small process).

    Every read-check-write runs in `transaction()`, which takes an asyncio lock and
    `BEGIN IMMEDIATE` on the writer, so that jobs and handlers running side by side never
    interleave their writes. A read from the task inside that transaction runs on the
    writer, to see the transaction's own writes; every other read runs on the reader, which
    in WAL mode sees only committed data: never a write that may still roll back.

    A ":memory:" database cannot be shared by two connections: it keeps one, reads included,
    and so offers no such isolation (nothing opens one but a quick experiment).
    """

    def __init__(self, writer: aiosqlite.Connection, path: Path) -> None:
        self._writer = writer
        self._reader: _Reader | None = None
        self.path = path
        self._write_lock = asyncio.Lock()
        # The task inside `transaction()`. The write lock lets one in at a time, so one
        # attribute says whose reads go to the writer; a task it spawns is another task
        # (a ContextVar would be copied into it) and reads committed data like any other.
        self._transaction_owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open(cls, path: Path) -> Database:
        in_memory = str(path) == ":memory:"
        if not in_memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await aiosqlite.connect(path, isolation_level=None)
        db = cls(writer, path)
        try:
            writer.row_factory = aiosqlite.Row
            await writer.execute("PRAGMA journal_mode=WAL")
            await writer.execute("PRAGMA foreign_keys=ON")
            await writer.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await writer.execute("PRAGMA synchronous=NORMAL")
            await db.migrate()
            if not in_memory:
                # After the migrations: the file exists, is in WAL mode and has its schema.
                db._reader = await _Reader.open(path)
        except BaseException:
            # A failed start (a migration that does not apply) must not leave the
            # connection's thread running.
            await writer.close()
            raise
        return db

    async def close(self) -> None:
        async with self._write_lock:
            reader, self._reader = self._reader, None
            try:
                if reader is not None:
                    await reader.close()
            finally:
                # The writer last: the last connection to close checkpoints the WAL into
                # the file and removes it.
                await self._writer.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        assert row is not None
        return int(row[0])

    async def migrate(self) -> int:
        """Apply the migrations newer than `user_version`; returns how many ran."""
        applied = 0
        async with self._write_lock:
            async with self._writer.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            current = int(row[0])
            for number, script in _migration_scripts():
                if number <= current:
                    continue
                log.info("applying migration %04d", number)
                # executescript would commit on its own; one explicit transaction keeps
                # a failed migration from leaving half a schema behind.
                await self._writer.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(script):
                        await self._writer.execute(statement)
                    await self._writer.execute(f"PRAGMA user_version={number}")
                except BaseException:
                    await self._writer.execute("ROLLBACK")
                    raise
                await self._writer.execute("COMMIT")
                applied += 1
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            self._transaction_owner = asyncio.current_task()
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")
            finally:
                self._transaction_owner = None

    def _reader_for_this_task(self) -> _Reader | None:
        """The reader, unless this task is inside the transaction (or there is no reader)."""
        owner = self._transaction_owner
        if owner is not None and owner is asyncio.current_task():
            return None
        return self._reader

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        if (reader := self._reader_for_this_task()) is not None:
            return await reader.read(sql, tuple(params), _first_row)
        async with self._writer.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        if (reader := self._reader_for_this_task()) is not None:
            return await reader.read(sql, tuple(params), _all_rows)
        async with self._writer.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetch_columns(
        self, sql: str, params: Mapping[str, Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The result's column names (known even when it has no row) and its rows."""
        if (reader := self._reader_for_this_task()) is not None:
            return await reader.read(sql, params, _columns_and_rows)
        async with self._writer.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
            return [column[0] for column in cursor.description], [tuple(row) for row in rows]

    async def backup(self, target: Path) -> None:
        """An online copy of the database, safe while the bot runs."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._write_lock, aiosqlite.connect(target) as dest:
            await self._writer.backup(dest)


class _Reader:
    """The read-only connection (`mode=ro`), on a thread of its own.

    A read runs there whole, execute to close, in one call: it is one SQLite read
    transaction, which sees every commit made before it began. Through aiosqlite a read
    takes three calls (execute, fetch, close), and a read another task queues between two
    of them runs inside the first one's read transaction, blind to a commit made since.
    In WAL mode the reader never blocks the writer, nor the writer the reader.
    """

    def __init__(self, connection: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self._connection = connection
        self._thread = thread

    @classmethod
    async def open(cls, path: Path) -> _Reader:
        # One worker: a sqlite3 connection is used by one thread at a time, and one read
        # at a time keeps each in a read transaction of its own.
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reader")
        try:
            uri = _read_only_uri(path)
            connection = await asyncio.get_running_loop().run_in_executor(
                thread, _connect_read_only, uri
            )
        except BaseException:
            thread.shutdown(wait=False)
            raise
        return cls(connection, thread)

    async def read(self, sql: str, params: Any, fetch: Callable[[sqlite3.Cursor], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._read, sql, params, fetch
        )

    def _read(self, sql: str, params: Any, fetch: Callable[[sqlite3.Cursor], T]) -> T:
        cursor = self._connection.execute(sql, params)
        try:
            return fetch(cursor)
        finally:
            cursor.close()

    async def close(self) -> None:
        # Queued behind the reads under way: they finish first.
        await asyncio.get_running_loop().run_in_executor(self._thread, self._connection.close)
        self._thread.shutdown()


def _read_only_uri(path: Path) -> str:
    # as_uri escapes what a URI would misread in the path (`?`, `#`, `%`, spaces).
    return f"{path.absolute().as_uri()}?mode=ro"


def _connect_read_only(uri: str) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.row_factory = sqlite3.Row  # what aiosqlite.Row is
        # Connection settings, not the file's: the same as the writer's, so that reading
        # one answers the same on either.
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except BaseException:
        connection.close()
        raise
    return connection


def _first_row(cursor: sqlite3.Cursor) -> sqlite3.Row | None:
    row: sqlite3.Row | None = cursor.fetchone()
    return row


def _all_rows(cursor: sqlite3.Cursor) -> list[sqlite3.Row]:
    return cursor.fetchall()


def _columns_and_rows(cursor: sqlite3.Cursor) -> tuple[list[str], list[tuple[Any, ...]]]:
    rows = cursor.fetchall()
    return [column[0] for column in cursor.description], [tuple(row) for row in rows]


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (`complete_statement` knows trigger bodies; our
    migrations hold no `;` inside strings)."""
    import sqlite3

    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements
