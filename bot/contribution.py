"""The cost contribution an owner suggests: read from what they type, shown in euros.

Owners write it as they would on a note: « 0,30 €/km », « 10 € par jour », "0.30/km and
10/day". Amounts are kept in cents (int) so that sums at return time are exact.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from babel.numbers import format_currency

CURRENCY = "EUR"
# Beyond these, a typo is likelier than a real suggestion (a village's car at 0.30 €/km).
MAX_PER_KM_CENTS = 500
MAX_PER_DAY_CENTS = 50_000


@dataclass(frozen=True, slots=True)
class Contribution:
    """Either amount may be missing; both missing means no suggestion at all."""

    per_km_cents: int | None = None
    per_day_cents: int | None = None


class ContributionProblem(StrEnum):
    """Why a text was not taken; the values name the messages that explain it."""

    UNREADABLE = "unreadable"
    NO_UNIT = "no_unit"
    NEGATIVE = "negative"
    TOO_HIGH_PER_KM = "too_high_per_km"
    TOO_HIGH_PER_DAY = "too_high_per_day"
    REPEATED = "repeated"


# Read after accents are dropped and case folded: « journée » is "journee".
_NONE = frozenset({"0", "non", "rien", "aucune", "aucun", "gratuit", "no", "none", "free"})
_PARTS = re.compile(r"\s*(?:\bet\b|\band\b|\+|;|&|,(?=\s))\s*")
_NUMBER = r"(?P<minus>-)?\s*(?:(?:€|eur|euros?)\s*)?(?P<number>\d+(?:[.,]\d+)?)"
_MONEY = r"(?P<money>€|eur|euros?|centimes?|cents?|cts?)?"
_LINK = r"(?:(?:/|par|per|a|au|le|la|du|de|each)\s*)*"
_KM = r"km|kms|kilometres?|kilometers?"
_DAY = r"jours?|j|journees?|days?|d|24 ?h"
_AMOUNT = re.compile(rf"{_NUMBER}\s*{_MONEY}\s*{_LINK}(?P<unit>{_KM}|{_DAY})\.?")
_BARE_AMOUNT = re.compile(rf"{_NUMBER}\s*{_MONEY}")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    # Phones offer several dashes and apostrophes; one of each is enough here.
    bare = bare.replace("−", "-").replace("–", "-").replace("’", "'")
    return " ".join(bare.split())


def _cents(number: str, money: str | None) -> int | None:
    """None when the number has more precision than a cent."""
    units, _, decimals = number.replace(",", ".").partition(".")
    if money is not None and money.startswith("c"):
        # « 30 centimes du km », "30 cents/km": already cents, and whole.
        return None if decimals else int(units)
    if len(decimals) > 2:
        return None
    return int(units) * 100 + int(decimals.ljust(2, "0"))


def parse_contribution(text: str) -> Contribution | ContributionProblem:
    """The amounts per km and per day in `text`, or what kept it from being read."""
    folded = _folded(text)
    if folded in _NONE:
        return Contribution()
    found: dict[str, int] = {}
    for part in _PARTS.split(folded):
        match = _AMOUNT.fullmatch(part)
        if match is None:
            bare = _BARE_AMOUNT.fullmatch(part)
            return ContributionProblem.NO_UNIT if bare else ContributionProblem.UNREADABLE
        if match["minus"]:
            return ContributionProblem.NEGATIVE
        cents = _cents(match["number"], match["money"])
        if cents is None:
            return ContributionProblem.UNREADABLE
        unit = "km" if re.fullmatch(_KM, match["unit"]) else "day"
        if unit in found:
            return ContributionProblem.REPEATED
        found[unit] = cents
    per_km, per_day = found.get("km"), found.get("day")
    if per_km is not None and per_km > MAX_PER_KM_CENTS:
        return ContributionProblem.TOO_HIGH_PER_KM
    if per_day is not None and per_day > MAX_PER_DAY_CENTS:
        return ContributionProblem.TOO_HIGH_PER_DAY
    return Contribution(per_km, per_day)


def format_amount(cents: int, language: str) -> str:
    """ "0,30 €" in French, "€0.30" in English: as the reader writes money."""
    return format_currency(Decimal(cents).scaleb(-2), CURRENCY, locale=language)
