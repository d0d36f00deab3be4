"""Numeric dates in layouts the grammar leaves to dateparser (`2026-12-03`, `3.12.2026`).

dateparser costs about 150 ms to import and warm up, more than the whole cold budget of the
common path, so it is imported only when such a date actually appears.
"""

from __future__ import annotations


def read_numeric_date(text: str) -> tuple[int, int, int] | None:
    """Day, month and year of a dotted, dashed or year-first date; None if it is no date."""
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["fr", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "STRICT_PARSING": True,
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    return None if parsed is None else (parsed.day, parsed.month, parsed.year)
