"""Nonsense is refused, however many numbers and signs it holds (dates.md sections 0, 2, 9).

Issue 11, item 7: `/reserver clio -1` booked 01:00. A plain number is an hour only inside a
range (`de 9 à 12`, `9-12`) or beside a day or part of the day, and a day of the month only
where a date word frames it (`le 3`, `du 3 au 5`, `3 décembre`); a sign glued to it makes it a
quantity, unless the dash joins a range (`9 -12`).
"""

from __future__ import annotations

from datetime import datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import (
    DateErrorReason,
    DateParseError,
    WeeklyRule,
    parse_availability,
    parse_interval,
)
from bot.dates.lexicon import WORDS, Cat
from bot.request_text import find_car
from tests.dates.cases import NOW

JUNK = [
    # Signs and numbers alone.
    "-1", "+3", "--2", "1-", "-", "- 5", "-0", "0", "99", "12345", "-12", "- 12", "-- 12",
    "1--2", "-1 -2", "+1", "1+", "~3", "−1", "– 4",
    # Numbers inside or glued to junk.
    "x-1y", "a-1", "abc 7 def", "3.14", "1e5", "#2", "#14", "n°3", "(3)", "*3*", "3!", "@3",
    "$3", "3€", "3%", ":30", "1:", "😀1😀", "🚗 7 🚗", "7zz", "zz7", "3km", "10 voitures",
    "porte 7 escalier 2", "j'ai 3 enfants", "ok -5 merci", "clio -1", "-1 clio", "la 208-12",
    "-7 degrés", "-3 heures", "dans -2 jours", "utf-8", "Kangoo-Mairie-2", "photo-1",
    "Journal de Saint-Martin — 9 actions", "lorem ipsum " * 20 + "7 dolor sit amet " * 20,
    # One plain number after a connector, with no day, part of day or unit (section 2).
    "à 1", "a 3", "de 1", "vers 3", "at 3", "et 3", "entre 3", "entre 3 et", "après 6",
    "jusqu'à 18", "from 1 to 65535", "le -1", "à -1", "de -1",
    # An ordinal with no date word around it is a rank, not a day (section 7: `le 1er`).
    "1er", "3rd", "la 2e voiture", "2nd",
]  # fmt: skip


@pytest.mark.parametrize("phrase", JUNK)
def test_junk_is_refused_with_the_no_date_explanation(phrase: str) -> None:
    for parse in (parse_interval, parse_availability):
        with pytest.raises(DateParseError) as caught:
            parse(phrase, NOW["wed"])
        assert caught.value.reason is DateErrorReason.NO_DATE, parse.__name__
        assert caught.value.message_key == "dates.error.no_date"


def test_the_issue_command_is_refused() -> None:
    mention = find_car("clio -1", {"clio"})
    assert (mention.car_key, mention.when) == ("clio", "-1")
    with pytest.raises(DateParseError) as caught:
        parse_interval(mention.when, NOW["wed"])
    assert caught.value.reason is DateErrorReason.NO_DATE


THU = "2026-11-26T"  # `demain` said on `wed`, Wed 25 Nov 2026 10:00
SAT = "2026-11-28T"
DEC1 = "2026-12-01T"

# Right beside the rules above, and still read (worked out from dates.md, said on `wed`).
KEPT: list[tuple[str, str, str]] = [
    ("9 -12", THU + "09:00", THU + "12:00"),  # the dash joins a range: 09:00 is past today
    ("samedi 9 -12", SAT + "09:00", SAT + "12:00"),
    ("- 9 à 12", THU + "09:00", THU + "12:00"),  # a dash as a bullet
    ("entre 9 et 12", THU + "09:00", THU + "12:00"),
    ("demain vers 8", THU + "08:00", THU + "10:00"),  # a plain hour beside a day
    ("à 9 et demie", THU + "09:30", THU + "11:30"),
    ("du 1er au 3", DEC1 + "08:00", "2026-12-03T20:00"),
    ("mardi 1er", DEC1 + "08:00", DEC1 + "20:00"),
    ("mardi 1er décembre", DEC1 + "08:00", DEC1 + "20:00"),
    # A stray number beside a real date is skipped, not read as a time.
    ("samedi avec Paul et 3 amis", SAT + "08:00", SAT + "20:00"),
    ("clio -1 demain", THU + "08:00", THU + "20:00"),
    ("+33 6 12 34 56 78 demain", THU + "08:00", THU + "20:00"),
]


@pytest.mark.parametrize(("phrase", "start", "end"), KEPT)
def test_dates_beside_the_junk_rules_are_still_read(phrase: str, start: str, end: str) -> None:
    now = NOW["wed"]
    result = parse_interval(phrase, now)
    expected = (datetime.fromisoformat(start + "+01:00"), datetime.fromisoformat(end + "+01:00"))
    assert (result.start, result.end) == expected


def test_a_plain_hour_in_a_weekly_rule_is_read() -> None:
    rule = parse_availability("tous les samedis jusqu'à 18", NOW["wed"])
    assert isinstance(rule, WeeklyRule)
    assert (rule.start, rule.end) == (time(8), time(18))


# --- properties ----------------------------------------------------------------------------

# Words that never take part in a date phrase: the lexicon's filler, minus those inside a
# longer phrase (`qui vient`, `en huit`), and made-up words from letters no unit, ordinal
# suffix or am/pm is spelt with (so `7zz` stays junk, unlike `7h`, `7e` or `7pm`).
_IN_PHRASES = {word for words, entry in WORDS.items() if len(words) > 1 for word in words}
_FILLER = sorted(
    words[0]
    for words, entry in WORDS.items()
    if len(words) == 1
    and entry.cat is Cat.FILLER
    and not entry.month_alias
    and words[0] not in _IN_PHRASES
)
_LETTERS = "bcfgjkqvwxyz"
_made_up = st.text(alphabet=_LETTERS, min_size=2, max_size=8).filter(
    lambda word: (word,) not in WORDS
)
words = st.one_of(st.sampled_from(_FILLER), _made_up)
# Marks that lex to nothing; `/`, `.` and `:` are left out, they build dates and times.
noise = st.sampled_from(["🚗", "😀", "👍", "!", "?", "!!", "#", "@", "(", ")", "*", "€", "%", "~"])
signs = st.sampled_from(["-", "+", "--", "−", "–", "+-", "—"])

_digits = st.one_of(st.integers(0, 99), st.integers(0, 10**8)).map(str)
stray_numbers = st.one_of(
    _digits,
    st.tuples(signs, _digits).map("".join),  # -1, +3, --2
    st.tuples(_digits, signs).map("".join),  # 1-
    st.tuples(_digits, st.sampled_from([".", ",", "e"]), _digits).map("".join),  # 3.14, 1e5
    st.tuples(st.just(":"), _digits).map("".join),  # :30
    st.tuples(_digits, st.just(":")).map("".join),  # 1:
    st.tuples(noise, _digits, noise).map("".join),  # 😀1😀, (3)
    st.tuples(_digits, st.text(alphabet=_LETTERS, min_size=1, max_size=3)).map("".join),  # 7zz
    st.tuples(st.text(alphabet=_LETTERS, min_size=1, max_size=3), _digits).map("".join),  # zz7
)
# Signs and marks may stand anywhere; between two numbers there is always a word, since two
# numbers joined by a dash are a range of hours (section 2: `9-12`).
_filling = st.lists(st.one_of(words, noise, signs), max_size=4)
_gap = st.tuples(words, _filling).map(lambda gap: [gap[0], *gap[1]])


@st.composite
def junk_with_numbers(draw: st.DrawFn) -> str:
    tokens: list[str] = draw(_filling)
    for _ in range(draw(st.integers(1, 6))):
        tokens.append(draw(stray_numbers))
        tokens += draw(st.permutations(draw(_gap)))
    return " ".join(tokens)


@settings(max_examples=400, deadline=None)
@given(text=junk_with_numbers())
def test_junk_tokens_with_stray_numbers_are_refused(text: str) -> None:
    for parse in (parse_interval, parse_availability):
        with pytest.raises(DateParseError) as caught:
            parse(text, NOW["wed"])
        assert caught.value.reason is DateErrorReason.NO_DATE, parse.__name__


# Every connector after which a plain number may be an hour (`de 9 à 12`, `vers 8h`).
_CONNECTOR_CATS = frozenset(
    {Cat.AT, Cat.TO_OR_AT, Cat.OPEN, Cat.BETWEEN, Cat.TO, Cat.UNTIL, Cat.AND, Cat.AFTER, Cat.BEFORE}
)
_CONNECTORS = sorted(
    " ".join(words) for words, entry in WORDS.items() if entry.cat in _CONNECTOR_CATS
)


@settings(max_examples=300, deadline=None)
@given(
    before=_filling,
    connector=st.sampled_from([*_CONNECTORS, "-"]),
    number=stray_numbers,
    after=_filling,
)
def test_one_stray_number_after_a_connector_is_refused(
    before: list[str], connector: str, number: str, after: list[str]
) -> None:
    text = " ".join([*before, connector, number, *after])
    for parse in (parse_interval, parse_availability):
        with pytest.raises(DateParseError):  # `vers 30` is an impossible hour, also refused
            parse(text, NOW["wed"])
