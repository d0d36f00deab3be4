"""The refusals can be explained in both languages, with the same keys and placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.dates import DateErrorReason, DateParseError, parse_interval
from tests.dates.cases import NOW

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def _catalog(language: str) -> Catalog:
    with (LOCALES / language / "dates.po").open("rb") as handle:
        catalog: Catalog = read_po(handle, abort_invalid=True)
    return catalog


def _texts(language: str) -> dict[str, str]:
    return {str(message.id): str(message.string) for message in _catalog(language) if message.id}


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.mark.parametrize(("language", "plural"), [("fr", "(n > 1)"), ("en", "(n != 1)")])
def test_header(language: str, plural: str) -> None:
    catalog = _catalog(language)
    assert str(catalog.locale) == language
    assert catalog.plural_expr == plural
    assert catalog.charset == "utf-8"


def test_same_keys_and_placeholders_in_both_languages() -> None:
    french, english = _texts("fr"), _texts("en")
    assert french.keys() == english.keys()
    for key in french:
        assert _fields(french[key]) == _fields(english[key]) == {"text"}, key


def test_every_reason_is_explained_with_an_example() -> None:
    for language in ("fr", "en"):
        texts = _texts(language)
        assert set(texts) == {f"dates.error.{reason.value}" for reason in DateErrorReason}
        for text in texts.values():
            assert text.count("«") + text.count("“") >= 2, text  # the member's words + an example


def test_an_error_fills_its_message() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_interval("samdi aprem", NOW["wed"])
    message = _texts("fr")[caught.value.message_key].format(text=caught.value.text)
    assert message.startswith("Je n'ai pas compris la date « samdi aprem ». Essayez")
