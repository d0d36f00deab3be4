from __future__ import annotations

import pytest

from bot.request_text import find_car

CARS = {"clio", "208", "kangoo-mairie", "zoe"}


@pytest.mark.parametrize(
    ("text", "car", "when"),
    [
        ("clio samedi 10h-12h", "clio", "samedi 10h-12h"),
        ("la Clio demain matin", "clio", "la demain matin"),
        ("je voudrais la ZOÉ samedi", "zoe", "je voudrais la samedi"),
        ("«clio» demain", "clio", "demain"),
        ("la 208, demain 14h", "208", "la demain 14h"),
        ("kangoo-mairie du 3 au 5 décembre", "kangoo-mairie", "du 3 au 5 décembre"),
    ],
)
def test_finds_the_car_and_leaves_the_date(text: str, car: str, when: str) -> None:
    found = find_car(text, CARS)
    assert found.car_key == car
    assert found.when == when


def test_unknown_car_reports_the_first_word() -> None:
    found = find_car("twingo samedi", CARS)
    assert found.car_key is None
    assert found.first_word == "twingo"
    assert found.when == "twingo samedi"


def test_empty_text() -> None:
    assert find_car("   ", CARS) == (None, None, "")
