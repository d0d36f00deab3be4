from __future__ import annotations

import pytest

from bot.contribution import (
    MAX_PER_DAY_CENTS,
    MAX_PER_KM_CENTS,
    Contribution,
    ContributionProblem,
    format_amount,
    parse_contribution,
)


@pytest.mark.parametrize(
    ("text", "per_km", "per_day"),
    [
        ("0,30 €/km", 30, None),
        ("0.30 / km", 30, None),
        ("0,3€/km", 30, None),
        ("€0.30/km", 30, None),
        ("0,30 EUR/KM", 30, None),
        ("0,30 € le km", 30, None),
        ("0,30 € du kilomètre", 30, None),
        ("30 centimes du km", 30, None),
        ("30 cents per km", 30, None),
        ("10 €/jour", None, 1000),
        ("10 € par jour", None, 1000),
        ("10 euros la journée", None, 1000),
        ("10 € à la journée", None, 1000),
        ("10€/j", None, 1000),
        ("10/day", None, 1000),
        ("€12.50 a day", None, 1250),
        ("0,30 €/km et 10 €/jour", 30, 1000),
        ("0,30 €/km, 10 €/jour", 30, 1000),
        ("10 €/jour et 0,30 €/km", 30, 1000),
        ("0.3/km + 15/day", 30, 1500),
        ("0.30/km and 10/day", 30, 1000),
        ("  0,30 € / km  ", 30, None),
        ("0 €/km", 0, None),
    ],
)
def test_french_and_english_forms_are_read(
    text: str, per_km: int | None, per_day: int | None
) -> None:
    assert parse_contribution(text) == Contribution(per_km, per_day)


@pytest.mark.parametrize("text", ["rien", "Aucune", "gratuit", "none", "0"])
def test_saying_no_contribution_is_an_empty_suggestion(text: str) -> None:
    assert parse_contribution(text) == Contribution()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", ContributionProblem.UNREADABLE),
        ("abc", ContributionProblem.UNREADABLE),
        ("trente centimes", ContributionProblem.UNREADABLE),
        ("0,305 €/km", ContributionProblem.UNREADABLE),
        ("0,5 centime/km", ContributionProblem.UNREADABLE),
        ("10 € par an", ContributionProblem.UNREADABLE),
        ("0,30", ContributionProblem.NO_UNIT),
        ("10 €", ContributionProblem.NO_UNIT),
        ("0,30 €/km et 10 €", ContributionProblem.NO_UNIT),
        ("-0,30 €/km", ContributionProblem.NEGATIVE),
        ("−10 €/jour", ContributionProblem.NEGATIVE),
        ("6 €/km", ContributionProblem.TOO_HIGH_PER_KM),
        ("600 €/jour", ContributionProblem.TOO_HIGH_PER_DAY),
        ("0,30 €/km et 0,40 €/km", ContributionProblem.REPEATED),
    ],
)
def test_what_cannot_be_a_contribution_says_why(text: str, problem: ContributionProblem) -> None:
    assert parse_contribution(text) is problem


def test_the_limits_themselves_are_accepted() -> None:
    assert parse_contribution("5 €/km et 500 €/jour") == Contribution(
        MAX_PER_KM_CENTS, MAX_PER_DAY_CENTS
    )


def test_amounts_are_shown_as_the_reader_writes_money() -> None:
    assert format_amount(30, "fr") == "0,30\xa0€"
    assert format_amount(1000, "en") == "€10.00"
    assert format_amount(123456, "fr") == "1\u202f234,56\xa0€"
