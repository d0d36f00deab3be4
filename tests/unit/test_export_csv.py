"""The CSV an admin opens in a spreadsheet: times in the group's zone, no formula runs."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from bot.export import to_csv


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_instants_in_the_group_s_time_and_text_never_a_formula() -> None:
    data = to_csv(
        ["id", "name", "start_at", "rules"],
        [
            (1, '=HYPERLINK("http://x")', "2026-11-28T09:00:00+00:00", "-pas de chien"),
            (2, "Clio", None, "@tous"),
            (-3, "Twingo", "2026-07-01T09:00:00+00:00", "Rendre propre"),
        ],
        ZoneInfo("Europe/Paris"),
        frozenset({"start_at"}),
    )
    assert _rows(data) == [
        ["id", "name", "start_at", "rules"],
        ["1", '\'=HYPERLINK("http://x")', "2026-11-28 10:00", "'-pas de chien"],
        ["2", "Clio", "", "'@tous"],
        ["-3", "Twingo", "2026-07-01 11:00", "Rendre propre"],
    ]
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: spreadsheets read the accents
