"""Many members pressing at once: the database never promises a car twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from bot.booking import (
    Accepted,
    ActionRefusalReason,
    ActionRefused,
    BookingStatus,
    Refusal,
    RefusalReason,
    Requested,
)
from bot.dates import Interval
from tests.booking.conftest import BORROWER, CHAT, CO_MANAGER, NEIGHBOUR, OWNER, Village, paris

SATURDAY_MORNING = Interval(paris(11, 28, 9), paris(11, 28, 12))


async def statuses(village: Village) -> Counter[str]:
    rows = await village.db.fetchall("SELECT status FROM bookings")
    return Counter(row["status"] for row in rows)


async def test_fifty_accepts_of_overlapping_requests_make_one_booking(village: Village) -> None:
    car = await village.add_car()
    await village.service.add_manager(car.id, OWNER, CO_MANAGER)
    ids = []
    for index in range(50):
        # Every request overlaps every other: all contain Saturday 10:00-11:00.
        start = SATURDAY_MORNING.start + timedelta(minutes=index)
        interval = Interval(start, SATURDAY_MORNING.end + timedelta(minutes=index))
        result = await village.service.request(
            CHAT, (BORROWER, NEIGHBOUR)[index % 2], "clio", interval
        )
        assert isinstance(result, Requested)
        ids.append(result.booking.id)

    results = await asyncio.gather(
        *(
            village.service.accept(booking_id, (OWNER, CO_MANAGER)[index % 2])
            for index, booking_id in enumerate(ids)
        )
    )

    winners = [r for r in results if isinstance(r, Accepted)]
    assert len(winners) == 1
    winner = winners[0].booking
    assert len(winners[0].declined) == 49
    losers = [r for r in results if isinstance(r, ActionRefused)]
    assert len(losers) == 49
    assert all(r.reason is ActionRefusalReason.ALREADY_HANDLED for r in losers)
    assert all(r.holder is not None and r.holder.id == winner.id for r in losers)
    assert await statuses(village) == Counter(accepted=1, declined=49)


async def test_fifty_accepts_of_the_same_request_decide_once(village: Village) -> None:
    await village.add_car()
    result = await village.service.request(CHAT, BORROWER, "clio", SATURDAY_MORNING)
    assert isinstance(result, Requested)
    results = await asyncio.gather(
        *(village.service.accept(result.booking.id, OWNER) for _ in range(50))
    )
    assert sum(isinstance(r, Accepted) for r in results) == 1
    refusals = [r.reason for r in results if isinstance(r, ActionRefused)]
    assert refusals == [ActionRefusalReason.ALREADY_HANDLED] * 49
    assert await statuses(village) == Counter(accepted=1)


async def test_fifty_identical_requests_are_fifty_pending_rows(village: Village) -> None:
    await village.add_car()
    results = await asyncio.gather(
        *(village.service.request(CHAT, BORROWER, "clio", SATURDAY_MORNING) for _ in range(50))
    )
    assert all(isinstance(r, Requested) for r in results)
    ids = {r.booking.id for r in results if isinstance(r, Requested)}
    assert len(ids) == 50
    assert await statuses(village) == Counter(pending=50)


async def test_requests_racing_an_accept_never_end_up_beside_it(village: Village) -> None:
    await village.add_car()
    first = await village.service.request(CHAT, BORROWER, "clio", SATURDAY_MORNING)
    assert isinstance(first, Requested)
    request = village.service.request
    racing: list[Coroutine[Any, Any, object]] = [
        request(CHAT, NEIGHBOUR, "clio", SATURDAY_MORNING) for _ in range(25)
    ]
    # The lock serves callers in arrival order: twelve requests go before the accept.
    racing.insert(12, village.service.accept(first.booking.id, OWNER))
    results = await asyncio.gather(*racing)

    assert sum(isinstance(r, Accepted) for r in results) == 1
    refused = [r for r in results if isinstance(r, Refusal)]
    assert all(r.reason is RefusalReason.TAKEN for r in refused)
    counts = await statuses(village)
    # Each racing request was either stored before the accept (then declined by it) or
    # checked after it (then refused): none is left pending beside the booking.
    assert counts == Counter(accepted=1, declined=12)
    assert len(refused) == 13
    assert BookingStatus.PENDING not in counts
