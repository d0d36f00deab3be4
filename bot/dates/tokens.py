"""From a member's message to a flat list of lexemes: numbers, clock times, dates and words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.dates.lexicon import MAX_PHRASE, TYPO_TARGETS, WORDS, Cat, Lang


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day as written; read into minutes later, when the day part is known."""

    hour: int
    minute: int = 0
    meridiem: str = ""  # "am", "pm" or ""
    # No `h` and no am/pm (`2 to 5`, `2:30`): in an English message 1-7 means the afternoon.
    bare: bool = False
    # A plain number (`9` in `de 9 à 12`): in a range of dates it is a day of the month instead.
    number_only: bool = False


@dataclass(frozen=True, slots=True)
class Lexeme:
    cat: Cat
    value: int = 0
    lang: Lang = Lang.NONE
    month_alias: int = 0
    digits: int = 0  # NUMBER: how many digits were written (`la 208` is no hour)
    # NUMBER: a `-` or `+` touches its digits (`-1`, `+3`); unless that dash links a range
    # (`9 -12`), the number is a signed quantity, never an hour or a day.
    signed: bool = False
    clock: Clock | None = None
    date: tuple[int, int, int | None] | None = None  # NUMDATE: day, month, year
    text: str = ""  # OTHERDATE: handed to dateparser


_PUNCTUATION = str.maketrans(
    {
        "'": " ",
        "\u2019": " ",
        "\u2018": " ",
        "`": " ",
        "\u00b4": " ",
        "\u02bc": " ",
        "_": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2192": "-",
    }
)
_DOTTED_MERIDIEM = re.compile(r"([0-9] ?[ap])\.m\b\.?")
_ISO_TIME_SEPARATOR = re.compile(r"(?<=[0-9])t(?=[0-9])")  # 2026-12-03T14:00

# Every alternative is bounded or a plain run, and each is tried once per position: lexing
# stays linear however hostile the text.
_TOKEN = re.compile(
    r"(?P<slash>(?P<sd>[0-9]{1,2})/(?P<sm>[0-9]{1,2})(?:/(?P<sy>[0-9]{1,4}))?)(?![0-9a-z/])"
    r"|(?P<other>[0-9]{1,4}[.-][0-9]{1,2}[.-][0-9]{1,4}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2})"
    r"(?![0-9a-z])"
    r"|(?P<mer>(?P<mh>[0-9]{1,2})(?:[:h.](?P<mm>[0-9]{2}))? ?(?P<ap>[ap])m)(?![0-9a-z])"
    r"|(?P<hclock>(?P<hh>[0-9]{1,2}) ?h(?:rs?)? ?(?P<hm>[0-9]{2})?)(?![0-9a-z])"
    r"|(?P<colon>(?P<ch>[0-9]{1,2}):(?P<cm>[0-9]{2}))(?![0-9a-z])"
    r"|(?P<ord>(?P<on>[0-9]{1,2})(?:ere|er|re|eme|e|st|nd|rd|th))(?![0-9a-z])"
    r"|(?P<num>[0-9]+)(?![0-9a-z])"
    r"|(?P<word>[a-z0-9]+)"
    r"|(?P<dash>-)"
    r"|(?P<dot>\.)"
)

# Longer digit runs are phone numbers or references, never dates; int() of a huge run is slow.
_MAX_DIGITS = 6
# A tuple, not "-+": at the start of the text the character before is "", which `in "-+"` finds.
_SIGNS = ("-", "+")


def normalize(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe and dash, single spaces."""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _DOTTED_MERIDIEM.sub(r"\1m", folded.translate(_PUNCTUATION))
    folded = _ISO_TIME_SEPARATOR.sub(" ", folded)
    return " ".join(folded.split())


def _year(digits: str | None) -> int | None:
    if digits is None:
        return None
    if len(digits) == 2:
        return 2000 + int(digits)
    # A one- or three-digit year is a typo; -1 makes the date impossible.
    return int(digits) if len(digits) == 4 else -1


def _raw_tokens(text: str) -> list[Lexeme | str]:
    """Lexemes for everything but words, which stay strings for phrase matching."""
    tokens: list[Lexeme | str] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            tokens.append(match.group())
        elif kind == "num":
            digits = match.group()
            value = int(digits) if len(digits) <= _MAX_DIGITS else -1
            signed = text[match.start() - 1 : match.start()] in _SIGNS
            tokens.append(Lexeme(Cat.NUMBER, value, digits=len(digits), signed=signed))
        elif kind == "hclock":
            minute = match.group("hm")
            clock = Clock(int(match.group("hh")), int(minute) if minute else 0)
            tokens.append(Lexeme(Cat.CLOCK, clock=clock))
        elif kind == "mer":
            minute = match.group("mm")
            clock = Clock(int(match.group("mh")), int(minute) if minute else 0, match["ap"] + "m")
            tokens.append(Lexeme(Cat.CLOCK, clock=clock))
        elif kind == "colon":
            clock = Clock(int(match.group("ch")), int(match.group("cm")), bare=True)
            tokens.append(Lexeme(Cat.CLOCK, clock=clock))
        elif kind == "ord":
            tokens.append(Lexeme(Cat.ORDINAL, int(match.group("on"))))
        elif kind == "slash":
            date = (int(match.group("sd")), int(match.group("sm")), _year(match.group("sy")))
            tokens.append(Lexeme(Cat.NUMDATE, date=date))
        elif kind == "other":
            tokens.append(Lexeme(Cat.OTHERDATE, text=match.group()))
        elif kind == "dash":
            tokens.append(Lexeme(Cat.DASH))
        else:
            tokens.append(Lexeme(Cat.DOT))
    return tokens


def _phrase_at(tokens: list[Lexeme | str], start: int) -> tuple[Lexeme, int]:
    """The longest known phrase starting at `start` (a word), and the index after it."""
    words: list[str] = []
    ends: list[int] = []
    index = start
    while len(words) < MAX_PHRASE and index < len(tokens):
        token = tokens[index]
        # `apres-midi`, `week-end`: a dash between two words may sit inside a phrase.
        if isinstance(token, Lexeme):
            if token.cat is not Cat.DASH or index + 1 >= len(tokens):
                break
            index += 1
            token = tokens[index]
            if isinstance(token, Lexeme):
                break
        words.append(token)
        index += 1
        ends.append(index)
    for length in range(len(words), 0, -1):
        entry = WORDS.get(tuple(words[:length]))
        if entry is not None:
            lexeme = Lexeme(entry.cat, entry.value, entry.lang, entry.month_alias)
            return lexeme, ends[length - 1]
    word = words[0]
    targets = TYPO_TARGETS.get(word[0], ()) if len(word) >= 4 else ()
    if any(_one_typo_away(word, target) for target in targets):
        return Lexeme(Cat.TYPO), start + 1
    return Lexeme(Cat.FILLER), start + 1


def _one_typo_away(word: str, target: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return False
    shorter, longer = sorted((word, target), key=len)
    first = next(
        (index for index, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b),
        len(shorter),
    )
    if len(word) != len(target):
        return shorter[first:] == longer[first + 1 :]
    swapped = word[:first] + word[first + 1 : first + 2] + word[first] + word[first + 2 :]
    return word[first + 1 :] == target[first + 1 :] or swapped == target


def lex(text: str) -> list[Lexeme]:
    """The lexemes of a message, in order; unknown words become FILLER."""
    tokens = _raw_tokens(normalize(text))
    lexemes: list[Lexeme] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if isinstance(token, Lexeme):
            lexemes.append(token)
            index += 1
        else:
            lexeme, index = _phrase_at(tokens, index)
            lexemes.append(lexeme)
    return lexemes
