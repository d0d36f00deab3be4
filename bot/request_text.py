"""Which car a message names, and what is left to read as a date."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

from bot.booking.names import name_key

_WORD = re.compile(r"\S+")
# Quotes and punctuation people put around a name: «la Clio», "clio," or (208).
_EDGES = "«»\"'“”‘’.,;:!?()[]"


class CarMention(NamedTuple):
    car_key: str | None
    first_word: str | None
    when: str


def find_car(text: str, car_keys: Collection[str]) -> CarMention:
    """The first word that is one of the group's cars; the rest is the date phrase.

    `first_word` is what the member most likely meant as a name when no car matched
    (`/reserver zoe samedi`), so the bot can say « je ne connais pas zoe ».
    """
    words = list(_WORD.finditer(text))
    for match in words:
        key = name_key(match.group().strip(_EDGES))
        if key and key in car_keys:
            when = " ".join((text[: match.start()] + " " + text[match.end() :]).split())
            return CarMention(key, match.group().strip(_EDGES), when)
    first = words[0].group().strip(_EDGES) if words else None
    return CarMention(None, first or None, text.strip())
