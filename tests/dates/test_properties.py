"""Whatever a member types, the answer is a sane interval or a `DateParseError`."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import (
    DateErrorReason,
    DateParseError,
    Interval,
    WeeklyRule,
    parse_availability,
    parse_interval,
)
from bot.dates.lexicon import WORDS
from tests.dates.cases import NOW, PARIS

_PIECES = [
    *sorted(" ".join(words) for words in WORDS),
    "14h", "9h30", "25h", "2pm", "10am", "14:30", "3/12", "31/02", "03/12/2026", "1er", "3rd",
    "-", "–", "'", ".", ",", "0", "3", "12", "24", "31", "208", "2026", "99999999999999",
    "à", "après-midi", "week-end", "jusqu'à", "aujourd'hui", "2026-12-03", "3.12.26",
]  # fmt: skip

moments = st.one_of(
    st.sampled_from(sorted(NOW.values())),
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2090, 12, 31),
        timezones=st.just(PARIS),
        allow_imaginary=False,
    ),
)
texts = st.one_of(
    st.text(max_size=2000),
    st.lists(st.sampled_from(_PIECES), max_size=30).map(" ".join),
    st.lists(st.sampled_from(_PIECES), max_size=12).map("".join),
)


def _check_interval(result: Interval, now: datetime) -> None:
    start, end = result.start.astimezone(UTC), result.end.astimezone(UTC)
    moment = now.astimezone(UTC)
    assert start < end
    assert start >= moment - timedelta(minutes=1)
    assert start <= moment + timedelta(days=400)
    assert result.start.tzinfo is PARIS
    assert result.end.tzinfo is PARIS


def _check_rule(rule: WeeklyRule, now: datetime) -> None:
    assert rule.weekdays
    assert rule.weekdays <= frozenset(range(7))
    assert rule.end == datetime.min.time() or rule.start < rule.end
    for occurrence in rule.occurrences(now, now + timedelta(days=14)):
        assert occurrence.start.astimezone(UTC) < occurrence.end.astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(text=texts, now=moments)
def test_parse_interval_gives_a_sane_interval_or_a_reason(text: str, now: datetime) -> None:
    try:
        result = parse_interval(text, now)
    except DateParseError as error:
        reason = error.reason
    else:
        _check_interval(result, now)
        return
    assert reason in set(DateErrorReason)


@settings(max_examples=300, deadline=None)
@given(text=texts, now=moments)
def test_parse_availability_gives_an_interval_a_rule_or_a_reason(text: str, now: datetime) -> None:
    try:
        result = parse_availability(text, now)
    except DateParseError as error:
        reason = error.reason
    else:
        if isinstance(result, WeeklyRule):
            _check_rule(result, now)
        else:
            _check_interval(result, now)
        return
    assert reason in set(DateErrorReason)


def _ten_kilobytes(piece: str) -> str:
    return (piece * (10_000 // len(piece) + 1))[:10_000]


_HOSTILE_PIECES = (
    "1", "14h-", "de ", "a", "1/", "1-", "1.", "samedi ", "du 3 au ", "tous les ", "dans ",
    "é", " ", "14 h ", "jusqu'à ", "\u0301", "apres-", "0", "le 3 ", "et ", "2-5pm ",
    "pour 3h ", "mar 3 ", "demain 14h - ", "sept ", "12/", "samdi ",
)  # fmt: skip
_ADVERSARIAL = [
    *(_ten_kilobytes(piece) for piece in _HOSTILE_PIECES),
    "9" + "0" * 9_998 + "h",
]


def test_ten_kilobytes_of_hostile_text_is_quick() -> None:
    for text in _ADVERSARIAL:
        assert len(text) == 10_000
        began = time.perf_counter()
        for parse in (parse_interval, parse_availability):
            with contextlib.suppress(DateParseError):
                parse(text, NOW["wed"])
        assert time.perf_counter() - began < 1.0, text[:20]
