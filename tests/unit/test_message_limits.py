"""No message the bot builds exceeds Telegram's limits, whatever members type.

Every key of both catalogs is filled with the longest value the code lets into each of its
placeholders (what a member typed is cut by `bot.i18n.echo`; what they saved was checked
for length when they saved it) and measured as Telegram counts: characters after the HTML
entities are parsed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.booking.car_form import KEYS_MAX_LENGTH, LINE_MAX_LENGTH, RULES_MAX_LENGTH
from bot.booking.names import NAME_MAX_LENGTH
from bot.i18n import ECHO_LENGTH, Translator, echo, placeholders
from bot.reputation.rules import COMMENT_MAX_LENGTH
from bot.settings import SUPPORTED_LANGUAGES
from bot.trips.service import INCIDENT_TEXT_MAX_LENGTH
from handlers.admin.group_settings import CHARTER_MAX_LENGTH

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200

# Telegram's own limits on what it sends us.
FIRST_NAME = 64
GROUP_TITLE = 128

# The longest value of each placeholder, where it is not a first name or an echo.
LONGEST = {
    "charter": CHARTER_MAX_LENGTH,
    "rules": RULES_MAX_LENGTH,
    "keys": KEYS_MAX_LENGTH,
    "place": LINE_MAX_LENGTH,
    "details": LINE_MAX_LENGTH + 40,
    "comment": COMMENT_MAX_LENGTH,
    "text": INCIDENT_TEXT_MAX_LENGTH,
    "group": GROUP_TITLE,
    "groups": 3 * GROUP_TITLE,
    "car": NAME_MAX_LENGTH,
    "car_key": NAME_MAX_LENGTH,
    # A date in full: « mercredi 30 septembre, 10 h 00 – jeudi 1er octobre, 18 h 00 ».
    "when": 60,
    "taken": 60,
}
# Placeholders that are numbers: a large one.
NUMBERS = {"count", "number", "limit", "total", "km", "up", "down", "on_time", "seats", "days"}

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# `query.answer(say("key")...)` or `say(f"family.{x}")`: the keys shown in a button's alert.
_ALERT_CALL = re.compile(r"query\.answer\(\s*say\(\s*f?\"([a-z_.]+)")
# Keys that reach an alert through a variable (a refusal's text built before answering).
ALERT_FAMILIES = (
    "button.",
    "booking.decided.conflict",
    "booking.decided.expired",
    "booking.decided.already",
    "booking.decided.borrower_",
    "booking.decided.withdrawn",
    "cancel.",
    "trip.refusal.",
    "reputation.refusal.",
)
_CAPTION_CALL = re.compile(r"caption=say\(\s*f?\"([a-z_.]+)")


def _visible_length(text: str) -> int:
    """As Telegram counts: tags are not characters, entities are one."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", text)))


def _value(field: str) -> object:
    if field in NUMBERS:
        return 10**6
    return "W" * LONGEST.get(field, max(FIRST_NAME, ECHO_LENGTH))


def _rendered(translator: Translator, language: str, key: str) -> Iterator[str]:
    entry = translator.catalogs[language].entries[key]
    for form in (entry,) if isinstance(entry, str) else entry:
        yield form.format(**{field: _value(field) for field in placeholders(form)})


def _keys_in_source(pattern: re.Pattern[str]) -> set[str]:
    found = set()
    for module in HANDLERS.glob("*.py"):
        found.update(pattern.findall(module.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator.load("fr")


def _all_keys(translator: Translator) -> list[tuple[str, str]]:
    return [
        (language, key)
        for language in SUPPORTED_LANGUAGES
        for key in sorted(translator.catalogs[language].entries)
    ]


def test_every_message_fits_in_one_telegram_message(translator: Translator) -> None:
    too_long = [
        (language, key, _visible_length(text))
        for language, key in _all_keys(translator)
        for text in _rendered(translator, language, key)
        if _visible_length(text) > MESSAGE_LIMIT
    ]
    assert not too_long


def test_every_button_alert_fits(translator: Translator) -> None:
    direct = _keys_in_source(_ALERT_CALL)
    assert "button.not_yours" in direct, "the search for alerts in handlers/ finds nothing"
    too_long = []
    for language, key in _all_keys(translator):
        is_alert = any(key == k or (k.endswith(".") and key.startswith(k)) for k in direct)
        if not (is_alert or key.startswith(ALERT_FAMILIES)):
            continue
        too_long += [
            (language, key, _visible_length(text))
            for text in _rendered(translator, language, key)
            if _visible_length(text) > ALERT_LIMIT
        ]
    assert not too_long


def test_every_caption_fits(translator: Translator) -> None:
    captions = _keys_in_source(_CAPTION_CALL)
    assert captions, "the search for captions in handlers/ finds nothing"
    too_long = [
        (language, key, _visible_length(text))
        for language, key in _all_keys(translator)
        if any(key == k or (k.endswith(".") and key.startswith(k)) for k in captions)
        for text in _rendered(translator, language, key)
        if _visible_length(text) > CAPTION_LIMIT
    ]
    assert not too_long


@pytest.mark.parametrize("typed", ["x" * 4096, "mot " * 1024, "🚗" * 4096, "a\nb\n" * 999])
def test_what_a_member_typed_is_repeated_short_and_on_one_line(typed: str) -> None:
    shown = echo(typed)
    assert len(shown) <= ECHO_LENGTH
    assert "\n" not in shown
    assert shown.endswith("…")


def test_a_short_echo_is_repeated_as_typed() -> None:
    assert echo("  samdi   aprem ") == "samdi aprem"
