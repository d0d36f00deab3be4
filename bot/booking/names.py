"""Car names: short words members type in commands (`/reserver clio demain`)."""

from __future__ import annotations

import unicodedata

NAME_MAX_LENGTH = 20


def name_key(name: str) -> str:
    """What names are matched on: `Clio`, `clio` and `CLÏO` are the same car.

    Accents are dropped after compatibility decomposition (`é` → `e` + accent) and case is
    folded, because members type names on phones, with or without accents and capitals.
    """
    decomposed = unicodedata.normalize("NFKD", name.strip())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare.casefold())


def is_valid_name(name: str) -> bool:
    """1 to 20 letters, digits and inner dashes (`clio`, `208`, `kangoo-mairie`).

    Dashes only inside, so the name reads as one word after a command; no spaces, since a
    command's next words are the date.
    """
    if not 1 <= len(name) <= NAME_MAX_LENGTH or name.startswith("-") or name.endswith("-"):
        return False
    return all(char == "-" or char.isalpha() or char in "0123456789" for char in name)
