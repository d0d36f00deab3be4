from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, Html, Translator, placeholders
from bot.timefmt import format_interval_long, format_interval_short

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator.load("fr")


def _entries(language: str) -> dict[str, tuple[str, ...]]:
    entries: dict[str, tuple[str, ...]] = {}
    for po in sorted((LOCALES_DIR / language).glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    value = message.string or ""
                    entries[key] = (value,) if isinstance(value, str) else tuple(value)
    return entries


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    french, english = _entries("fr"), _entries("en")
    assert french, "no French messages found"
    assert sorted(french) == sorted(english)
    for key in french:
        fr_fields = [placeholders(form) for form in french[key]]
        en_fields = [placeholders(form) for form in english[key]]
        # Every plural form may drop {count}, but no other placeholder may differ.
        assert set().union(*fr_fields) - {"count"} == set().union(*en_fields) - {"count"}, key
        assert all(text.strip() for text in (*french[key], *english[key])), key


def test_catalog_files_are_the_same_features() -> None:
    assert sorted(p.name for p in (LOCALES_DIR / "fr").glob("*.po")) == sorted(
        p.name for p in (LOCALES_DIR / "en").glob("*.po")
    )


def test_a_catalog_missing_a_translation_is_refused(tmp_path: Path) -> None:
    for language in ("fr", "en"):
        (tmp_path / language).mkdir()
        (tmp_path / language / "x.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n\nmsgid "a.key"\nmsgstr ""\n'
        )
    with pytest.raises(ValueError, match=r"a\.key"):
        Translator.load("fr", tmp_path)


def test_french_plural_treats_zero_and_one_as_singular(translator: Translator) -> None:
    one = translator.plural("fr", "start.pending", 1, name="Marie")
    zero = translator.plural("fr", "start.pending", 0, name="Marie")
    two = translator.plural("fr", "start.pending", 2, name="Marie")
    assert one == zero
    assert "2 messages" in two
    assert "0 messages" in translator.plural("en", "start.pending", 0, name="Marie")


def test_values_are_escaped_unless_already_html(translator: Translator) -> None:
    text = translator.text("fr", "start.welcome", name="<b>Jo & Co</b>")
    assert "&lt;b&gt;Jo &amp; Co&lt;/b&gt;" in text
    link = Html('<a href="tg://user?id=1">Jo</a>')
    assert link in translator.text("fr", "delivery.group_nudge", member=link)


@pytest.mark.parametrize(
    ("chosen", "telegram", "group", "expected"),
    [
        ("en", "fr", "fr", "en"),
        (None, "en-GB", "fr", "en"),
        (None, "de", "en", "en"),
        (None, None, "fr", "fr"),
        (None, "pt-br", None, "fr"),
    ],
)
def test_reader_language(
    translator: Translator,
    chosen: str | None,
    telegram: str | None,
    group: str | None,
    expected: str,
) -> None:
    assert translator.resolve_language(chosen, telegram, group) == expected


def test_intervals_are_shown_in_full_in_the_readers_language() -> None:
    start = datetime(2026, 11, 28, 9, tzinfo=PARIS)
    end = datetime(2026, 11, 28, 12, tzinfo=PARIS)
    assert format_interval_short(start, end, PARIS, "fr") == "sam. 28 nov. 09:00–12:00"
    assert format_interval_short(start, end, PARIS, "en") == "Sat 28 Nov 09:00–12:00"
    assert format_interval_long(start, end, PARIS, "fr") == "samedi 28 novembre, 09:00–12:00"


def test_intervals_use_the_group_time_zone_and_midnight_end() -> None:
    utc_start = datetime(2026, 11, 28, 19, tzinfo=ZoneInfo("UTC"))  # 20:00 in Paris
    end = datetime(2026, 11, 29, 0, tzinfo=PARIS)
    assert format_interval_short(utc_start, end, PARIS, "fr") == "sam. 28 nov. 20:00–24:00"
    several = datetime(2026, 11, 30, 20, tzinfo=PARIS)
    assert (
        format_interval_short(utc_start, several, PARIS, "en")
        == "Sat 28 Nov 20:00 – Mon 30 Nov 20:00"
    )
