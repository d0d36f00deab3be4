"""An owner's repeating availability: `tous les samedis 9h-18h` (dates.md section 10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.dates.clock import MINUTES_PER_DAY, minutes_of, wall
from bot.dates.errors import DateErrorReason, Refusal
from bot.dates.resolve import (
    DAY_END,
    DAY_START,
    DEFAULT_LENGTH,
    EVENING_END,
    HORIZON,
    Interval,
    Today,
    check_weekday,
    date_candidates,
    end_day,
)
from bot.dates.spec import CalendarDate, Request

_DEFAULT_MINUTES = int(DEFAULT_LENGTH.total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """The same wall-clock hours on some weekdays, every week, up to an optional last day.

    `weekdays` counts from 0 = Monday. `end` is after `start`; `time(0)` as the end means the
    midnight that closes the day.
    """

    weekdays: frozenset[int]
    start: time
    end: time
    last_day: date | None
    zone: tzinfo

    def occurrences(self, start: datetime, end: datetime) -> list[Interval]:
        """Every occurrence that overlaps [start, end), in order, DST-correct (section 8)."""
        low, high = start.astimezone(UTC), end.astimezone(UTC)
        start_minutes = self.start.hour * 60 + self.start.minute
        end_minutes = self.end.hour * 60 + self.end.minute or MINUTES_PER_DAY
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        if self.last_day is not None:
            last = min(last, self.last_day)
        found = []
        while day <= last:
            if day.weekday() in self.weekdays:
                opening = wall(day, start_minutes, self.zone)
                closing = wall(day, end_minutes, self.zone)
                if closing.astimezone(UTC) > low and opening.astimezone(UTC) < high:
                    found.append(Interval(opening, closing))
            day += timedelta(days=1)
        return found


def resolve_weekly(request: Request, now: datetime) -> WeeklyRule:
    today = Today(now)
    start_side, end_side = request.start, request.end
    sides = [start_side] if end_side is None else [start_side, end_side]
    if any(side.day is not None or side.instant is not None for side in sides):
        raise Refusal(DateErrorReason.TOO_VAGUE)  # a date inside a weekly rule: which one?
    if request.duration is not None and request.duration.days:
        raise Refusal(DateErrorReason.TOO_VAGUE)
    english, part = request.english, start_side.part
    clock = start_side.clock
    if clock is not None and start_side.before:
        start = DAY_START if part is None else part.start
        end = minutes_of(clock, part, english)  # `avant 10h` = 08:00-10:00
    elif clock is not None:
        at_midnight = clock.hour == 24 and end_side is not None
        start = 0 if at_midnight else minutes_of(clock, part, english)
        end = EVENING_END if start_side.after else start + _DEFAULT_MINUTES
    elif part is not None:
        start, end = part.start, part.end
    else:
        start, end = DAY_START, DAY_END
    if end_side is not None and end_side.clock is not None:
        end = minutes_of(end_side.clock, end_side.part or part, english)
    elif end_side is not None and end_side.part is not None:
        end = end_side.part.end
    elif request.duration is not None:
        end = start + int(request.duration.time.total_seconds()) // 60
    if not start < end <= MINUTES_PER_DAY:
        raise Refusal(DateErrorReason.END_BEFORE_START)
    return WeeklyRule(
        request.weekdays,
        time(*divmod(start, 60)),
        time(*divmod(end % MINUTES_PER_DAY, 60)),
        _last_day(request, today),
        today.zone,
    )


def _last_day(request: Request, today: Today) -> date | None:
    """`jusqu'au 20 décembre`: inclusive; a date with no year is the next one to come."""
    spec = request.last_day
    if spec is None:
        return None
    if isinstance(spec, CalendarDate):
        upcoming = [day for day in date_candidates(spec, today, today.date) if day >= today.date]
        if not upcoming:
            raise Refusal(DateErrorReason.PAST)
        last = upcoming[0]
        check_weekday(spec, last)
    else:
        last = end_day(spec, today.date, today, free_start=True)
    if last - today.date > HORIZON:
        raise Refusal(DateErrorReason.TOO_FAR)
    return last
