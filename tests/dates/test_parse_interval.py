"""The case table of dates.md, sections 0-9."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dates import DateErrorReason, DateParseError, Interval, parse_interval
from tests.dates.cases import INTERVALS, NOW, REJECTIONS


def _same_instant_and_offset(actual: datetime, expected: str) -> bool:
    wanted = datetime.fromisoformat(expected)
    return actual.astimezone(UTC) == wanted.astimezone(UTC) and (
        actual.utcoffset() == wanted.utcoffset()
    )


@pytest.mark.parametrize(("moment", "phrase", "start", "end"), INTERVALS)
def test_interval(moment: str, phrase: str, start: str, end: str) -> None:
    now = NOW[moment]
    result = parse_interval(phrase, now)
    assert isinstance(result, Interval)
    assert result.start.tzinfo is now.tzinfo
    assert result.end.tzinfo is now.tzinfo
    shown = (result.start.isoformat(), result.end.isoformat())
    assert _same_instant_and_offset(result.start, start), shown
    assert _same_instant_and_offset(result.end, end), shown


@pytest.mark.parametrize(("moment", "phrase", "reason"), REJECTIONS)
def test_rejection(moment: str, phrase: str, reason: DateErrorReason) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_interval(phrase, NOW[moment])
    assert caught.value.reason is reason


def test_table_is_large_and_covers_every_reference_moment() -> None:
    assert len(INTERVALS) + len(REJECTIONS) >= 200
    used = {moment for moment, *_ in INTERVALS} | {moment for moment, *_ in REJECTIONS}
    assert used == set(NOW)


def test_error_carries_reason_text_and_catalog_key() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_interval("  samdi   aprem ", NOW["wed"])
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.reason is DateErrorReason.NO_DATE
    assert error.text == "samdi aprem"
    assert error.message_key == "dates.error.no_date"


def test_long_text_is_shortened_in_the_error() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_interval("blabla " * 100, NOW["wed"])
    assert len(caught.value.text) <= 80
    assert caught.value.text.endswith("…")


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_interval("demain", datetime(2026, 11, 25, 10))


def test_ongoing_start_is_now_itself() -> None:
    now = NOW["wed"].replace(minute=17, second=42, microsecond=5)
    assert parse_interval("aujourd'hui", now).start == now


def test_numeric_date_layouts_go_through_dateparser() -> None:
    # Dotted, dashed and year-first dates are read by dateparser, loaded only for them.
    expected = datetime(2026, 12, 3, 14, tzinfo=NOW["wed"].tzinfo)
    for phrase in ("2026-12-03 14h", "03.12.2026 à 14h", "3-12-26 14h"):
        assert parse_interval(phrase, NOW["wed"]).start == expected
    with pytest.raises(DateParseError) as caught:
        parse_interval("31.02.2026", NOW["wed"])
    assert caught.value.reason is DateErrorReason.IMPOSSIBLE
