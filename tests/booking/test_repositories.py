"""The booking tables and repositories on a real (temporary) SQLite file."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from bot.booking import BookingStatus, GroupSettings, WindowKind, can_move
from storage.db import Database
from storage.timeutil import to_db
from tests.booking.conftest import (
    BORROWER,
    CHAT,
    NEIGHBOUR,
    NOW,
    OTHER_CHAT,
    OWNER,
    STRANGER,
    Village,
    paris,
)


async def insert_booking(
    db: Database,
    car_id: int,
    start: datetime,
    end: datetime,
    status: BookingStatus = BookingStatus.ACCEPTED,
    borrower: int = BORROWER,
    chat_id: int = CHAT,
) -> int:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            """
            INSERT INTO bookings (car_id, chat_id, borrower_id, start_at, end_at, status,
                                  created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (car_id, chat_id, borrower, to_db(start), to_db(end), status, to_db(NOW), to_db(NOW)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


async def test_a_name_is_unique_among_the_listed_cars_of_a_group(village: Village) -> None:
    car = await village.add_car("Clio")
    await village.add_car("clio", owner=STRANGER, chat_id=OTHER_CHAT)  # another village
    async with village.db.transaction() as conn:
        await village.repos.cars.mark_removed(conn, car.id, NOW)
    again = await village.add_car("CLIO")  # free again once the first one is removed
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        async with village.db.transaction() as conn:
            await conn.execute("UPDATE cars SET removed_at = NULL WHERE id = ?", (car.id,))
    assert [c.id for c in await village.repos.cars.in_group(CHAT)] == [again.id]


async def test_the_owner_is_the_first_manager(village: Village) -> None:
    car = await village.add_car()
    async with village.db.transaction() as conn:
        assert await village.repos.cars.add_manager(conn, car.id, NEIGHBOUR, NOW)
        assert not await village.repos.cars.add_manager(conn, car.id, NEIGHBOUR, NOW)
    assert await village.repos.cars.managers(car.id) == [OWNER, NEIGHBOUR]
    assert [c.id for c in await village.repos.cars.managed_by(NEIGHBOUR)] == [car.id]


async def test_a_group_migrated_to_a_supergroup_keeps_its_cars(village: Village) -> None:
    car = await village.add_car()
    booking_id = await insert_booking(village.db, car.id, paris(11, 28, 9), paris(11, 28, 12))
    async with village.db.transaction() as conn:
        await village.repos.settings.save(conn, CHAT, GroupSettings(horizon_days=30))
    assert await village.repos.groups.migrate(CHAT, -1001)
    moved = await village.repos.cars.get(car.id)
    booking = await village.repos.bookings.get(booking_id)
    assert moved is not None and moved.chat_id == -1001
    assert booking is not None and booking.chat_id == -1001
    assert (await village.repos.settings.get(-1001)).horizon_days == 30
    assert await village.repos.cars.by_name(-1001, "clio") is not None
    assert await village.repos.cars.in_group(CHAT) == []


async def test_settings_default_when_unset_and_match_the_table_defaults(
    village: Village,
) -> None:
    assert await village.repos.settings.get(CHAT) == GroupSettings()
    async with village.db.transaction() as conn:
        await conn.execute("INSERT INTO group_settings (chat_id) VALUES (?)", (CHAT,))
    assert await village.repos.settings.get(CHAT) == GroupSettings()
    changed = GroupSettings(request_expiry_minutes=60, max_duration_minutes=600, horizon_days=7)
    async with village.db.transaction() as conn:
        await village.repos.settings.save(conn, CHAT, changed)
    assert await village.repos.settings.get(CHAT) == changed


async def test_busy_overlapping_finds_the_booking_running_into_the_interval(
    village: Village,
) -> None:
    car = await village.add_car()
    other = await village.add_car("kangoo")
    # A long history of back-to-back bookings, then a gap, then one running into Saturday.
    start = paris(1, 1, 8)
    for week in range(40):
        day = start + timedelta(weeks=week)
        await insert_booking(village.db, car.id, day, day + timedelta(hours=4))
    friday = await insert_booking(village.db, car.id, paris(11, 27, 18), paris(11, 28, 10))
    saturday = await insert_booking(village.db, car.id, paris(11, 28, 14), paris(11, 28, 16))
    await insert_booking(
        village.db, car.id, paris(11, 28, 11), paris(11, 28, 12), BookingStatus.DECLINED
    )
    await insert_booking(
        village.db, car.id, paris(11, 28, 12), paris(11, 28, 13), BookingStatus.PENDING
    )
    await insert_booking(village.db, other.id, paris(11, 28, 9), paris(11, 28, 18))

    async def found(start: datetime, end: datetime) -> list[int]:
        return [b.id for b in await village.repos.bookings.busy_overlapping(car.id, start, end)]

    assert await found(paris(11, 28, 9), paris(11, 28, 15)) == [friday, saturday]
    assert await found(paris(11, 28, 10), paris(11, 28, 14)) == []  # both edges touch
    assert await found(paris(11, 28, 9, 59), paris(11, 28, 14)) == [friday]
    assert await found(paris(11, 28, 10), paris(11, 28, 14, 1)) == [saturday]
    assert await found(paris(11, 28, 15), paris(11, 28, 15, 30)) == [saturday]

    free = await village.repos.cars.free_of_bookings(CHAT, paris(11, 28, 10), paris(11, 28, 14))
    assert [c.name for c in free] == ["clio"]
    free = await village.repos.cars.free_of_bookings(CHAT, paris(11, 28, 19), paris(11, 28, 20))
    assert [c.name for c in free] == ["clio", "kangoo"]


async def test_active_bookings_hold_the_car_too(village: Village) -> None:
    car = await village.add_car()
    active = await insert_booking(
        village.db, car.id, paris(11, 25, 8), paris(11, 25, 18), BookingStatus.ACTIVE
    )
    busy = await village.repos.bookings.busy_overlapping(car.id, NOW, paris(11, 25, 10))
    assert [b.id for b in busy] == [active]
    assert await village.repos.cars.free_of_bookings(CHAT, NOW, paris(11, 25, 10)) == []


async def test_paused_and_removed_cars_are_never_free(village: Village) -> None:
    paused, removed = await village.add_car("clio"), await village.add_car("kangoo")
    async with village.db.transaction() as conn:
        await village.repos.cars.set_paused(conn, paused.id, True)
        await village.repos.cars.mark_removed(conn, removed.id, NOW)
    assert await village.repos.cars.free_of_bookings(CHAT, NOW, paris(11, 25, 10)) == []


async def test_windows_over_drop_out(village: Village) -> None:
    car = await village.add_car()
    repo = village.repos.availability
    async with village.db.transaction() as conn:
        past = await repo.add_period(
            conn, car.id, WindowKind.OPEN, paris(11, 20, 9), paris(11, 20, 12), OWNER, NOW
        )
        coming = await repo.add_period(
            conn, car.id, WindowKind.BLOCKED, paris(12, 3, 8), paris(12, 10, 20), OWNER, NOW
        )
        ended = await repo.add_weekly(
            conn, car.id, WindowKind.OPEN, {5}, 540, 720, date(2026, 11, 24), OWNER, NOW
        )
        running = await repo.add_weekly(
            conn, car.id, WindowKind.OPEN, {5, 6}, 540, 1440, None, OWNER, NOW
        )
    assert running.weekdays == frozenset({5, 6}) and running.end_minute == 1440
    assert coming.start == paris(12, 3, 8) and not coming.weekly
    current = await repo.current(car.id, NOW, NOW.date())
    assert [w.id for w in current] == [coming.id, running.id]
    relevant = await repo.relevant(car.id, paris(12, 5, 9), paris(12, 5, 12), date(2026, 12, 5))
    assert sorted(w.id for w in relevant) == [coming.id, running.id]
    in_group = await repo.relevant_in_group(
        CHAT, paris(11, 20, 10), paris(11, 20, 11), date(2026, 11, 20)
    )
    assert sorted(w.id for w in in_group) == [past.id, ended.id, running.id]
    async with village.db.transaction() as conn:
        assert await repo.delete(conn, past.id)
        assert not await repo.delete(conn, past.id)


async def test_a_window_is_one_period_or_one_weekly_rule(village: Village) -> None:
    car = await village.add_car()
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        async with village.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO availability (car_id, kind, start_at, end_at, weekdays,
                    start_minute, end_minute, created_by, created_at)
                VALUES (?, 'open', ?, ?, 1, 0, 60, ?, ?)
                """,
                (car.id, to_db(NOW), to_db(NOW + timedelta(hours=1)), OWNER, to_db(NOW)),
            )


@pytest.mark.parametrize("status", list(BookingStatus))
async def test_writes_move_only_along_the_diagram(village: Village, status: BookingStatus) -> None:
    car = await village.add_car()
    repo = village.repos.bookings
    start, end = paris(11, 28, 9), paris(11, 28, 12)
    ids = [await insert_booking(village.db, car.id, start, end, status) for _ in range(4)]
    async with village.db.transaction() as conn:
        moved = {
            BookingStatus.ACCEPTED: await repo.accept(conn, ids[0], OWNER, NOW),
            BookingStatus.DECLINED: await repo.decline(conn, ids[1], NOW, OWNER),
            BookingStatus.EXPIRED: await repo.expire(conn, ids[2], NOW),
            BookingStatus.CANCELLED: await repo.cancel(conn, ids[3], BORROWER, NOW, False),
        }
    for target, done in moved.items():
        assert done is can_move(status, target), target


async def test_expire_waits_for_the_expiry_instant(village: Village) -> None:
    car = await village.add_car()
    repo = village.repos.bookings
    async with village.db.transaction() as conn:
        booking = await repo.insert_pending(
            conn,
            car.id,
            CHAT,
            BORROWER,
            paris(11, 28, 9),
            paris(11, 28, 12),
            NOW,
            NOW + timedelta(hours=12),
        )
    assert booking.status is BookingStatus.PENDING
    assert [b.id for b in await repo.pending()] == [booking.id]
    async with village.db.transaction() as conn:
        assert not await repo.expire(conn, booking.id, NOW + timedelta(hours=11, minutes=59))
        assert await repo.expire(conn, booking.id, NOW + timedelta(hours=12))
        assert not await repo.expire(conn, booking.id, NOW + timedelta(days=1))
    assert await repo.pending() == []


async def test_the_busy_queries_agree_with_a_plain_scan(village: Village) -> None:
    rng = random.Random(7)
    cars = [await village.add_car(f"car-{number}") for number in range(3)]
    statuses = [*[BookingStatus.ACCEPTED] * 3, BookingStatus.ACTIVE, BookingStatus.CLOSED]
    statuses += [BookingStatus.DECLINED, BookingStatus.PENDING]
    stored: list[tuple[int, int, datetime, datetime, BookingStatus]] = []
    for car in cars:
        moment = paris(11, 20)
        while moment < paris(12, 5):
            # Back to back or with gaps, some bookings lasting more than a day.
            start = moment + timedelta(minutes=rng.randrange(0, 600, 30))
            end = start + timedelta(minutes=rng.randrange(30, 2000, 30))
            status = rng.choice(statuses)
            booking_id = await insert_booking(village.db, car.id, start, end, status)
            stored.append((booking_id, car.id, start, end, status))
            moment = end
    busy = {BookingStatus.ACCEPTED, BookingStatus.ACTIVE}
    for _ in range(150):
        start = paris(11, 19) + timedelta(minutes=rng.randrange(0, 17 * 24 * 60, 30))
        end = start + timedelta(minutes=rng.randrange(30, 24 * 60, 30))
        taken: dict[int, list[int]] = {car.id: [] for car in cars}
        for booking_id, car_id, b_start, b_end, status in stored:
            if status in busy and b_start < end and b_end > start:
                taken[car_id].append(booking_id)
        for car in cars:
            found = await village.repos.bookings.busy_overlapping(car.id, start, end)
            assert [b.id for b in found] == taken[car.id]
        free = await village.repos.cars.free_of_bookings(CHAT, start, end)
        assert [c.id for c in free] == [car.id for car in cars if not taken[car.id]]
