"""Message catalogs (gettext `.po` files under `locales/<lang>/`) and the reader's language."""

from __future__ import annotations

import gettext
import html
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.settings import SUPPORTED_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


class Html(str):
    """Text that is already safe HTML (a mention link, a formatted list): not escaped again."""

    __slots__ = ()


class Phrase(str):
    """A placeholder's value that is itself a message key, written in the language of the
    message it fills: the name of a member who asked to be forgotten (« ancien membre »),
    found where names are looked up by id, before anyone knows who will read it."""

    __slots__ = ()


Entry = str | tuple[str, ...]

# What a member typed, repeated in an answer, is cut after this many characters: enough to
# recognise it (« samdi aprem », a car's name), and a pasted page cannot push the answer
# over Telegram's 4,096 characters.
ECHO_LENGTH = 60


def echo(typed: str, limit: int = ECHO_LENGTH) -> str:
    """A member's own words, to repeat back: on one line, and shortened with an ellipsis."""
    text = " ".join(typed.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class LanguageCatalog:
    language: str
    entries: Mapping[str, Entry]
    plural_index: Callable[[int], int]


def _read_catalog(language: str, folder: Path) -> LanguageCatalog:
    entries: dict[str, Entry] = {}
    plural_expr = get_plural(language).plural_expr
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog: Catalog = read_po(handle, locale=language)
        # The catalogs' own Plural-Forms header is what translators see and edit.
        plural_expr = catalog.plural_expr
        for message in catalog:
            if not message.id:
                continue  # the header
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in entries:
                raise ValueError(f"{po_file}: key {key!r} is defined twice for {language}")
            value = message.string
            if not value or (isinstance(value, tuple) and not all(value)):
                raise ValueError(f"{po_file}: key {key!r} has no {language} text")
            entries[key] = value if isinstance(value, str) else tuple(value)
    return LanguageCatalog(language, entries, gettext.c2py(plural_expr))


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _escape(value: object) -> object:
    if isinstance(value, Html) or not isinstance(value, str):
        return value
    return html.escape(value, quote=False)


class Translator:
    """Turns message keys into text in one of the supported languages.

    Values passed for placeholders are HTML-escaped (the bot speaks HTML to Telegram
    and members' names may contain `<` or `&`), unless they are `Html`.
    """

    def __init__(self, catalogs: Mapping[str, LanguageCatalog], default_language: str) -> None:
        self.catalogs = dict(catalogs)
        self.default_language = default_language

    @classmethod
    def load(cls, default_language: str, folder: Path = LOCALES_DIR) -> Translator:
        catalogs = {lang: _read_catalog(lang, folder / lang) for lang in SUPPORTED_LANGUAGES}
        return cls(catalogs, default_language)

    def _entry(self, language: str, key: str) -> Entry:
        catalog = self.catalogs.get(language) or self.catalogs[self.default_language]
        return catalog.entries[key]

    def text(self, language: str, key: str, /, **values: object) -> str:
        entry = self._entry(language, key)
        template = entry if isinstance(entry, str) else entry[0]
        return template.format(**self._values(language, values))

    def plural(self, language: str, key: str, count: int, /, **values: object) -> str:
        entry = self._entry(language, key)
        if isinstance(entry, str):
            template = entry
        else:
            catalog = self.catalogs.get(language) or self.catalogs[self.default_language]
            template = entry[min(catalog.plural_index(count), len(entry) - 1)]
        return template.format(count=count, **self._values(language, values))

    def _values(self, language: str, values: Mapping[str, object]) -> dict[str, object]:
        # A catalog's own text is trusted HTML, like the template it goes into.
        return {
            k: self.text(language, v) if isinstance(v, Phrase) else _escape(v)
            for k, v in values.items()
        }

    def resolve_language(
        self,
        chosen: str | None,
        telegram_code: str | None,
        group_language: str | None,
    ) -> str:
        """The member's own choice, else their app's language, else the group's."""
        for candidate in (chosen, _base_language(telegram_code), group_language):
            if candidate in self.catalogs:
                return candidate
        return self.default_language

    @staticmethod
    def locale(language: str) -> Locale:
        return Locale.parse(language)


def _base_language(code: str | None) -> str | None:
    # Telegram sends IETF tags such as "fr", "en", "pt-br".
    return code.split("-")[0].lower() if code else None
