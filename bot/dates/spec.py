"""What a phrase says, before it is placed on the calendar relative to `now`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.dates.lexicon import DayPart
from bot.dates.tokens import Clock


@dataclass(frozen=True, slots=True)
class RelativeDay:
    """`aujourd'hui`, `demain`, `dans 3 jours`: days counted from today."""

    offset: int


@dataclass(frozen=True, slots=True)
class WeekdaySpec:
    """`samedi`, `samedi prochain`, `lundi en huit`, `mardi de la semaine prochaine`."""

    weekday: int
    weeks_later: int = 0
    of_next_week: bool = False


@dataclass(frozen=True, slots=True)
class CalendarDate:
    """`le 3`, `3 décembre`, `03/12/2026`, optionally with the weekday the member expects."""

    day: int
    month: int | None = None
    year: int | None = None
    weekday: int | None = None


@dataclass(frozen=True, slots=True)
class WeekendSpec:
    following: bool = False


DaySpec = RelativeDay | WeekdaySpec | CalendarDate | WeekendSpec


@dataclass(frozen=True, slots=True)
class Duration:
    """`pour 3 heures` (elapsed time) or `pour 2 jours` (calendar days)."""

    time: timedelta = timedelta()
    days: int = 0


@dataclass(slots=True)
class Side:
    """One end of a range (or the only moment named): a day, a part of it, a time."""

    day: DaySpec | None = None
    part: DayPart | None = None
    clock: Clock | None = None
    instant: timedelta | None = None  # `maintenant`, `dans 2 heures`: now plus this
    # `de 14h à 18h demain`: a day written after the time belongs to the whole range.
    day_after_clock: bool = False
    part_after_clock: bool = False
    after: bool = False  # `après 18h`
    before: bool = False  # `avant 10h`

    def is_empty(self) -> bool:
        return all(item is None for item in (self.day, self.part, self.clock, self.instant))


@dataclass(slots=True)
class Request:
    """A whole phrase: one-time when `weekdays` is empty, else a weekly availability."""

    start: Side = field(default_factory=Side)
    end: Side | None = None
    duration: Duration | None = None
    english: bool = False
    weekdays: frozenset[int] = frozenset()
    last_day: DaySpec | None = None  # weekly only: `jusqu'au 20 décembre`
