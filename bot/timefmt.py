"""Dates and times shown to members, in their language and the group's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _clock(moment: datetime, language: str) -> str:
    # 24-hour clock in both languages: villagers in France read "14:00", never "2:00 PM".
    return format_time(moment, "HH:mm", locale=language)


def _end_clock(start: datetime, end: datetime, language: str) -> str:
    # An end at midnight is shown as 24:00 of the day it closes, as people say it.
    if end.date() > start.date() and end.hour == 0 and end.minute == 0:
        return "24:00"
    return _clock(end, language)


def _format_interval(
    start: datetime, end: datetime, zone: ZoneInfo, language: str, day_pattern: str, comma: str
) -> str:
    start, end = _local(start, zone), _local(end, zone)
    day = format_date(start, day_pattern, locale=language)
    ends_at_midnight = (end.date() - start.date()).days == 1 and end.hour == end.minute == 0
    if end.date() == start.date() or ends_at_midnight:
        return f"{day}{comma} {_clock(start, language)}–{_end_clock(start, end, language)}"
    end_day = format_date(end, day_pattern, locale=language)
    return f"{day}{comma} {_clock(start, language)} – {end_day}{comma} {_clock(end, language)}"


def format_interval_short(start: datetime, end: datetime, zone: ZoneInfo, language: str) -> str:
    """For lists: "sam. 28 nov. 09:00–12:00", or "ven. 4 déc. 18:00 – dim. 6 déc. 20:00"."""
    return _format_interval(start, end, zone, language, "EEE d MMM", "")


def format_interval_long(start: datetime, end: datetime, zone: ZoneInfo, language: str) -> str:
    """For sentences: "samedi 28 novembre, 09:00–12:00"."""
    return _format_interval(start, end, zone, language, "EEEE d MMMM", ",")


def format_moment(moment: datetime, zone: ZoneInfo, language: str) -> str:
    local = _local(moment, zone)
    return f"{format_date(local, 'EEEE d MMMM', locale=language)}, {_clock(local, language)}"
