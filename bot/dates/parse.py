"""The two entry points: a booking's interval, and an owner's availability."""

from __future__ import annotations

from datetime import datetime

from bot.dates.errors import DateErrorReason, DateParseError, Refusal
from bot.dates.grammar import read_request
from bot.dates.resolve import Interval, resolve_interval
from bot.dates.weekly import WeeklyRule, resolve_weekly


def parse_interval(text: str, now: datetime) -> Interval:
    """The one interval `text` names, received at `now` (aware, in the group's zone).

    A repeating phrase (`tous les samedis`) is refused with `DateErrorReason.RECURRING`:
    a booking is one stretch of time; repetition belongs to `parse_availability`.
    """
    try:
        request = read_request(text)
        if request.weekdays:
            raise Refusal(DateErrorReason.RECURRING)
        return resolve_interval(request, now)
    except Refusal as refusal:
        raise DateParseError(refusal.reason, text) from None


def parse_availability(text: str, now: datetime) -> Interval | WeeklyRule:
    """An owner's `/dispo` or `/indispo`: one interval, or a weekly rule when it says so."""
    try:
        request = read_request(text)
        if request.weekdays:
            return resolve_weekly(request, now)
        return resolve_interval(request, now)
    except Refusal as refusal:
        raise DateParseError(refusal.reason, text) from None
