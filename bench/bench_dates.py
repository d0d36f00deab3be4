"""Benchmark: `parse_interval` beside raw dateparser on the dates case table.

Run from the repository root:

    .venv/bin/python -m bench.bench_dates

Both sides see the same phrases, reference moments and machine, in the same run:

* accuracy: an interval row is right when start and end are the expected instants; a rejection
  row is right when `parse_interval` refuses with the expected reason, or when dateparser finds
  nothing. dateparser is given its best straightforward use: ranges split by hand, each end parsed
  with languages fr/en, future preference, day-month order, and two hours when no end is found.
* cold: importing the library and the first call, in a fresh interpreter (median of 5); the
  whole process, interpreter start-up included, is shown beside it.
* warm: one call per phrase, repeated; median and 95th percentile of single calls. For
  dateparser this is exactly `dateparser.parse(text, languages=["fr", "en"], settings=...)`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import dateparser

from bot.dates import DateParseError, parse_interval
from tests.dates.cases import INTERVALS, NOW, REJECTIONS

_ROUNDS = 7
_COLD_RUNS = 5
_TWO_HOURS = timedelta(hours=2)

# What a careful integrator would do by hand before calling dateparser: cut the range apart
# at its connector and drop the words that open it.
_RANGE_LINK = re.compile(
    r"\s+(?:à|a|au|to|until|till|jusqu'à|jusqu’à|et|and)\s+|\s+[-–]\s+|(?<=[\dhm])[-–](?=\d)",
    re.IGNORECASE,
)
_RANGE_OPENER = re.compile(r"\b(?:de|du|from|entre|between)\b", re.IGNORECASE)

_COLD_OURS = """
import time
began = time.perf_counter()
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.dates import parse_interval
parse_interval({phrase!r}, datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Europe/Paris")))
print((time.perf_counter() - began) * 1000)
"""
_COLD_DATEPARSER = """
import time
began = time.perf_counter()
from datetime import datetime
import dateparser
dateparser.parse({phrase!r}, languages=["fr", "en"], settings={{
    "RELATIVE_BASE": datetime(2026, 11, 25, 10),
    "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY",
    "TIMEZONE": "Europe/Paris", "RETURN_AS_TIMEZONE_AWARE": True}})
print((time.perf_counter() - began) * 1000)
"""


def _settings(now: datetime) -> dict[str, Any]:
    # dateparser wants a naive wall-clock base with TIMEZONE: an aware one makes it return
    # None for every bare time (`6pm`).
    return {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "TIMEZONE": "Europe/Paris",
        "RETURN_AS_TIMEZONE_AWARE": True,
    }


def _raw(text: str, settings: dict[str, Any]) -> datetime | None:
    return dateparser.parse(text, languages=["fr", "en"], settings=settings)


def _dateparser_interval(text: str, now: datetime) -> tuple[datetime, datetime] | None:
    """Start and end as dateparser reads them; the end is read from the start, for its day."""
    pieces = _RANGE_LINK.split(text, maxsplit=1)
    if len(pieces) == 2:
        start = _raw(_RANGE_OPENER.sub(" ", pieces[0]), _settings(now))
        if start is not None:
            end = _raw(pieces[1], _settings(start))
            if end is not None:
                return start, end
    start = _raw(text, _settings(now))
    return None if start is None else (start, start + _TWO_HOURS)


def _same(actual: datetime, expected: str) -> bool:
    return actual.astimezone(UTC) == datetime.fromisoformat(expected).astimezone(UTC)


def _accuracy() -> tuple[int, int, int]:
    ours = theirs = 0
    for moment, phrase, start, end in INTERVALS:
        now = NOW[moment]
        try:
            found = parse_interval(phrase, now)
            ours += _same(found.start, start) and _same(found.end, end)
        except DateParseError:
            pass
        guess = _dateparser_interval(phrase, now)
        theirs += guess is not None and _same(guess[0], start) and _same(guess[1], end)
    for moment, phrase, reason in REJECTIONS:
        now = NOW[moment]
        try:
            parse_interval(phrase, now)
        except DateParseError as error:
            ours += error.reason is reason
        theirs += _dateparser_interval(phrase, now) is None
    return ours, theirs, len(INTERVALS) + len(REJECTIONS)


def _cold(template: str, phrase: str) -> tuple[float, float]:
    """Median import-plus-first-call time inside the process, and of the whole process."""
    inside, whole = [], []
    for _ in range(_COLD_RUNS):
        began = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", template.format(phrase=phrase)],
            capture_output=True,
            text=True,
            check=True,
            cwd=os.getcwd(),
        )
        whole.append((time.perf_counter() - began) * 1000)
        inside.append(float(completed.stdout))
    return statistics.median(inside), statistics.median(whole)


def _warm() -> tuple[list[float], list[float]]:
    phrases = [(phrase, NOW[moment]) for moment, phrase, *_ in INTERVALS + REJECTIONS]
    settings = {id(now): _settings(now) for _, now in phrases}
    ours: list[float] = []
    theirs: list[float] = []
    for phrase, now in phrases:  # warm-up: caches, lazily loaded data
        _parse_quietly(phrase, now)
        _raw(phrase, settings[id(now)])
    gc.collect()
    gc.disable()
    try:
        for _ in range(_ROUNDS):
            for phrase, now in phrases:
                began = time.perf_counter_ns()
                _parse_quietly(phrase, now)
                ours.append((time.perf_counter_ns() - began) / 1e6)
                began = time.perf_counter_ns()
                _raw(phrase, settings[id(now)])
                theirs.append((time.perf_counter_ns() - began) / 1e6)
    finally:
        gc.enable()
    return ours, theirs


def _parse_quietly(phrase: str, now: datetime) -> None:
    with contextlib.suppress(DateParseError):
        parse_interval(phrase, now)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    total = len(INTERVALS) + len(REJECTIONS)
    print(
        f"Covoisin dates benchmark: {total} phrases from tests/dates/cases.py "
        f"({len(INTERVALS)} intervals, {len(REJECTIONS)} rejections)"
    )
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    ours_right, theirs_right, _ = _accuracy()
    cold_ours = _cold(_COLD_OURS, "demain 14h")
    cold_fallback = _cold(_COLD_OURS, "03.12.2026 à 14h")
    cold_theirs = _cold(_COLD_DATEPARSER, "demain 14h")
    ours, theirs = _warm()
    rows = [
        (
            "accuracy (exact)",
            f"{ours_right}/{total} {100 * ours_right / total:.1f}%",
            f"{theirs_right}/{total} {100 * theirs_right / total:.1f}%",
        ),
        ("cold: import + first call", f"{cold_ours[0]:.1f} ms", f"{cold_theirs[0]:.1f} ms"),
        ("cold: whole python process", f"{cold_ours[1]:.1f} ms", f"{cold_theirs[1]:.1f} ms"),
        ("warm median per phrase", f"{_median(ours):.3f} ms", f"{_median(theirs):.3f} ms"),
        ("warm p95 per phrase", f"{_p95(ours):.3f} ms", f"{_p95(theirs):.3f} ms"),
    ]
    print()
    print(f"{'':28}{'parse_interval':>18}{'dateparser.parse':>20}")
    for label, mine, raw in rows:
        print(f"{label:28}{mine:>18}{raw:>20}")
    print()
    print(
        f"parse_interval cold when the phrase needs dateparser (`03.12.2026 à 14h`): "
        f"{cold_fallback[0]:.1f} ms"
    )
    checks = [
        ("warm median <= dateparser", _median(ours) <= _median(theirs)),
        ("warm p95 < 2 ms", _p95(ours) < 2.0),
        ("cold < 300 ms", cold_ours[0] < 300.0),
    ]
    print("targets: " + ", ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks))


if __name__ == "__main__":
    main()
