"""The one timer of the bookings: it wakes at the earliest due moment the database holds
(bot/schedule.py), does what is due, each moment once, and sets itself for the next.

Where are reminders scheduled? Nowhere by hand: after a change to bookings a handler calls
`follow(context, booking_ids)` and the moments follow the database. What each kind of
moment does (an expiry, a reminder, a reveal) is given by its feature, in one table, at
wiring time (bot/app.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.ext import Job, JobQueue

from handlers.common.context import CovoisinApp, CovoisinContext

log = logging.getLogger(__name__)

TIMER = "due"
# How many moments one wake does before it lets other work run and wakes again at once.
BATCH = 50


def _queue(jobs: JobQueue[Any] | None) -> JobQueue[Any]:
    assert jobs is not None, "the job-queue extra is a dependency"
    return jobs


def arm(context: CovoisinContext | CovoisinApp, at: datetime | None) -> None:
    """The timer wakes at `at` (at once if it is past); nothing to wait for: no timer.

    Set as a delay from the services' clock, the one the moments were computed with (tests
    move it), rather than as an instant of the JobQueue's wall clock.
    """
    queue = _queue(context.job_queue)
    services = context.bot_data.services
    current: list[Job[Any]] = [job for job in queue.jobs() if job.name == TIMER]
    if at is None:
        for job in current:
            job.schedule_removal()
        return
    delay = max(at - services.clock(), timedelta(0))
    wakes_at = datetime.now(UTC) + delay
    if current and current[0].next_t is not None and current[0].next_t <= wakes_at:
        return  # it wakes earlier anyway, and looks at everything due then
    for job in current:
        job.schedule_removal()
    # No misfire grace: a moment due while the bot was busy or starting still runs.
    queue.run_once(wake, when=delay, name=TIMER, job_kwargs={"misfire_grace_time": None})


async def follow(context: CovoisinContext, booking_ids: Iterable[int]) -> None:
    """After a change to these bookings: their moments follow the database."""
    arm(context, await context.services.schedule.reconcile(booking_ids))


async def follow_group(context: CovoisinContext, chat_id: int) -> None:
    """A group setting that moves reminders changed: its bookings' moments follow."""
    arm(context, await context.services.schedule.reconcile_group(chat_id))


async def rebuild(app: CovoisinApp) -> int:
    """At start: every moment from the database, and the timer set."""
    schedule = app.bot_data.services.schedule
    planned = await schedule.rebuild()
    arm(app, await schedule.next_at())
    return planned


async def run_due(context: CovoisinContext) -> int:
    """Do every moment due now, each once; how many were done. What the timer runs."""
    schedule = context.services.schedule
    actions = context.bot_data.due_actions
    # Only what was due when it woke: a moment an action sets for later (a reminder to try
    # again in a minute) waits for the next wake.
    woke_at = context.services.clock()
    done = 0
    while taken := await schedule.take(woke_at, BATCH):
        for moment in taken:
            action = actions[moment.kind]
            if action is None:
                log.warning("no action for a due moment of kind %r", moment.kind)
                continue
            try:
                await action(context, moment.booking_id, moment.kind)
            except Exception:
                # One moment's fault (Telegram down, a bug) must not hold back the others.
                log.exception("due %s of booking %s failed", moment.kind, moment.booking_id)
            done += 1
    return done


# After a wake that failed (the database busy with a backup...), the timer tries again.
RETRY_AFTER_FAULT = timedelta(minutes=1)


async def wake(context: CovoisinContext) -> None:
    try:
        await run_due(context)
        arm(context, await context.services.schedule.next_at())
    except Exception:
        # The timer must not stop for good: without it, no reminder goes out until some
        # unrelated change sets it again.
        log.exception("the bookings' timer failed, trying again in a minute")
        arm(context, context.services.clock() + RETRY_AFTER_FAULT)
