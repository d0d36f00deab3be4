"""CSV for a group's export: what the admins open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

# What spreadsheets read as a date and time, without seconds nor offset: in the group's own
# time, as every date the bot shows.
LOCAL_TIME = "%Y-%m-%d %H:%M"
# What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    zone: ZoneInfo,
    instants: frozenset[str] = frozenset(),
) -> bytes:
    """UTF-8 with a byte-order mark: spreadsheets then read accented names correctly.
    Columns named in `instants` hold stored ISO-8601 instants, written in `zone`."""
    local = [column in instants for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            _cell(value, is_instant, zone) for value, is_instant in zip(row, local, strict=True)
        )
    return buffer.getvalue().encode("utf-8-sig")


def _cell(value: object, is_instant: bool, zone: ZoneInfo) -> object:
    if value is None:
        return ""
    if is_instant and isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(zone).strftime(LOCAL_TIME)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        # Members write names, descriptions and rules: a spreadsheet would run « =... » as
        # a formula on the secretary's computer. The quote makes it plain text.
        return "'" + value
    return value
