"""Benchmark: what one read costs, outside a transaction and inside one.

Run from the repository root:

    .venv/bin/python -m bench.bench_reads

A fresh temporary database holds 1,000 groups. Then `Database.fetchone` of one group by its
key (a repository's typical read) is timed, one call at a time:

* outside: from a task outside any transaction, the path of nearly every read (the
  read-only connection; each read is its own SQLite read transaction);
* inside: from the task inside a transaction, which reads on the writer connection.

The two are timed in alternating rounds, so that a slower moment of the machine falls on
both. Last, reads from 8 concurrent tasks outside any transaction: their total time, per
read. Each read includes its round trips to its connection's thread, as in the bot.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from storage import Database

GROUPS = 1000
ROUNDS = 5
CALLS = 1000  # per round and path
TASKS = 8
SEED = 20261125
SQL = "SELECT * FROM groups WHERE chat_id = ?"


async def _fill(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO groups (chat_id, title, language, timezone, added_at)"
            " VALUES (?, ?, 'fr', 'Europe/Paris', '2026-11-25T09:00:00+00:00')",
            [(-chat, f"Village {chat}") for chat in range(1, GROUPS + 1)],
        )


async def _timed(db: Database, rng: random.Random) -> list[int]:
    times = []
    for _ in range(CALLS):
        chat = -rng.randint(1, GROUPS)
        began = time.perf_counter_ns()
        await db.fetchone(SQL, (chat,))
        times.append(time.perf_counter_ns() - began)
    return times


async def _concurrent_us_per_read(db: Database, rng: random.Random) -> float:
    async def reads() -> None:
        for _ in range(CALLS):
            await db.fetchone(SQL, (-rng.randint(1, GROUPS),))

    began = time.perf_counter_ns()
    await asyncio.gather(*(reads() for _ in range(TASKS)))
    return (time.perf_counter_ns() - began) / (TASKS * CALLS) / 1000


def _line(name: str, times: list[int]) -> str:
    median = statistics.median(times) / 1000
    p95 = statistics.quantiles(times, n=20)[-1] / 1000
    return f"{name:>8}  {len(times):>6}  {median:>10.1f}  {p95:>8.1f}"


async def _run() -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="covoisin-bench-") as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        try:
            await _fill(db)
            await _timed(db, rng)  # warm up: caches, prepared statements
            outside: list[int] = []
            inside: list[int] = []
            for _ in range(ROUNDS):
                outside += await _timed(db, rng)
                async with db.transaction():
                    inside += await _timed(db, rng)
            concurrent = await _concurrent_us_per_read(db, rng)
        finally:
            await db.close()
    print(f"{'path':>8}  {'calls':>6}  {'median µs':>10}  {'p95 µs':>8}")
    print(_line("outside", outside))
    print(_line("inside", inside))
    print(f"{TASKS} concurrent tasks, outside: {concurrent:.1f} µs per read")


def main() -> int:
    print(f"Read benchmark: SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    asyncio.run(_run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
