"""The single SQLite connection, its migrations and its write transactions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


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
    """One connection for the whole process (the bot is one small process).

    Reads go straight through; every read-check-write runs in `transaction()`,
    which takes an asyncio lock and `BEGIN IMMEDIATE` so that jobs and handlers
    running side by side never interleave their writes.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        db = cls(conn, path)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await db.migrate()
        except BaseException:
            # A failed start (a migration that does not apply) must not leave the
            # connection's thread running.
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        async with self._write_lock:
            await self._conn.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        assert row is not None
        return int(row[0])

    async def migrate(self) -> int:
        """Apply the migrations newer than `user_version`; returns how many ran."""
        applied = 0
        async with self._write_lock:
            current = await self.schema_version()
            for number, script in _migration_scripts():
                if number <= current:
                    continue
                log.info("applying migration %04d", number)
                # executescript would commit on its own; one explicit transaction keeps
                # a failed migration from leaving half a schema behind.
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(script):
                        await self._conn.execute(statement)
                    await self._conn.execute(f"PRAGMA user_version={number}")
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
                applied += 1
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetch_columns(
        self, sql: str, params: Mapping[str, Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The result's column names (known even when it has no row) and its rows."""
        async with self._conn.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
            return [column[0] for column in cursor.description], [tuple(row) for row in rows]

    async def backup(self, target: Path) -> None:
        """An online copy of the database, safe while the bot runs."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._write_lock, aiosqlite.connect(target) as dest:
            await self._conn.backup(dest)


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
