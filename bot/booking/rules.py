"""The rules of a booking request (product.md, "A booking's life"), as pure functions.

Intervals are half-open, [start, end); what depends on the time takes `now` explicitly.
Instants are compared in UTC: Python compares two datetimes that share a `tzinfo` by their
wall clocks, which is wrong in the hour repeated when summer time ends.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.dates import Interval, WeeklyRule
from storage.models import BookingMode, BookingStatus, Car, GroupSettings, Window

# Cancelling an accepted booking closer than this to its start is recorded as late.
LATE_CANCELLATION = timedelta(hours=2)
# `maintenant` resolves to the moment the message was received; by the time the request is
# checked that moment is a little in the past, and still means "now".
START_TOLERANCE = timedelta(minutes=5)
# A request expires at its start at the latest, but a request for right now would then
# lapse before any owner could read it: owners always get this long to answer.
MIN_DECISION_TIME = timedelta(minutes=15)

MINUTES_PER_DAY = 24 * 60


class RefusalReason(StrEnum):
    """Why a request was not taken; the handlers show `booking.refusal.<value>`."""

    UNKNOWN_CAR = "unknown_car"
    BANNED = "banned"
    OWN_CAR = "own_car"
    PAUSED = "paused"
    END_BEFORE_START = "end_before_start"
    PAST = "past"
    TOO_LONG = "too_long"
    TOO_FAR = "too_far"
    OUTSIDE_WINDOWS = "outside_windows"
    BLOCKED = "blocked"
    TAKEN = "taken"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request refused, with what the member needs to ask again better.

    `car_names`: the group's cars (unknown car). `conflicts`: the blocked periods or booked
    intervals in the way (blocked, taken). `free_slots`: the stretches still free on the
    requested start's day, in order (outside windows, blocked, taken). `limit`: the group's
    maximum duration (too long) or horizon (too far).
    """

    reason: RefusalReason
    car: Car | None = None
    car_names: tuple[str, ...] = ()
    conflicts: tuple[Interval, ...] = ()
    free_slots: tuple[Interval, ...] = ()
    limit: timedelta | None = None


@dataclass(frozen=True, slots=True)
class CarCalendar:
    """What frees or holds one car around an interval, weekly rules already unrolled:
    open windows (they matter when the car books by windows), blocked periods, and the
    intervals of its accepted and active bookings."""

    open: tuple[Interval, ...] = ()
    blocked: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()


def utc(interval: Interval) -> Interval:
    return Interval(interval.start.astimezone(UTC), interval.end.astimezone(UTC))


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open: [9:00, 12:00) and [12:00, 14:00) do not overlap."""
    a, b = utc(a), utc(b)
    return a.start < b.end and b.start < a.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union, as disjoint intervals in order; touching intervals join."""
    merged: list[Interval] = []
    for interval in sorted(utc(i) for i in intervals):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return merged


def covered(interval: Interval, windows: Iterable[Interval]) -> bool:
    """Whether the union of `windows` covers all of `interval` (windows may touch or overlap:
    Saturday 9–12 and Saturday 12–18 together cover Saturday 10–14)."""
    wanted = utc(interval)
    return any(
        window.start <= wanted.start and wanted.end <= window.end for window in merge(windows)
    )


def subtract(base: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The parts of `base` outside every hole, disjoint and in order."""
    pieces = merge(base)
    for hole in merge(holes):
        remaining: list[Interval] = []
        for piece in pieces:
            if not overlaps(piece, hole):
                remaining.append(piece)
                continue
            if piece.start < hole.start:
                remaining.append(Interval(piece.start, hole.start))
            if hole.end < piece.end:
                remaining.append(Interval(hole.end, piece.end))
        pieces = remaining
    return pieces


def _midnight(day: date, zone: tzinfo) -> datetime:
    # Through UTC, so that a midnight skipped by a DST change lands on the day's first instant.
    return datetime.combine(day, time()).replace(tzinfo=zone).astimezone(UTC)


def local_day(moment: datetime, zone: tzinfo) -> Interval:
    """The calendar day around `moment` in the group's zone: 23, 24 or 25 hours long."""
    day = moment.astimezone(zone).date()
    return Interval(_midnight(day, zone), _midnight(day + timedelta(days=1), zone))


def free_slots(
    day: Interval,
    busy: Iterable[Interval],
    *,
    now: datetime,
    windows: Iterable[Interval] | None = None,
) -> list[Interval]:
    """The free stretches of `day` not past yet, in order: the day (or, for a car booked by
    windows, its parts inside `windows`) minus the `busy` intervals."""
    day = utc(day)
    rest = Interval(max(day.start, now.astimezone(UTC)), day.end)
    if rest.start >= rest.end:
        return []
    if windows is None:
        base = [rest]
    else:
        base = [
            Interval(max(w.start, rest.start), min(w.end, rest.end))
            for w in merge(windows)
            if overlaps(w, rest)
        ]
    return subtract(base, busy)


def weekly_minutes(rule: WeeklyRule) -> tuple[int, int]:
    """A rule's daily range as minutes after midnight; an end at `time(0)` is 1440."""
    start = rule.start.hour * 60 + rule.start.minute
    end = rule.end.hour * 60 + rule.end.minute
    return start, end or MINUTES_PER_DAY


def occurrences(window: Window, zone: tzinfo, span: Interval) -> list[Interval]:
    """A stored window's stretches overlapping `span`, in UTC, weekly rules unrolled in the
    group's zone (each occurrence keeps its wall-clock hours across DST changes)."""
    span = utc(span)
    if window.start is not None and window.end is not None:
        period = Interval(window.start, window.end)
        return [utc(period)] if overlaps(period, span) else []
    assert window.start_minute is not None and window.end_minute is not None
    rule = WeeklyRule(
        weekdays=window.weekdays,
        start=time(*divmod(window.start_minute, 60)),
        end=time(*divmod(window.end_minute % MINUTES_PER_DAY, 60)),
        last_day=window.last_day,
        zone=zone,
    )
    return [utc(occurrence) for occurrence in rule.occurrences(span.start, span.end)]


def expiry_instant(created: datetime, start: datetime, expiry: timedelta) -> datetime:
    """When a pending request lapses: after the group's expiry or at its start, whichever is
    first, but never sooner than `MIN_DECISION_TIME` after it was made."""
    created = created.astimezone(UTC)
    return min(created + expiry, max(start.astimezone(UTC), created + MIN_DECISION_TIME))


def is_late_cancellation(status: BookingStatus, start: datetime, now: datetime) -> bool:
    """Less than two hours before the start of an accepted booking (or after it).
    Withdrawing a request nobody accepted yet is never late."""
    lead_time = start.astimezone(UTC) - now.astimezone(UTC)
    return status is BookingStatus.ACCEPTED and lead_time < LATE_CANCELLATION


def _calendar_conflict(
    interval: Interval, car: Car, calendar: CarCalendar
) -> tuple[RefusalReason, list[Interval]] | None:
    if car.booking_mode is BookingMode.WINDOWS and not covered(interval, calendar.open):
        return RefusalReason.OUTSIDE_WINDOWS, []
    blocked = [utc(b) for b in calendar.blocked if overlaps(b, interval)]
    if blocked:
        return RefusalReason.BLOCKED, sorted(blocked)
    busy = [utc(b) for b in calendar.busy if overlaps(b, interval)]
    if busy:
        return RefusalReason.TAKEN, sorted(busy)
    return None


def calendar_allows(interval: Interval, car: Car, calendar: CarCalendar) -> bool:
    """Inside the car's windows if it books by windows, clear of blocks and bookings."""
    return _calendar_conflict(utc(interval), car, calendar) is None


def check_request(
    interval: Interval,
    *,
    now: datetime,
    zone: tzinfo,
    settings: GroupSettings,
    car: Car,
    borrower_id: int,
    managers: Collection[int],
    banned: bool,
    calendar: CarCalendar,
) -> Refusal | None:
    """Every rule a request must pass, in the order a member would want to hear them; None
    when it may be stored as pending.

    `calendar` must cover the interval and the whole local day of its start (the free slots
    offered with a refusal are that day's).
    """
    if banned:
        return Refusal(RefusalReason.BANNED, car=car)
    if borrower_id in managers:
        return Refusal(RefusalReason.OWN_CAR, car=car)
    if not car.bookable:
        return Refusal(RefusalReason.PAUSED, car=car)
    wanted, now = utc(interval), now.astimezone(UTC)
    if wanted.end <= wanted.start:
        return Refusal(RefusalReason.END_BEFORE_START, car=car)
    if wanted.start < now - START_TOLERANCE:
        return Refusal(RefusalReason.PAST, car=car)
    if wanted.end - wanted.start > settings.max_duration:
        return Refusal(RefusalReason.TOO_LONG, car=car, limit=settings.max_duration)
    if wanted.end > now + settings.horizon:
        return Refusal(RefusalReason.TOO_FAR, car=car, limit=settings.horizon)
    conflict = _calendar_conflict(wanted, car, calendar)
    if conflict is None:
        return None
    reason, conflicts = conflict
    slots = free_slots(
        local_day(wanted.start, zone),
        [*calendar.blocked, *calendar.busy],
        now=now,
        windows=calendar.open if car.booking_mode is BookingMode.WINDOWS else None,
    )
    return Refusal(reason, car=car, conflicts=tuple(conflicts), free_slots=tuple(slots))
