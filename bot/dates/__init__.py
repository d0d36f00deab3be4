"""Natural-language booking times in French and English (docs/dates.md).

Domain code: it knows nothing of Telegram or storage.
"""

from bot.dates.errors import DateErrorReason, DateParseError
from bot.dates.parse import parse_availability, parse_interval
from bot.dates.resolve import Interval
from bot.dates.weekly import WeeklyRule

__all__ = [
    "DateErrorReason",
    "DateParseError",
    "Interval",
    "WeeklyRule",
    "parse_availability",
    "parse_interval",
]
