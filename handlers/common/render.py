"""Small pieces of text shared by the booking features: names, dates, lists."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from babel.dates import get_day_names
from babel.lists import format_list

from bot.dates import Interval, WeeklyRule
from bot.i18n import Phrase
from bot.timefmt import format_interval_long, format_interval_short, format_moment
from handlers.common.context import CovoisinContext
from handlers.common.speech import Speaker
from storage.models import Window
from storage.privacy import FORMER_MEMBER_ID


def when_long(say: Speaker, start: datetime, end: datetime) -> str:
    return format_interval_long(start, end, say.zone, say.language)


def when_short(say: Speaker, start: datetime, end: datetime) -> str:
    return format_interval_short(start, end, say.zone, say.language)


def moment(say: Speaker, instant: datetime) -> str:
    return format_moment(instant, say.zone, say.language)


def intervals_short(say: Speaker, intervals: Iterable[Interval]) -> str:
    return format_list([when_short(say, i.start, i.end) for i in intervals], locale=say.language)


def duration(say: Speaker, span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60:
        return say.plural("booking.limit.minutes", minutes)
    hours = minutes // 60
    if hours % 24 == 0 and hours >= 24:
        return say.plural("booking.limit.days", hours // 24)
    return say.plural("booking.limit.hours", hours)


def weekly(say: Speaker, rule: WeeklyRule | Window) -> str:
    """ "chaque mardi et jeudi, 08:00–12:00" from a parsed rule or a stored one."""
    names = get_day_names("wide", locale=say.language)
    days = format_list([names[day] for day in sorted(rule.weekdays)], locale=say.language)
    if isinstance(rule, WeeklyRule):
        start, end, last = rule.start.strftime("%H:%M"), rule.end.strftime("%H:%M"), rule.last_day
    else:
        assert rule.start_minute is not None and rule.end_minute is not None
        start = "{:02d}:{:02d}".format(*divmod(rule.start_minute, 60))
        end = "{:02d}:{:02d}".format(*divmod(rule.end_minute, 60))
        last = rule.last_day
    end = "24:00" if end == "00:00" else end
    if last is None:
        return say("availability.weekly", days=days, start=start, end=end)
    from babel.dates import format_date

    last_text = format_date(last, "d MMMM", locale=say.language)
    return say("availability.weekly_until", days=days, start=start, end=end, last=last_text)


async def first_name(context: CovoisinContext, user_id: int) -> str:
    if user_id == FORMER_MEMBER_ID:
        # Someone forgotten (/oublier): « ancien membre », in each reader's language.
        return Phrase("privacy.former_member")
    user = await context.services.repos.users.get(user_id)
    return user.first_name if user else "?"


def car_title(name: str) -> str:
    """The name as a word in a sentence: « la Clio », « la 208-bleue »."""
    return name[:1].upper() + name[1:]


# Telegram refuses a message longer than this (in characters once entities are parsed; the
# HTML of a line is a little longer, so lines are measured as sent, which is safe).
MESSAGE_LIMIT = 4096


def in_messages(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """The lines joined into as few messages as fit, a line cut only if it alone is longer
    than a message."""
    pieces = [line[i : i + limit] for line in lines for i in range(0, max(len(line), 1), limit)]
    messages: list[str] = []
    current: str | None = None
    for piece in pieces:
        if current is not None and len(current) + 1 + len(piece) <= limit:
            current += "\n" + piece
            continue
        if current is not None:
            messages.append(current)
        current = piece
    if current is not None:
        messages.append(current)
    return messages
