"""Wall-clock arithmetic in the group's zone (dates.md section 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.dates.lexicon import DayPart
from bot.dates.tokens import Clock

MINUTES_PER_DAY = 24 * 60

_AFTERNOON_HALF = (DayPart.NOON, DayPart.AFTERNOON, DayPart.EVENING)


def wall(day: date, minutes: int, zone: tzinfo) -> datetime:
    """`day` at `minutes` after midnight (1440 is the next midnight), as the clocks show it.

    The round trip through UTC settles the DST edge cases: a time skipped in spring is read
    with the winter offset and so lands one hour later; a time met twice in autumn keeps
    fold=0, the first (summer) one.
    """
    extra_days, minute_of_day = divmod(minutes, MINUTES_PER_DAY)
    naive = datetime.combine(day + timedelta(days=extra_days), time(*divmod(minute_of_day, 60)))
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def elapsed(moment: datetime, delta: timedelta) -> datetime:
    """`moment` plus real elapsed time; plain `+` would keep the wall clock across DST."""
    zone = moment.tzinfo
    return (moment.astimezone(UTC) + delta).astimezone(zone)


def minutes_of(clock: Clock, part: DayPart | None, english: bool) -> int:
    """Minutes after midnight for a written time, reading its half of the day (section 2)."""
    hour = clock.hour
    if clock.meridiem:
        hour = hour % 12 + (12 if clock.meridiem == "pm" else 0)
    elif part in _AFTERNOON_HALF:
        hour += 12 if 1 <= hour <= 11 else 0
    elif clock.bare and english and part in (None, DayPart.DAY):
        hour += 12 if 1 <= hour <= 7 else 0
    return hour * 60 + clock.minute
