"""From lexemes to a `Request`: which day, part of day, times, range and repetition were said.

The reader walks the lexemes once, left to right. Words that take no part in a date (greetings,
car names, `la voiture de Paul`) are skipped, so the grammar only looks at what it knows.
Connectors (`de`, `à`, `-`, `jusqu'à`) count only when a date or time follows them at once,
which keeps `aller à Paris` or `est-ce que` out of the way.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import timedelta
from enum import Enum, auto

from bot.dates.errors import DateErrorReason, Refusal
from bot.dates.fallback import read_numeric_date
from bot.dates.lexicon import Cat, DayPart, Lang
from bot.dates.spec import (
    CalendarDate,
    DaySpec,
    Duration,
    RelativeDay,
    Request,
    Side,
    WeekdaySpec,
    WeekendSpec,
)
from bot.dates.tokens import Clock, Lexeme, lex

_ALL_DAYS = frozenset(range(7))
_WORKDAYS = frozenset(range(5))
_WEEKEND_DAYS = frozenset({5, 6})
# Quantities beyond this are nonsense for a car loan and would overflow date arithmetic.
_MAX_QUANTITY_DAYS = 1000

# Lexemes that can begin a date or time: a connector counts only when one follows it.
_ATOM_STARTS = frozenset(
    {
        Cat.CLOCK,
        Cat.ORDINAL,
        Cat.NUMDATE,
        Cat.OTHERDATE,
        Cat.REL_DAY,
        Cat.WEEKDAY,
        Cat.WEEKDAY_ABBR,
        Cat.MONTH,
        Cat.PART,
        Cat.THIS_PART,
        Cat.NOON,
        Cat.MIDNIGHT,
        Cat.NOW,
        Cat.WEEKEND,
        Cat.NUMWORD,
        Cat.ORDWORD,
    }
)
_DETERMINERS = frozenset({Cat.THE, Cat.THIS, Cat.NEXT, Cat.OF})
# Lexemes that can end a date or time: a dash counts only between two of them.
_ATOM_ENDS = frozenset(
    {
        Cat.CLOCK,
        Cat.NUMBER,
        Cat.ORDINAL,
        Cat.NUMDATE,
        Cat.REL_DAY,
        Cat.WEEKDAY,
        Cat.MONTH,
        Cat.PART,
        Cat.THIS_PART,
        Cat.NOON,
        Cat.MIDNIGHT,
        Cat.NOW,
        Cat.WEEKEND,
        Cat.DOT,
        Cat.NEXT,
    }
)
# After these a plain number is an hour: `de 9`, `vers 8`, `at 2`, `jusqu'à 12`.
_HOUR_CONTEXT = frozenset(
    {Cat.AT, Cat.TO_OR_AT, Cat.OPEN, Cat.BETWEEN, Cat.TO, Cat.UNTIL, Cat.AFTER, Cat.BEFORE}
)
# `-` and `et` also sit between things that are no dates (`clio -1`, `Paul et 3 amis`): after
# them a plain number is an hour only once they have opened the end of a range (`9 - 12`,
# `entre 9 et 12`).
_RANGE_ONLY_LINKS = frozenset({Cat.DASH, Cat.AND})
_RANGE_LINKS = frozenset({Cat.DASH, Cat.TO, Cat.TO_OR_AT, Cat.UNTIL, Cat.AND})
# After these a plain number is a day of the month: `le 3`, `du 3 au 5`, `jusqu'au 20`.
_DAY_CONTEXT = frozenset({Cat.THE, Cat.OPEN_DU, Cat.TO_AU, Cat.UNTIL_AU})
_QUANTITY_UNITS = frozenset({Cat.UNIT_HOUR, Cat.UNIT_MINUTE, Cat.UNIT_DAY, Cat.UNIT_WEEK})
# `sam` counts as Saturday only when a date or time follows (`sam. 28`, `sam 10h`): alone it
# may be a name.
_ABBR_FOLLOWERS = frozenset({Cat.DOT, Cat.NUMBER, Cat.ORDINAL, Cat.PART, Cat.CLOCK, Cat.THE})


class _Link(Enum):
    OPEN = auto()
    BETWEEN = auto()
    RANGE = auto()  # always starts the end of a range
    TO_OR_AT = auto()  # ends the start only after a time or an opening `de`
    AND = auto()  # ends the start only after `entre` / `between`; else joins two stretches
    UNTIL = auto()
    AFTER = auto()
    BEFORE = auto()


_LINKS = {
    Cat.OPEN: _Link.OPEN,
    Cat.OPEN_DU: _Link.OPEN,
    Cat.BETWEEN: _Link.BETWEEN,
    Cat.TO: _Link.RANGE,
    Cat.TO_AU: _Link.RANGE,
    Cat.DASH: _Link.RANGE,
    Cat.TO_OR_AT: _Link.TO_OR_AT,
    Cat.AND: _Link.AND,
    Cat.UNTIL: _Link.UNTIL,
    Cat.UNTIL_AU: _Link.UNTIL,
    Cat.AFTER: _Link.AFTER,
    Cat.BEFORE: _Link.BEFORE,
}


def _check_clock(clock: Clock) -> Clock:
    """A written time must exist: `25h`, `14h75` and `13pm` are refused (section 2)."""
    if clock.meridiem:
        valid = 1 <= clock.hour <= 12 and clock.minute < 60
    else:
        valid = clock.hour < 24 and clock.minute < 60
    if not valid:
        raise Refusal(DateErrorReason.IMPOSSIBLE)
    return clock


def _check_date(day: int, month: int | None) -> None:
    """`le 32`, `le 31 février`, `30/02`: no such day in any year."""
    if month is not None and not 1 <= month <= 12:
        raise Refusal(DateErrorReason.IMPOSSIBLE)
    longest = 31 if month is None else calendar.monthrange(2000, month)[1]  # 2000: leap
    if not 1 <= day <= longest:
        raise Refusal(DateErrorReason.IMPOSSIBLE)


class _Builder:
    """Collects what the reader finds into the sides of a range."""

    def __init__(self) -> None:
        self.sides = [Side()]
        self.opened = False
        self.between = False
        self.last_was_clock = False
        # `samedi 9h-12h et dimanche`: two separate stretches, not one interval.
        self.joined_by_and = False
        self.until_side: int | None = None
        self.pending: _Link | None = None
        self.duration: Duration | None = None
        self.ambiguous_for: Clock | None = None  # `pour 3h`: a duration or 03:00, see finish()
        self.vague = False
        self.weekdays: set[int] | None = None
        self.excluded: set[int] = set()

    @property
    def side(self) -> Side:
        return self.sides[-1]

    def add_day(self, day: DaySpec) -> None:
        side = self.side
        if self.joined_by_and:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        if side.day is None or side.day == day:
            side.day = day
        elif isinstance(day, CalendarDate) and _plain_weekday(side.day) is not None:
            side.day = replace(day, weekday=_plain_weekday(side.day))
        elif isinstance(side.day, CalendarDate) and _plain_weekday(day) is not None:
            side.day = replace(side.day, weekday=_plain_weekday(day))
        else:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        side.day_after_clock = side.clock is not None
        self.last_was_clock = False

    def add_part(self, part: DayPart) -> None:
        side = self.side
        if side.part is not None and side.part != part:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        side.part = part
        side.part_after_clock = side.clock is not None
        self.last_was_clock = self.joined_by_and = False

    def add_clock(self, clock: Clock) -> None:
        side = self.side
        if side.clock is not None or side.instant is not None:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        side.clock = clock
        side.after = self.pending is _Link.AFTER
        side.before = self.pending is _Link.BEFORE
        self.pending = None
        self.last_was_clock = True
        self.joined_by_and = False

    def add_instant(self, delta: timedelta) -> None:
        side = self.side
        if side.instant is not None or side.clock is not None:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        side.instant = delta
        self.last_was_clock = self.joined_by_and = False

    def add_duration(self, duration: Duration) -> None:
        if self.duration is not None or self.ambiguous_for is not None:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        self.duration = duration

    def awaits_end(self) -> bool:
        """A connector has just opened the end of a range, and nothing has filled it yet."""
        return len(self.sides) > 1 and self.side.is_empty()

    def add_ambiguous_for(self, clock: Clock) -> None:
        if self.duration is not None or self.ambiguous_for is not None:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        self.ambiguous_for = clock

    def repeat(self, weekdays: frozenset[int], part: DayPart | None = None) -> None:
        if self.weekdays is None:
            self.weekdays = set()
        self.weekdays |= weekdays
        if part is not None:
            self.add_part(part)

    def link(self, link: _Link) -> None:
        self.joined_by_and = False
        if link is _Link.OPEN:
            self.opened = True
        elif link is _Link.BETWEEN:
            self.opened = self.between = True
        elif link in (_Link.AFTER, _Link.BEFORE):
            self.pending = link
        elif link is _Link.RANGE or link is _Link.UNTIL:
            self._next_side(until=link is _Link.UNTIL)
        elif link is _Link.TO_OR_AT:
            if (self.opened or self.last_was_clock) and not self.side.is_empty():
                self._next_side(until=False)
        elif self.between:
            self._next_side(until=False)
        else:
            self.joined_by_and = not self.side.is_empty()

    def _next_side(self, until: bool) -> None:
        # A weekly rule may have a start, an end and a last day: three sides at most.
        if len(self.sides) == 3:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        if self.sides[-1].is_empty() and len(self.sides) > 1:
            self.sides.pop()
        self.sides.append(Side())
        self.until_side = len(self.sides) - 1 if until else None
        self.opened = self.between = self.last_was_clock = False
        self.pending = None

    def finish(self, english: bool) -> Request:
        last_day = None
        final = self.sides[-1]
        if (
            self.weekdays is not None
            and self.until_side == len(self.sides) - 1
            and final.day is not None
            and final.clock is None
            and final.part is None
        ):
            last_day = final.day  # `tous les samedis jusqu'au 20 décembre`
            self.sides.pop()
        sides = [self.sides[0]] + [side for side in self.sides[1:] if not side.is_empty()]
        if len(sides) > 2:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        start = sides[0]
        end = sides[1] if len(sides) == 2 else None
        duration = self._settle_ambiguous_for(start, end)
        if duration is not None and (end is not None or start.after or start.before):
            raise Refusal(DateErrorReason.TOO_VAGUE)
        if end is not None and end.instant is not None:
            raise Refusal(DateErrorReason.TOO_VAGUE)  # `jusqu'à maintenant`
        if end is not None:
            _complete_range(start, end)
        if self.vague:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        if start.is_empty() and end is None and duration is None and self.weekdays is None:
            raise Refusal(DateErrorReason.NO_DATE)
        if duration is None and self.weekdays is None and _lone_bare_hour(start, end):
            raise Refusal(DateErrorReason.NO_DATE)
        weekdays = frozenset((self.weekdays or set()) - self.excluded)
        if self.weekdays is not None and not weekdays:
            raise Refusal(DateErrorReason.TOO_VAGUE)
        return Request(start, end, duration, english, weekdays, last_day)

    def _settle_ambiguous_for(self, start: Side, end: Side | None) -> Duration | None:
        """`pour 3h` is three hours; `pour 9h` alone is nine o'clock (`il me la faut pour 9h`).

        It is a duration when the message gives its start elsewhere, or when read as a time it
        would be the middle of the night.
        """
        clock = self.ambiguous_for
        if clock is None:
            return self.duration
        has_start = start.clock is not None or start.part is not None or start.instant is not None
        if has_start or end is not None or clock.hour < 6:
            return Duration(time=timedelta(hours=clock.hour, minutes=clock.minute))
        start.clock = _check_clock(clock)
        return None


def _lone_bare_hour(start: Side, end: Side | None) -> bool:
    """`vers 3`, `à 1`, `jusqu'à 5`: one plain number and nothing else about time.

    Section 2 makes plain numbers hours inside a range (`de 9 à 12`, `9-12`); one alone,
    with no day, part of day or unit beside it, is as likely a count or a typo as an hour.
    """
    sides = [start] if end is None else [start, end]
    clocks = [side.clock for side in sides if side.clock is not None]
    if len(clocks) != 1 or not clocks[0].number_only:
        return False
    return all(side.day is None and side.part is None and side.instant is None for side in sides)


def _plain_weekday(day: DaySpec | None) -> int | None:
    if isinstance(day, WeekdaySpec) and not day.weeks_later and not day.of_next_week:
        return day.weekday
    return None


def _only_number(side: Side) -> int | None:
    clock = side.clock
    if clock is None or not clock.number_only or side.after or side.before:
        return None
    if side.day is not None or side.part is not None:
        return None
    return clock.hour


def _only_date(side: Side) -> bool:
    return isinstance(side.day, CalendarDate) and side.clock is None and side.part is None


def _complete_range(start: Side, end: Side) -> None:
    """Share between the two ends what the member wrote only once."""
    # `Dec 3-5`, `3 to 5 December`: plain numbers beside a date are days, not hours.
    end_number, start_number = _only_number(end), _only_number(start)
    if end_number is not None and _only_date(start):
        _check_date(end_number, None)
        end.day, end.clock = CalendarDate(end_number), None
    elif start_number is not None and _only_date(end):
        _check_date(start_number, None)
        start.day, start.clock = CalendarDate(start_number), None
    first, last = start.day, end.day
    if (
        isinstance(first, CalendarDate)
        and isinstance(last, CalendarDate)
        and first.month is None
        and last.month is not None
    ):
        # `du 3 au 5 décembre`; `du 28 au 2 décembre` starts in November.
        month, year = last.month, last.year
        if first.day > last.day:
            month -= 1
            if month == 0:
                month, year = 12, None if year is None else year - 1
        _check_date(first.day, month)
        start.day = replace(first, month=month, year=year)
    # `de 14h à 18h demain`, `de 2 à 5 de l'aprem`: said after the times, meant for both.
    if start.day is None and start.instant is None and end.day is not None and end.day_after_clock:
        start.day = end.day
    if start.part is None and end.part is not None and end.part_after_clock:
        start.part = end.part
    # `2-5pm`: the am/pm of the end also serves the start when that keeps the order.
    first_clock, last_clock = start.clock, end.clock
    if (
        first_clock is not None
        and last_clock is not None
        and last_clock.meridiem
        and not first_clock.meridiem
        and first_clock.bare
        and 1 <= first_clock.hour <= 12
    ):
        candidate = replace(first_clock, meridiem=last_clock.meridiem)
        if _plain_minutes(candidate) < _plain_minutes(last_clock):
            start.clock = candidate


def _plain_minutes(clock: Clock) -> int:
    return (clock.hour % 12 + (12 if clock.meridiem == "pm" else 0)) * 60 + clock.minute


class _Reader:
    def __init__(self, lexemes: list[Lexeme]) -> None:
        self.lexemes = lexemes
        self.index = 0
        self.out = _Builder()

    def at(self, offset: int = 0) -> Lexeme | None:
        position = self.index + offset
        if 0 <= position < len(self.lexemes):
            return self.lexemes[position]
        return None

    def cat(self, offset: int = 0) -> Cat | None:
        lexeme = self.at(offset)
        return None if lexeme is None else lexeme.cat

    def read(self) -> Request:
        while self.index < len(self.lexemes):
            self._step()
        french = sum(lexeme.lang is Lang.FR for lexeme in self.lexemes)
        english = sum(lexeme.lang is Lang.EN for lexeme in self.lexemes)
        return self.out.finish(english=english > french)

    def _step(self) -> None:
        lexeme = self.lexemes[self.index]
        cat = lexeme.cat
        handler = _HANDLERS.get(cat)
        if handler is not None:
            handler(self, lexeme)
        elif cat in _LINKS:
            self._link(lexeme)
        elif cat in (Cat.VAGUE, Cat.NEXT_WEEK):
            self.out.vague = True
            self.index += 1
        elif cat is Cat.PAST_WORD:
            raise Refusal(DateErrorReason.PAST)
        elif cat is Cat.TYPO:
            raise Refusal(DateErrorReason.NO_DATE)
        elif lexeme.month_alias:
            self._month(lexeme)  # `may 3`
        else:
            self.index += 1

    # --- numbers and dates -------------------------------------------------------------

    def _day_number(self, offset: int) -> int | None:
        """The day of the month written at `offset`, if any (`3`, `3e`, `3rd`, `trois`)."""
        lexeme = self.at(offset)
        if lexeme is None:
            return None
        if lexeme.cat is Cat.NUMBER and lexeme.digits <= 2:
            return lexeme.value
        if lexeme.cat in (Cat.ORDINAL, Cat.NUMWORD, Cat.ORDWORD):
            return lexeme.value
        return None

    def _month_at(self, offset: int) -> int:
        lexeme = self.at(offset)
        if lexeme is None:
            return 0
        return lexeme.value if lexeme.cat is Cat.MONTH else lexeme.month_alias

    def _date_after_day(self, day: int) -> CalendarDate:
        """Reads `[of] month [year]` after a day number (the index is past the number)."""
        offset = 1 if self.cat() is Cat.OF and self._month_at(1) else 0
        month = self._month_at(offset)
        if not month:
            _check_date(day, None)
            return CalendarDate(day)
        self.index += offset + 1
        if self.cat() is Cat.DOT:
            self.index += 1
        _check_date(day, month)
        return CalendarDate(day, month, self._year())

    def _year(self) -> int | None:
        lexeme = self.at()
        if lexeme is not None and lexeme.cat is Cat.NUMBER and lexeme.digits == 4:
            self.index += 1
            return lexeme.value
        return None

    def _month_first(self, month: int) -> bool:
        """`december 3`, `Dec 3rd, 2026`; False when no day follows the month."""
        offset = 1
        if self.cat(offset) is Cat.DOT:
            offset += 1
        if self.cat(offset) is Cat.THE:
            offset += 1
        day = self._day_number(offset)
        if day is None:
            return False
        self.index += offset + 1
        _check_date(day, month)
        self.out.add_day(CalendarDate(day, month, self._year()))
        return True

    def _read_date(self, day: int) -> None:
        self.index += 1
        self.out.add_day(self._date_after_day(day))

    def _number(self, lexeme: Lexeme) -> None:
        if lexeme.digits > 2:
            self.index += 1  # a car (`la 208`), a year alone, a phone number
            return
        if lexeme.signed and not self.out.awaits_end():
            self.index += 1  # `-1`, `+3`, `la 208-12`: a signed quantity, not `9 -12`
            return
        value = lexeme.value
        before, after = self.cat(-1), self.cat(1)
        if self._framed_as_day():
            self._read_date(value)
        elif before is Cat.LA:
            self.index += 1
        elif after in _QUANTITY_UNITS or after is Cat.OCLOCK:
            self._bare_quantity()
        elif self._after_hour_word(before) or (
            after in _RANGE_LINKS and self.cat(2) in (Cat.NUMBER, Cat.CLOCK)
        ):
            self.index += 1
            clock = Clock(value, bare=True, number_only=True)
            self.out.add_clock(_check_clock(self._plus_minutes(clock)))
        else:
            self.index += 1

    def _framed_as_day(self) -> bool:
        """`le 3`, `du 3 au 5`, `3 décembre`, `3rd of May`: the words around make it a day."""
        after = self.cat(1)
        return (
            self.cat(-1) in _DAY_CONTEXT
            or bool(self._month_at(1))
            or (after is Cat.OF and bool(self._month_at(2)))
            or (after is Cat.TO_AU and self.cat(2) is Cat.NUMBER)
        )

    def _after_hour_word(self, before: Cat | None) -> bool:
        if before in _RANGE_ONLY_LINKS:
            return self.out.awaits_end()
        return before in _HOUR_CONTEXT

    def _ordinal(self, lexeme: Lexeme) -> None:
        # Like `third`, a `3e` or `3rd` is a day only where a date word frames it (section 7:
        # `le 1er`, `Dec 3rd`); `la 2e voiture` or `au 3e étage` is a rank.
        if self._framed_as_day():
            self._read_date(lexeme.value)
        else:
            self.index += 1

    def _numword(self, lexeme: Lexeme) -> None:
        if lexeme.month_alias and self._month_first(lexeme.month_alias):
            return
        after = self.cat(1)
        if after in _QUANTITY_UNITS or after is Cat.OCLOCK:
            self._bare_quantity()
        elif self.cat(-1) is Cat.THE or self._month_at(1):
            self._read_date(lexeme.value)
        else:
            self.index += 1

    def _ordword(self, lexeme: Lexeme) -> None:
        if self.cat(-1) is Cat.THE or self._month_at(1) or self.cat(1) is Cat.OF:
            self._read_date(lexeme.value)
        else:
            self.index += 1

    def _numdate(self, lexeme: Lexeme) -> None:
        assert lexeme.date is not None
        day, month, year = lexeme.date
        if year == -1:
            raise Refusal(DateErrorReason.IMPOSSIBLE)
        _check_date(day, month)
        self.index += 1
        self.out.add_day(CalendarDate(day, month, year))

    def _otherdate(self, lexeme: Lexeme) -> None:
        parts = read_numeric_date(lexeme.text)
        if parts is None:
            raise Refusal(DateErrorReason.IMPOSSIBLE)
        day, month, year = parts
        self.index += 1
        self.out.add_day(CalendarDate(day, month, year))

    def _month(self, lexeme: Lexeme) -> None:
        month = lexeme.value or lexeme.month_alias
        if self._month_first(month):
            return
        self.index += 1
        if lexeme.cat is Cat.MONTH:
            self._year()
            self.out.vague = True  # `en décembre`, `in December 2026`: which day?

    # --- times and quantities ----------------------------------------------------------

    def _plus_minutes(self, clock: Clock) -> Clock:
        lexeme = self.at()
        if lexeme is not None and lexeme.cat is Cat.PLUS_MINUTES and clock.minute == 0:
            self.index += 1
            # `à 9 et demie` says it is a time of day as plainly as `9h30` does.
            return replace(clock, minute=lexeme.value, number_only=False)
        return clock

    def _clock(self, lexeme: Lexeme) -> None:
        assert lexeme.clock is not None
        self.index += 1
        self.out.add_clock(_check_clock(self._plus_minutes(lexeme.clock)))

    def _noon(self, lexeme: Lexeme) -> None:
        self.index += 1
        # `ce midi`, `dimanche midi` (12:00-14:00) and `à midi` (12:00 plus the default two
        # hours) are the same interval, so noon is always read as a time.
        self.out.add_clock(self._plus_minutes(Clock(12)))

    def _midnight(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.add_clock(Clock(24))

    def _quantity(self, offset: int) -> tuple[int, int, Clock | None] | None:
        """`3 heures`, `2h30`, `une demi-heure`, `3 jours` at `offset`.

        Returns (minutes, days, compact clock written like `3h`) and moves past it.
        """
        lexeme = self.at(offset)
        if lexeme is None:
            return None
        if lexeme.cat is Cat.HALF_HOUR:
            self.index += offset + 1
            return 30, 0, None
        if lexeme.cat is Cat.QUARTER_HOUR:
            self.index += offset + 1
            return 15, 0, None
        if lexeme.cat is Cat.CLOCK:
            clock = lexeme.clock
            if clock is None or clock.meridiem or clock.bare:
                return None
            self.index += offset + 1
            return clock.hour * 60 + clock.minute, 0, clock
        if lexeme.cat is Cat.NUMBER and lexeme.digits <= 4:
            amount = lexeme.value
        elif lexeme.cat is Cat.NUMWORD or lexeme.cat is Cat.TO_OR_AT:  # `in a day`
            amount = max(lexeme.value, 1)
        else:
            return None
        unit = self.cat(offset + 1)
        if unit not in _QUANTITY_UNITS:
            return None
        if unit is Cat.UNIT_DAY or unit is Cat.UNIT_WEEK:
            days = amount * (7 if unit is Cat.UNIT_WEEK else 1)
            if days > _MAX_QUANTITY_DAYS:
                raise Refusal(DateErrorReason.TOO_FAR)
            self.index += offset + 2
            return 0, days, None
        self.index += offset + 2
        minutes = amount if unit is Cat.UNIT_MINUTE else amount * 60
        if unit is Cat.UNIT_HOUR:
            extra = self.at()
            if extra is not None and extra.cat is Cat.NUMBER and extra.digits == 2:
                minutes += extra.value  # `2 heures 30`
                self.index += 1
            elif extra is not None and extra.cat is Cat.PLUS_MINUTES:
                minutes += extra.value  # `une heure et demie`
                self.index += 1
        if minutes > _MAX_QUANTITY_DAYS * 24 * 60:
            raise Refusal(DateErrorReason.TOO_FAR)
        return minutes, 0, None

    def _bare_quantity(self) -> None:
        """A quantity with no `pour` or `dans` before it.

        `14 heures` is a time of day; `3 jours à partir de samedi` a length in days.
        """
        start = self.index
        quantity = self._quantity(0)
        if quantity is None:
            self._oclock()
            return
        if self.cat() is Cat.AGO:
            raise Refusal(DateErrorReason.PAST)
        minutes, days, _ = quantity
        if days:
            self.out.add_duration(Duration(days=days))
        elif self.lexemes[start + 1].cat is Cat.UNIT_HOUR:
            hours, minute = divmod(minutes, 60)
            self.out.add_clock(_check_clock(Clock(hours, minute)))

    def _oclock(self) -> None:
        lexeme = self.lexemes[self.index]
        if self.cat(1) is Cat.OCLOCK:
            self.index += 2
            self.out.add_clock(_check_clock(Clock(lexeme.value, bare=True)))
        else:
            self.index += 1

    def _for_in(self, lexeme: Lexeme) -> None:
        start = self.index
        quantity = self._quantity(1)
        if quantity is None:
            self.index = start + 1  # `pour la journée`, `dans l'après-midi`
            return
        if self.cat() is Cat.AGO:
            raise Refusal(DateErrorReason.PAST)
        minutes, days, compact = quantity
        if lexeme.cat is Cat.IN:
            if days:
                self.out.add_day(RelativeDay(days))
            else:
                self.out.add_instant(timedelta(minutes=minutes))
        elif days:
            self.out.add_duration(Duration(days=days))
        elif compact is not None and lexeme.lang is Lang.FR and lexeme.cat is Cat.FOR:
            self.out.add_ambiguous_for(compact)
        else:
            self.out.add_duration(Duration(time=timedelta(minutes=minutes)))

    # --- days ----------------------------------------------------------------------------

    def _relative(self, lexeme: Lexeme) -> None:
        if lexeme.value < 0:
            raise Refusal(DateErrorReason.PAST)
        self.index += 1
        offset = lexeme.value
        following = self.at()
        if following is not None and following.cat is Cat.EN_HUIT:
            offset += 7 * following.value  # `demain en huit`
            self.index += 1
        self.out.add_day(RelativeDay(offset))

    def _weekday_abbr(self, lexeme: Lexeme) -> None:
        # `mar 3` is March 3rd, but `mar. 1 déc.` is Tuesday 1 December.
        if lexeme.month_alias and self._day_number(1) is not None and not self._month_at(2):
            self._month_first(lexeme.month_alias)
        elif self.cat(1) in _ABBR_FOLLOWERS or self.cat(-1) in (Cat.NEXT, Cat.THIS, Cat.LAST):
            self._weekday(lexeme)
        else:
            self.index += 1  # `sam` may be Sam

    def _weekday(self, lexeme: Lexeme) -> None:
        if self.cat(-1) is Cat.LAST:
            raise Refusal(DateErrorReason.PAST)
        weekday = lexeme.value
        self.index += 1
        if self.cat() is Cat.DOT:
            self.index += 1
        weeks_later, of_next_week = 0, False
        while (cat := self.cat()) in (Cat.NEXT, Cat.LAST, Cat.EN_HUIT, Cat.NEXT_WEEK):
            following = self.lexemes[self.index]
            self.index += 1
            if cat is Cat.LAST:
                raise Refusal(DateErrorReason.PAST)
            if cat is Cat.EN_HUIT:
                weeks_later += following.value
            of_next_week = of_next_week or cat is Cat.NEXT_WEEK
        if self.cat() is Cat.AND and self.cat(1) is Cat.WEEKDAY:
            self._weekday_pair(weekday)
            return
        if self._attached_date(weekday):
            return
        self.out.add_day(WeekdaySpec(weekday, weeks_later, of_next_week))

    def _weekday_pair(self, first: int) -> None:
        """`samedi et dimanche` is the weekend; two days in a row are a range of days."""
        second = self.lexemes[self.index + 1].value
        self.index += 2
        if (first, second) == (5, 6):
            following = self.cat() is Cat.NEXT
            self.index += following
            self.out.add_day(WeekendSpec(following))
        elif second == (first + 1) % 7:
            self.out.add_day(WeekdaySpec(first))
            self.out.link(_Link.RANGE)
            self.out.add_day(WeekdaySpec(second))
        else:
            raise Refusal(DateErrorReason.TOO_VAGUE)

    def _attached_date(self, weekday: int) -> bool:
        """`samedi 5`, `lundi 1er`: a number right after a weekday is its day of the month.

        Other dates next to a weekday (`samedi 5 décembre`, `saturday the 5th`) are read on
        their own and merged with the weekday by the builder.
        """
        lexeme = self.at()
        if lexeme is None:
            return False
        if lexeme.cat is Cat.NUMBER:
            if lexeme.digits > 2 or lexeme.signed or self._starts_hours(0):
                return False
        elif lexeme.cat is not Cat.ORDINAL:  # `lundi 1er`
            return False
        self.index += 1
        self.out.add_day(replace(self._date_after_day(lexeme.value), weekday=weekday))
        return True

    def _starts_hours(self, offset: int) -> bool:
        """`samedi 9-12`, `samedi 14 heures`: the number after the weekday is an hour."""
        link, target = self.cat(offset + 1), self.cat(offset + 2)
        if link in _QUANTITY_UNITS or link is Cat.OCLOCK:
            return True
        if link in (Cat.DASH, Cat.TO, Cat.UNTIL):
            return target in (Cat.NUMBER, Cat.CLOCK)
        return link is Cat.TO_OR_AT and target is Cat.NUMBER

    def _weekend(self, lexeme: Lexeme) -> None:
        if self.cat(-1) is Cat.LAST:
            raise Refusal(DateErrorReason.PAST)
        following = self.cat(-1) is Cat.NEXT or lexeme.value == 1
        self.index += 1
        if self.cat() is Cat.LAST:
            raise Refusal(DateErrorReason.PAST)
        if self.cat() is Cat.NEXT:
            following = True
            self.index += 1
        self.out.add_day(WeekendSpec(following))

    def _weekend_we(self, lexeme: Lexeme) -> None:
        if self.cat(-1) in (Cat.THIS, Cat.THE, Cat.OPEN_DU, Cat.TO_AU, Cat.UNTIL_AU):
            self._weekend(lexeme)
        else:
            self.index += 1  # the English pronoun

    def _part(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.add_part(DayPart(lexeme.value))

    def _this_part(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.add_day(RelativeDay(0))
        self.out.add_part(DayPart(lexeme.value))

    def _now(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.add_instant(timedelta())

    # --- repetition (section 10) --------------------------------------------------------------

    def _weekday_list(self) -> frozenset[int]:
        """`samedis`, `mardis et jeudis`, `lundi, mercredi et vendredi`, `week-ends`."""
        days: set[int] = set()
        while True:
            cat = self.cat()
            if cat in (Cat.WEEKDAY, Cat.WEEKDAYS, Cat.WEEKDAY_ABBR):
                days.add(self.lexemes[self.index].value)
            elif cat in (Cat.WEEKEND, Cat.WEEKENDS, Cat.WEEKEND_WE):
                days |= _WEEKEND_DAYS
            elif not (days and cat is Cat.AND) and cat is not Cat.THE:
                return frozenset(days)
            self.index += 1

    def _every(self, lexeme: Lexeme) -> None:
        self.index += 1
        cat = self.cat()
        if cat in (Cat.PART, Cat.PARTS):
            self.index += 1
            self.out.repeat(_ALL_DAYS, DayPart(self.lexemes[self.index - 1].value))
        elif cat is Cat.UNIT_DAY:
            self.index += 1
            self.out.repeat(_ALL_DAYS)
        elif days := self._weekday_list():
            self.out.repeat(days)

    def _weekdays(self, lexeme: Lexeme) -> None:
        self.out.repeat(self._weekday_list())

    def _parts(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.repeat(_ALL_DAYS, DayPart(lexeme.value))

    def _every_day(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.repeat(_ALL_DAYS)

    def _workdays(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.repeat(_WORKDAYS)

    def _weekends(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.repeat(_WEEKEND_DAYS)

    def _except(self, lexeme: Lexeme) -> None:
        self.index += 1
        self.out.excluded |= self._weekday_list()

    # --- connectors ------------------------------------------------------------------------

    def _starts_atom(self, offset: int) -> bool:
        lexeme = self.at(offset)
        while lexeme is not None and lexeme.cat in _DETERMINERS:
            offset += 1
            lexeme = self.at(offset)
        if lexeme is None:
            return False
        if lexeme.cat is Cat.NUMBER:
            return lexeme.digits <= 2
        return lexeme.cat in _ATOM_STARTS or lexeme.month_alias > 0

    def _ends_atom(self, offset: int) -> bool:
        lexeme = self.at(offset)
        if lexeme is None or lexeme.cat not in _ATOM_ENDS:
            return False
        # Neither `la 208 - demain` nor `-1 - demain` has a number for the dash to join.
        return lexeme.cat is not Cat.NUMBER or (lexeme.digits <= 2 and not lexeme.signed)

    def _link(self, lexeme: Lexeme) -> None:
        self.index += 1
        if not self._starts_atom(0):
            return
        if lexeme.cat is Cat.DASH and not self._ends_atom(-2):
            return
        self.out.link(_LINKS[lexeme.cat])


_HANDLERS = {
    Cat.NUMBER: _Reader._number,
    Cat.ORDINAL: _Reader._ordinal,
    Cat.NUMWORD: _Reader._numword,
    Cat.ORDWORD: _Reader._ordword,
    Cat.NUMDATE: _Reader._numdate,
    Cat.OTHERDATE: _Reader._otherdate,
    Cat.MONTH: _Reader._month,
    Cat.CLOCK: _Reader._clock,
    Cat.NOON: _Reader._noon,
    Cat.MIDNIGHT: _Reader._midnight,
    Cat.FOR: _Reader._for_in,
    Cat.DURING: _Reader._for_in,
    Cat.IN: _Reader._for_in,
    Cat.REL_DAY: _Reader._relative,
    Cat.WEEKDAY: _Reader._weekday,
    Cat.WEEKDAY_ABBR: _Reader._weekday_abbr,
    Cat.WEEKEND: _Reader._weekend,
    Cat.WEEKEND_WE: _Reader._weekend_we,
    Cat.PART: _Reader._part,
    Cat.THIS_PART: _Reader._this_part,
    Cat.NOW: _Reader._now,
    Cat.EVERY: _Reader._every,
    Cat.WEEKDAYS: _Reader._weekdays,
    Cat.PARTS: _Reader._parts,
    Cat.EVERY_DAY: _Reader._every_day,
    Cat.WORKDAYS: _Reader._workdays,
    Cat.WEEKENDS: _Reader._weekends,
    Cat.EXCEPT: _Reader._except,
}


def read_request(text: str) -> Request:
    """What `text` asks for, not yet placed on the calendar; raises `Refusal`."""
    return _Reader(lex(text)).read()
