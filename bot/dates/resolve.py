"""Placing a one-time `Request` on the calendar, relative to the moment it was received."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple

from bot.dates.clock import elapsed, minutes_of, wall
from bot.dates.errors import DateErrorReason, Refusal
from bot.dates.lexicon import DayPart
from bot.dates.spec import (
    CalendarDate,
    DaySpec,
    RelativeDay,
    Request,
    Side,
    WeekdaySpec,
    WeekendSpec,
)

DAY_START = 8 * 60
DAY_END = 20 * 60
EVENING_END = 22 * 60
DEFAULT_LENGTH = timedelta(hours=2)
HORIZON = timedelta(days=400)
# Explicit years further away than this are refused before any arithmetic on them.
_YEARS_AHEAD = 2


class Interval(NamedTuple):
    """Half-open [start, end), aware datetimes in the group's zone."""

    start: datetime
    end: datetime


class Today:
    """`now` and the calendar facts derived from it."""

    def __init__(self, now: datetime) -> None:
        zone = now.tzinfo
        if zone is None or now.utcoffset() is None:
            raise ValueError("now must be an aware datetime")
        self.zone: tzinfo = zone
        self.now = now
        self.instant = now.astimezone(UTC)
        self.date = now.date()

    def wall(self, day: date, minutes: int) -> datetime:
        return wall(day, minutes, self.zone)

    def next_weekday(self, weekday: int) -> date:
        """Strictly after today: a weekday name never means today (section 5)."""
        return self.date + timedelta(days=(weekday - self.date.weekday() - 1) % 7 + 1)

    def weekend_saturday(self, following: bool) -> date:
        """The Saturday of `ce week-end` (or of `le week-end prochain`), section 6."""
        weekday = self.date.weekday()
        if weekday >= 5:
            saturday = self.date - timedelta(days=weekday - 5)
            over = self.instant >= self.wall(saturday + timedelta(days=1), DAY_END)
            if following or over:
                saturday += timedelta(days=7)
            return saturday
        return self.date + timedelta(days=5 - weekday)

    def check_year(self, year: int) -> None:
        if year < self.date.year:
            raise Refusal(DateErrorReason.PAST)
        if year > self.date.year + _YEARS_AHEAD:
            raise Refusal(DateErrorReason.TOO_FAR)


def _valid(year: int, month: int, day: int) -> date | None:
    if day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _month_steps(first: date, months: int) -> list[tuple[int, int]]:
    index = first.year * 12 + first.month - 1
    return [divmod(index + step, 12) for step in range(months)]


def date_candidates(spec: CalendarDate, today: Today, earliest: date) -> list[date]:
    """The days a written date can mean, in order, none before `earliest`'s year or month."""
    if spec.year is not None and spec.month is not None:
        today.check_year(spec.year)
        found = _valid(spec.year, spec.month, spec.day)
        if found is None:
            raise Refusal(DateErrorReason.IMPOSSIBLE)
        return [found]
    if spec.month is not None:
        # Five years: `le 29 février` may wait for the next leap year (and then be too far).
        years = range(earliest.year, earliest.year + 5)
        candidates = [_valid(year, spec.month, spec.day) for year in years]
    else:
        steps = _month_steps(earliest, 14)
        candidates = [_valid(year, month + 1, spec.day) for year, month in steps]
    return [day for day in candidates if day is not None]


def _start_days(spec: DaySpec, today: Today) -> list[date]:
    if isinstance(spec, RelativeDay):
        if spec.offset > HORIZON.days:
            raise Refusal(DateErrorReason.TOO_FAR)
        return [today.date + timedelta(days=spec.offset)]
    if isinstance(spec, WeekdaySpec):
        return [_weekday_day(spec, today)]
    if isinstance(spec, WeekendSpec):
        return [today.weekend_saturday(spec.following)]
    return date_candidates(spec, today, today.date)


def _weekday_day(spec: WeekdaySpec, today: Today) -> date:
    if spec.of_next_week:
        monday = today.date - timedelta(days=today.date.weekday())
        return monday + timedelta(days=7 + spec.weekday)
    return today.next_weekday(spec.weekday) + timedelta(days=7 * spec.weeks_later)


def end_day(spec: DaySpec, first: date, today: Today, free_start: bool) -> date:
    """The day a range ends on, read forward from the day it starts (`du jeudi au samedi`)."""
    if isinstance(spec, WeekdaySpec) and not (free_start or spec.weeks_later or spec.of_next_week):
        return first + timedelta(days=(spec.weekday - first.weekday()) % 7)
    if isinstance(spec, WeekendSpec):
        return today.weekend_saturday(spec.following) + timedelta(days=1)
    if not isinstance(spec, CalendarDate):
        return _start_days(spec, today)[0]
    for candidate in date_candidates(spec, today, first):
        if candidate >= first:
            check_weekday(spec, candidate)
            return candidate
    raise Refusal(DateErrorReason.END_BEFORE_START)


def check_weekday(spec: DaySpec, day: date) -> None:
    """`vendredi 5 décembre` when the 5th is a Saturday is refused (section 5)."""
    if isinstance(spec, CalendarDate) and spec.weekday not in (None, day.weekday()):
        raise Refusal(DateErrorReason.WEEKDAY_MISMATCH)


def _start_minutes(start: Side, end: Side | None, english: bool) -> int:
    clock = start.clock
    assert clock is not None
    if clock.hour == 24 and end is not None and end.clock is not None and end.day is None:
        return 0  # `de minuit à 6h`: the midnight that opens the day
    return minutes_of(clock, start.part, english)


class _Builder:
    """Builds the interval of a request for one candidate first day."""

    def __init__(self, request: Request, today: Today) -> None:
        self.request = request
        self.today = today

    def build(self, first: date | None) -> Interval:
        request, today = self.request, self.today
        start_side, end_side = request.start, request.end
        from_now = first is None and start_side.instant is None
        if start_side.instant is not None:
            start = elapsed(today.now, start_side.instant)
            first = start.date()
        elif first is None:
            start, first = today.now, today.date  # `jusqu'à 17h`, `pour 3 heures`
        elif start_side.clock is not None and not start_side.before:
            start = today.wall(first, _start_minutes(start_side, end_side, request.english))
        elif start_side.part is not None:
            start = today.wall(first, start_side.part.start)
        else:
            start = today.wall(first, DAY_START)
        end = self._end(start, first)
        if end.astimezone(UTC) <= start.astimezone(UTC):
            if from_now:
                raise Refusal(DateErrorReason.PAST)  # `jusqu'à 9h` said at 10:00
            raise Refusal(DateErrorReason.END_BEFORE_START)
        return Interval(start, end)

    def _end(self, start: datetime, first: date) -> datetime:
        request, today = self.request, self.today
        start_side, end_side, english = request.start, request.end, request.english
        weekend = isinstance(start_side.day, WeekendSpec)
        if end_side is not None:
            if end_side.day is not None:
                last = end_day(end_side.day, first, today, free_start=start_side.day is None)
            else:
                last = first + timedelta(days=1) if weekend else first
            if end_side.clock is not None:
                inherited = start_side.part if end_side.day is None else None
                part = end_side.part or inherited
                return today.wall(last, minutes_of(end_side.clock, part, english))
            if end_side.part is not None:
                return today.wall(last, end_side.part.end)
            return today.wall(last, DAY_END)
        duration = request.duration
        if duration is not None and duration.days:
            if start_side.clock is not None or start_side.instant is not None:
                start_wall = start.hour * 60 + start.minute
                return today.wall(first + timedelta(days=duration.days), start_wall)
            last = first + timedelta(days=duration.days - 1)
            return today.wall(last, _part_end(start_side.part, DAY_END))
        if duration is not None:
            return elapsed(start, duration.time)
        if start_side.clock is not None:
            if start_side.after:
                return today.wall(first, EVENING_END)
            if start_side.before:
                return today.wall(first, minutes_of(start_side.clock, start_side.part, english))
            return elapsed(start, DEFAULT_LENGTH)
        if start_side.instant is not None:
            return elapsed(start, DEFAULT_LENGTH)
        if weekend:
            return today.wall(first + timedelta(days=1), _part_end(start_side.part, DAY_END))
        return today.wall(first, _part_end(start_side.part, DAY_END))


def _part_end(part: DayPart | None, default: int) -> int:
    return default if part is None else part.end


def resolve_interval(request: Request, now: datetime) -> Interval:
    """The one interval a one-time request means at `now` (dates.md sections 1-9)."""
    today = Today(now)
    builder = _Builder(request, today)
    start_side = request.start
    if start_side.instant is not None or (
        start_side.day is None and start_side.clock is None and start_side.part is None
    ):
        interval = builder.build(None)
    else:
        interval = _first_not_over(builder, start_side, today)
    start, end = interval
    if start.astimezone(UTC) < today.instant:
        start = now  # the period has begun: it runs from now (section 4, ongoing)
    if start.astimezone(UTC) - today.instant > HORIZON:
        raise Refusal(DateErrorReason.TOO_FAR)
    return Interval(start, end)


def _first_not_over(builder: _Builder, start_side: Side, today: Today) -> Interval:
    if start_side.day is not None:
        days = _start_days(start_side.day, today)
        # A time with no day is today only if it is still ahead (section 4); a named day or
        # part of day is kept while it is not entirely over.
        need_start_ahead = False
    else:
        days = [today.date, today.date + timedelta(days=1)]
        need_start_ahead = start_side.clock is not None
    for day in days:
        interval = builder.build(day)
        if need_start_ahead:
            ahead = interval.start.astimezone(UTC) >= today.instant
        else:
            ahead = interval.end.astimezone(UTC) > today.instant
        if ahead:
            if start_side.day is not None:
                check_weekday(start_side.day, day)
            return interval
    raise Refusal(DateErrorReason.PAST)
