from __future__ import annotations

import pytest

from bot.callbacks import Callback, Kind, parse_callback


@pytest.mark.parametrize(
    "callback",
    [
        Callback(Kind.ACCEPT, 1),
        Callback(Kind.DECLINE, 987654321, "busy"),
        Callback(Kind.PICK_GROUP, -1001234567890123),
        Callback(Kind.PICK_GROUP, -1001234567890123, "addcar"),
        Callback(Kind.CAR_EDIT, 42, "contribution"),
        Callback(Kind.CAR_REMOVE, 42, "yes"),
        Callback(Kind.FORM, 3, "7"),
        Callback(Kind.FORM, 10, "on_request"),
    ],
)
def test_round_trip_fits_telegram(callback: Callback) -> None:
    data = callback.data()
    assert len(data.encode()) <= 64
    assert parse_callback(data) == callback


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "v0:acc:1",
        "v1:acc:",
        "v1:zzz:1",
        "v1:acc:1:BAD",
        "v1:acc:1:x:y",
        "v1:acc:12345678901234567890",
        "v1:acc:1 ",
        "acc:1",
        "v1:acc:1\n",
    ],
)
def test_anything_else_is_refused(data: str | None) -> None:
    assert parse_callback(data) is None


@pytest.mark.parametrize(
    "target",
    [2**63, -(2**63) - 1, 9_999_999_999_999_999_999],
)
def test_an_id_beyond_sqlite_integers_is_no_button_of_ours(target: int) -> None:
    assert parse_callback(f"v1:acc:{target}") is None


@pytest.mark.parametrize("target", [2**63 - 1, -(2**63)])
def test_the_largest_sqlite_integers_still_parse(target: int) -> None:
    assert parse_callback(f"v1:acc:{target}") == Callback(Kind.ACCEPT, target)
