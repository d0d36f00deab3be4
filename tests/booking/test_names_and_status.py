"""Car names and the booking status diagram."""

from __future__ import annotations

import pytest

from bot.booking import BookingStatus, can_move, is_valid_name, name_key
from bot.booking.status import TRANSITIONS


@pytest.mark.parametrize("name", ["clio", "Clio", "208", "kangoo-mairie", "Zoé", "a", "x" * 20])
def test_valid_names(name: str) -> None:
    assert is_valid_name(name)


@pytest.mark.parametrize(
    "name", ["", "x" * 21, "la clio", "-clio", "clio-", "clio!", "c_lio", "clio\n", "🚗"]
)
def test_invalid_names(name: str) -> None:
    assert not is_valid_name(name)


@pytest.mark.parametrize("typed", ["clio", "CLIO", "Clïo", "clío", " Clio "])
def test_names_match_without_case_or_accents(typed: str) -> None:
    assert name_key(typed) == "clio"


def test_name_key_keeps_dashes_and_digits() -> None:
    assert name_key("Kangoo-Mairie-2") == "kangoo-mairie-2"
    assert name_key("Zoé") == name_key("ZOE") == "zoe"


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (BookingStatus.PENDING, BookingStatus.ACCEPTED),
        (BookingStatus.PENDING, BookingStatus.DECLINED),
        (BookingStatus.PENDING, BookingStatus.EXPIRED),
        (BookingStatus.PENDING, BookingStatus.CANCELLED),
        (BookingStatus.ACCEPTED, BookingStatus.ACTIVE),
        (BookingStatus.ACCEPTED, BookingStatus.CANCELLED),
        (BookingStatus.ACCEPTED, BookingStatus.NO_SHOW),
        (BookingStatus.ACTIVE, BookingStatus.RETURNED),
        (BookingStatus.RETURNED, BookingStatus.CLOSED),
    ],
)
def test_the_diagram_moves(current: BookingStatus, target: BookingStatus) -> None:
    assert can_move(current, target)


def test_nothing_else_moves() -> None:
    allowed = sum(len(targets) for targets in TRANSITIONS.values())
    assert allowed == 9
    assert set(TRANSITIONS) == set(BookingStatus)
    for final in ("declined", "expired", "cancelled", "closed", "no_show"):
        assert not TRANSITIONS[BookingStatus(final)]
    assert not can_move(BookingStatus.ACTIVE, BookingStatus.CANCELLED)  # picked up
    assert not can_move(BookingStatus.DECLINED, BookingStatus.ACCEPTED)
