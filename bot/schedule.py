"""When each booking next needs the bot, kept in the database: the one place where the
expiry of a request, the reminders of a trip and the reveal of its feedback are planned.

After any change to bookings, the handlers ask `reconcile` for the bookings the change
touched; at start `rebuild` does the same for all. Each computes, from the database state
alone, the moments the booking now calls for (`moments_of`) and makes the stored ones
exactly those. One timer (handlers/jobs.py) wakes at the earliest, `take`s what is due, each
moment once, and does it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime

from bot.trips.rules import reminders_ahead
from storage import Repositories
from storage.due import DueMoment
from storage.models import (
    Booking,
    BookingStatus,
    FeedbackRound,
    GroupSettings,
    ReminderKind,
)

# The kinds of moment besides the reminders (whose kinds are ReminderKind's values).
EXPIRY = "expiry"
REVEAL = "reveal"


def moments_of(
    booking: Booking,
    settings: GroupSettings,
    now: datetime,
    sent: Collection[ReminderKind],
    feedback_round: FeedbackRound | None,
) -> list[DueMoment]:
    """What this booking calls for from now on: a pending request's expiry, the reminders
    not sent yet that its status allows, and the reveal of a feedback round still open."""
    moments = []
    if booking.status is BookingStatus.PENDING:
        moments.append(DueMoment(booking.id, EXPIRY, booking.expires_at))
    moments += [
        DueMoment(booking.id, reminder.kind.value, reminder.at)
        for reminder in reminders_ahead(booking, settings, now, sent)
    ]
    if feedback_round is not None and feedback_round.revealed_at is None:
        moments.append(DueMoment(booking.id, REVEAL, feedback_round.due_at))
    return moments


def _keeping_retries(
    implied: list[DueMoment], stored: list[DueMoment], now: datetime
) -> list[DueMoment]:
    """A moment already due is planned at once, unless one of its kind was set for a little
    later (a reminder Telegram refused, tried again in a minute: `again_at`)."""
    later = {m.kind: m.at for m in stored if m.at > now}
    return [
        DueMoment(m.booking_id, m.kind, later[m.kind]) if m.at <= now and m.kind in later else m
        for m in implied
    ]


class SchedulingService:
    def __init__(self, repos: Repositories, clock: Callable[[], datetime]) -> None:
        self._repos = repos
        self._db = repos.db
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    async def reconcile(self, booking_ids: Iterable[int]) -> datetime | None:
        """The stored moments of these bookings become what the database implies; the
        earliest moment of all, for the timer."""
        ids = list(dict.fromkeys(booking_ids))
        if ids:
            now = self._now()
            repos = self._repos
            settings: dict[int, GroupSettings] = {}
            async with self._db.transaction() as conn:
                moments: list[DueMoment] = []
                for booking_id in ids:
                    booking = await repos.bookings.get(booking_id)
                    if booking is None:
                        continue
                    if booking.chat_id not in settings:
                        settings[booking.chat_id] = await repos.settings.get(booking.chat_id)
                    implied = moments_of(
                        booking,
                        settings[booking.chat_id],
                        now,
                        await repos.trips.sent_for(booking_id),
                        await repos.reputation.round(booking_id),
                    )
                    moments += _keeping_retries(
                        implied, await repos.due.of_booking(booking_id), now
                    )
                await repos.due.replace(conn, ids, moments)
        return await self._repos.due.next_at()

    async def reconcile_group(self, chat_id: int) -> datetime | None:
        """A group setting that moves reminders changed: its open bookings, again."""
        open_ones = await self._repos.trips.with_reminders_ahead(chat_id)
        return await self.reconcile(b.id for b in open_ones)

    async def rebuild(self) -> int:
        """At start: every booking's moments, from the database; how many are planned."""
        moments = await self.implied()
        async with self._db.transaction() as conn:
            await self._repos.due.replace_all(conn, moments)
        return len(moments)

    async def implied(self) -> list[DueMoment]:
        """Every moment the database implies now, in one pass (a few queries whatever the
        number of bookings)."""
        now = self._now()
        repos = self._repos
        changed = await repos.settings.changed()
        sent = await repos.trips.reminders_sent()
        rounds = {r.booking_id: r for r in await repos.reputation.open_rounds()}
        moments: list[DueMoment] = []
        seen = set()
        for booking in await repos.trips.with_reminders_ahead():
            seen.add(booking.id)
            moments += moments_of(
                booking,
                changed.get(booking.chat_id, GroupSettings()),
                now,
                sent.get(booking.id, ()),
                rounds.get(booking.id),
            )
        moments += [
            DueMoment(booking_id, REVEAL, r.due_at)
            for booking_id, r in rounds.items()
            if booking_id not in seen
        ]
        return moments

    async def stored(self) -> list[DueMoment]:
        return await self._repos.due.all()

    async def take(self, until: datetime, limit: int) -> list[DueMoment]:
        """The moments due by `until`, earliest first, each handed out once (removed as it
        is taken)."""
        async with self._db.transaction() as conn:
            return await self._repos.due.take(conn, until, limit)

    async def again_at(self, booking_id: int, kind: str, at: datetime) -> datetime | None:
        """A moment to try again later (a reminder Telegram refused); the earliest of all."""
        async with self._db.transaction() as conn:
            await self._repos.due.replace(conn, (), [DueMoment(booking_id, kind, at)])
        return await self._repos.due.next_at()

    async def next_at(self) -> datetime | None:
        return await self._repos.due.next_at()

    async def of_booking(self, booking_id: int) -> Sequence[DueMoment]:
        return await self._repos.due.of_booking(booking_id)
