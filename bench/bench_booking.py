"""Benchmark: the overlap check and `/libre` as the bookings table grows.

Run from the repository root:

    .venv/bin/python -m bench.bench_booking

For each size, a fresh temporary database file gets one group of 50 cars (ten booked only
inside windows, with a weekly rule and a history of one-time windows; five with blocked
periods) and that many bookings spread over the 50 cars: a history going back as far as
the size requires, and the next 60 days. Most bookings hold their car (accepted), the rest
are closed, declined, cancelled, expired or pending, as a village's database would hold.
Accepted bookings of one car never overlap, as the service guarantees.

Then, on random intervals of 1 to 6 hours in the coming 30 days, single calls are timed:

* overlap check: `BookingRepository.busy_overlapping` for one random car, the query that
  requesting and accepting run;
* /libre: `BookingService.free_cars` for the whole group, windows and blocks included.

Both go through aiosqlite like the bot does, so each includes a thread round trip. No ANALYZE
is run: the bot never runs it either.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.booking import BookingMode, BookingService, Car, CarDraft, Energy, WindowKind
from bot.dates import Interval
from storage import Database, Repositories
from storage.timeutil import to_db

SIZES = (10**3, 10**4, 10**5, 10**6)
CAR_COUNT = 50
WINDOW_CARS = 10
BLOCKED_CARS = 5
WARM_UP = 20
CALLS = 400
SEED = 20261125

CHAT = -100
OWNER = 1
BORROWER = 2
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
FUTURE = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class Timing:
    median_us: float
    p95_us: float


@dataclass(frozen=True, slots=True)
class Result:
    bookings: int
    load_seconds: float
    overlap: Timing
    free: Timing


def _timing(samples_ns: list[int]) -> Timing:
    samples = sorted(samples_ns)
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)))]
    return Timing(statistics.median(samples) / 1000, p95 / 1000)


def _booking_rows(
    car_ids: list[int], size: int, rng: random.Random
) -> Iterator[tuple[object, ...]]:
    """`size` bookings, car after car, walking back in time from 60 days ahead."""
    per_car, extra = divmod(size, len(car_ids))
    for index, car_id in enumerate(car_ids):
        moment = NOW + FUTURE
        for _ in range(per_car + (index < extra)):
            end = moment - timedelta(minutes=rng.randrange(0, 16 * 60, 15))
            start = end - timedelta(minutes=rng.randrange(60, 8 * 60 + 1, 15))
            moment = start
            roll = rng.random()
            if start > NOW:
                status = "pending" if roll < 0.15 else "accepted"
            elif roll < 0.6:
                status = "accepted"
            elif roll < 0.85:
                status = "closed"
            else:
                status = ("declined", "cancelled", "expired")[int(roll * 1000) % 3]
            created = start - timedelta(days=2)
            yield (
                car_id,
                CHAT,
                BORROWER,
                to_db(start),
                to_db(end),
                status,
                to_db(created),
                to_db(created + timedelta(hours=12)),
            )


async def _setup(db: Database, size: int, rng: random.Random) -> tuple[BookingService, list[Car]]:
    repos = Repositories.over(db)
    service = BookingService(repos, lambda: NOW)
    await repos.groups.upsert_active(CHAT, "Bench", "fr", "Europe/Paris", NOW)
    await repos.users.seen(OWNER, "Owner", None, None, NOW)
    await repos.users.seen(BORROWER, "Borrower", None, None, NOW)
    cars = []
    for number in range(CAR_COUNT):
        mode = BookingMode.WINDOWS if number < WINDOW_CARS else BookingMode.ON_REQUEST
        draft = CarDraft(name=f"car-{number:02}", seats=5, energy=Energy.PETROL, booking_mode=mode)
        car = await service.add_car(CHAT, OWNER, draft)
        assert isinstance(car, Car)
        cars.append(car)
    async with db.transaction() as conn:
        for car in cars[:WINDOW_CARS]:
            await repos.availability.add_weekly(
                conn, car.id, WindowKind.OPEN, range(7), 7 * 60, 21 * 60, None, OWNER, NOW
            )
            # Owners who post one-time windows leave a history of them behind.
            for week in range(max(1, size // 2000)):
                start = NOW - timedelta(weeks=week, hours=rng.randrange(24 * 7))
                await repos.availability.add_period(
                    conn, car.id, WindowKind.OPEN, start, start + timedelta(hours=4), OWNER, NOW
                )
        for car in cars[WINDOW_CARS : WINDOW_CARS + BLOCKED_CARS]:
            start = NOW + timedelta(days=rng.randrange(30))
            await repos.availability.add_period(
                conn, car.id, WindowKind.BLOCKED, start, start + timedelta(days=2), OWNER, NOW
            )
        await conn.executemany(
            """
            INSERT INTO bookings (car_id, chat_id, borrower_id, start_at, end_at, status,
                                  created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            _booking_rows([car.id for car in cars], size, rng),
        )
    return service, cars


def _random_interval(rng: random.Random) -> Interval:
    start = NOW + timedelta(minutes=rng.randrange(0, 30 * 24 * 60, 15))
    return Interval(start, start + timedelta(minutes=rng.randrange(60, 6 * 60 + 1, 15)))


async def _measure(size: int) -> Result:
    rng = random.Random(SEED + size)
    with tempfile.TemporaryDirectory(prefix="covoisin-bench-") as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        try:
            began = time.perf_counter()
            service, cars = await _setup(db, size, rng)
            load_seconds = time.perf_counter() - began
            repos = Repositories.over(db)

            overlap: list[int] = []
            for call in range(WARM_UP + CALLS):
                car, interval = rng.choice(cars), _random_interval(rng)
                began_ns = time.perf_counter_ns()
                await repos.bookings.busy_overlapping(car.id, interval.start, interval.end)
                if call >= WARM_UP:
                    overlap.append(time.perf_counter_ns() - began_ns)

            free: list[int] = []
            for call in range(WARM_UP + CALLS):
                interval = _random_interval(rng)
                began_ns = time.perf_counter_ns()
                await service.free_cars(CHAT, interval)
                if call >= WARM_UP:
                    free.append(time.perf_counter_ns() - began_ns)
        finally:
            await db.close()
    return Result(size, load_seconds, _timing(overlap), _timing(free))


def _table(results: list[Result]) -> str:
    header = (
        f"{'bookings':>10}  {'load s':>7}  {'overlap median µs':>17}  {'overlap p95 µs':>14}"
        f"  {'/libre median µs':>16}  {'/libre p95 µs':>13}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        lines.append(
            f"{result.bookings:>10,}  {result.load_seconds:>7.1f}"
            f"  {result.overlap.median_us:>17.0f}  {result.overlap.p95_us:>14.0f}"
            f"  {result.free.median_us:>16.0f}  {result.free.p95_us:>13.0f}"
        )
    return "\n".join(lines)


async def _run() -> list[Result]:
    return [await _measure(size) for size in SIZES]


def main() -> int:
    print(
        f"Booking scale benchmark: {CAR_COUNT} cars in one group, {CALLS} timed calls per cell,"
        f" SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs"
    )
    print(_table(asyncio.run(_run())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
