"""Owners' availability, dates.md section 10."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.dates import (
    DateErrorReason,
    DateParseError,
    Interval,
    WeeklyRule,
    parse_availability,
)
from tests.dates.cases import NOW, PARIS

MON_FRI = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
SAT, SUN = 5, 6

# (phrase, weekdays, daily start, daily end, last day); all said on `wed` (25 Nov 2026).
RULES: list[tuple[str, frozenset[int], str, str, str | None]] = [
    ("tous les samedis 9h-18h", frozenset({SAT}), "09:00", "18:00", None),
    ("tous les samedis", frozenset({SAT}), "08:00", "20:00", None),
    ("chaque samedi", frozenset({SAT}), "08:00", "20:00", None),
    ("les samedis", frozenset({SAT}), "08:00", "20:00", None),
    ("tous les samedi de 9h à 18h", frozenset({SAT}), "09:00", "18:00", None),
    ("les mardis et jeudis matin", frozenset({1, 3}), "08:00", "12:00", None),
    ("tous les lundis, mercredis et vendredis", frozenset({0, 2, 4}), "08:00", "20:00", None),
    ("en semaine", MON_FRI, "08:00", "20:00", None),
    ("en semaine de 18h à 22h", MON_FRI, "18:00", "22:00", None),
    ("tous les jours", EVERY_DAY, "08:00", "20:00", None),
    ("every saturday", frozenset({SAT}), "08:00", "20:00", None),
    ("every saturday 9am-6pm", frozenset({SAT}), "09:00", "18:00", None),
    ("on weekdays", MON_FRI, "08:00", "20:00", None),
    ("every day", EVERY_DAY, "08:00", "20:00", None),
    ("saturdays and sundays in the afternoon", frozenset({SAT, SUN}), "14:00", "18:00", None),
    ("tous les samedis après 18h", frozenset({SAT}), "18:00", "22:00", None),
    ("every saturday after 6pm", frozenset({SAT}), "18:00", "22:00", None),
    ("tous les jours avant 10h", EVERY_DAY, "08:00", "10:00", None),
    ("before 10am every day", EVERY_DAY, "08:00", "10:00", None),
    ("tous les week-ends", frozenset({SAT, SUN}), "08:00", "20:00", None),
    ("every weekend", frozenset({SAT, SUN}), "08:00", "20:00", None),
    ("tous les samedis et dimanches", frozenset({SAT, SUN}), "08:00", "20:00", None),
    ("tous les soirs", EVERY_DAY, "18:00", "22:00", None),
    ("chaque samedi à 14h", frozenset({SAT}), "14:00", "16:00", None),
    ("tous les jours sauf le dimanche", frozenset(range(6)), "08:00", "20:00", None),
    ("tous les samedis de 20h à minuit", frozenset({SAT}), "20:00", "00:00", None),
    ("tous les samedis jusqu'à 18h", frozenset({SAT}), "08:00", "18:00", None),
    ("tous les samedis jusqu'au 20 décembre", frozenset({SAT}), "08:00", "20:00", "2026-12-20"),
    ("every saturday until December 20", frozenset({SAT}), "08:00", "20:00", "2026-12-20"),
    ("clio tous les samedis 9h-18h jusqu'au 20/12",
     frozenset({SAT}), "09:00", "18:00", "2026-12-20"),
    # No year: the next 20 November, as for any date (section 7).
    ("tous les samedis jusqu'au 20 novembre", frozenset({SAT}), "08:00", "20:00", "2027-11-20"),
]  # fmt: skip

WEEKLY_REJECTIONS: list[tuple[str, DateErrorReason]] = [
    ("tous les samedis de 18h à 9h", DateErrorReason.END_BEFORE_START),
    ("tous les samedis jusqu'au 20/11/2026", DateErrorReason.PAST),
    ("tous les samedis jusqu'au 31 février", DateErrorReason.IMPOSSIBLE),
    ("tous les samedis 25h", DateErrorReason.IMPOSSIBLE),
    ("tous les samedis 23h pour 4 heures", DateErrorReason.END_BEFORE_START),
    ("tous les samedis la semaine prochaine", DateErrorReason.TOO_VAGUE),
    ("tous les samedis sauf le samedi", DateErrorReason.TOO_VAGUE),
    ("tous les samedis à partir du 5 décembre", DateErrorReason.TOO_VAGUE),
]


@pytest.mark.parametrize(("phrase", "weekdays", "start", "end", "last_day"), RULES)
def test_weekly_rule(
    phrase: str, weekdays: frozenset[int], start: str, end: str, last_day: str | None
) -> None:
    rule = parse_availability(phrase, NOW["wed"])
    assert isinstance(rule, WeeklyRule)
    assert rule.weekdays == weekdays
    assert (rule.start, rule.end) == (time.fromisoformat(start), time.fromisoformat(end))
    assert rule.last_day == (None if last_day is None else date.fromisoformat(last_day))
    assert rule.zone is PARIS


@pytest.mark.parametrize(("phrase", "reason"), WEEKLY_REJECTIONS)
def test_weekly_rejection(phrase: str, reason: DateErrorReason) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_availability(phrase, NOW["wed"])
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("samedi 9h-18h", "2026-11-28T09:00+01:00", "2026-11-28T18:00+01:00"),
        ("du 3 au 10 décembre", "2026-12-03T08:00+01:00", "2026-12-10T20:00+01:00"),
        ("le samedi", "2026-11-28T08:00+01:00", "2026-11-28T20:00+01:00"),
    ],
)
def test_one_time_availability_is_an_interval(phrase: str, start: str, end: str) -> None:
    result = parse_availability(phrase, NOW["wed"])
    assert result == Interval(datetime.fromisoformat(start), datetime.fromisoformat(end))


def _offsets(intervals: list[Interval]) -> list[tuple[str, str]]:
    return [(occ.start.isoformat(), occ.end.isoformat()) for occ in intervals]


def test_occurrences_keep_the_wall_clock_across_spring_dst() -> None:
    rule = parse_availability("tous les samedis et dimanches 9h-12h", NOW["fri_spring"])
    assert isinstance(rule, WeeklyRule)
    now = NOW["fri_spring"]
    assert _offsets(rule.occurrences(now, now + timedelta(days=3))) == [
        ("2027-03-27T09:00:00+01:00", "2027-03-27T12:00:00+01:00"),
        ("2027-03-28T09:00:00+02:00", "2027-03-28T12:00:00+02:00"),
    ]


def test_occurrences_across_autumn_dst_and_last_day() -> None:
    phrase = "tous les dimanches de 1h à 4h jusqu'au 1er novembre"
    rule = parse_availability(phrase, NOW["thu_autumn"])
    assert isinstance(rule, WeeklyRule)
    now = NOW["thu_autumn"]
    assert _offsets(rule.occurrences(now, now + timedelta(days=30))) == [
        ("2026-10-25T01:00:00+02:00", "2026-10-25T04:00:00+01:00"),
        ("2026-11-01T01:00:00+01:00", "2026-11-01T04:00:00+01:00"),
    ]


def test_occurrences_overlapping_the_window_edges_are_listed() -> None:
    rule = parse_availability("tous les jours de 20h à minuit", NOW["wed"])
    assert isinstance(rule, WeeklyRule)
    window_start = NOW["wed"].replace(hour=23)
    window_end = window_start + timedelta(hours=22)  # Thursday 21:00
    assert _offsets(rule.occurrences(window_start, window_end)) == [
        ("2026-11-25T20:00:00+01:00", "2026-11-26T00:00:00+01:00"),
        ("2026-11-26T20:00:00+01:00", "2026-11-27T00:00:00+01:00"),
    ]


def test_occurrences_take_instants_in_any_zone() -> None:
    rule = WeeklyRule(frozenset({SAT}), time(9), time(12), None, PARIS)
    window_start = datetime.fromisoformat("2026-11-27T23:00+00:00")  # Sat 00:00 in Paris
    window_end = datetime.fromisoformat("2026-11-28T09:30+00:00")
    assert _offsets(rule.occurrences(window_start, window_end)) == [
        ("2026-11-28T09:00:00+01:00", "2026-11-28T12:00:00+01:00"),
    ]
