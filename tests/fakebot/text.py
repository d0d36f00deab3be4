"""Text helpers: UTF-16 offsets and the entities Telegram detects in what users type."""

from __future__ import annotations

import re
from typing import Any


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offset/length (an emoji such
    as 🚗 counts 2)."""
    return len(text.encode("utf-16-le")) // 2


# A command is "/" + up to 32 letters, digits or underscores, optionally "@botusername",
# at the start of the text or after whitespace, and not glued to a following word.
_COMMAND = re.compile(r"(?:(?<=\s)|^)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
# Usernames: 5-32 characters, letters, digits and underscores, starting with a letter.
_MENTION = re.compile(r"(?:(?<=[^\w@/])|^)@[A-Za-z][A-Za-z0-9_]{4,31}(?![\w@])")


def _entity(text: str, start: int, end: int, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "offset": utf16_len(text[:start]),
        "length": utf16_len(text[start:end]),
    }


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention entities Telegram attaches to a message a user typed."""
    found = [_entity(text, m.start(), m.end(), "bot_command") for m in _COMMAND.finditer(text)]
    found += [_entity(text, m.start(), m.end(), "mention") for m in _MENTION.finditer(text)]
    found.sort(key=lambda e: (e["offset"], -e["length"]))
    return found


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of `text` an entity covers (offsets are UTF-16 code units)."""
    units = text.encode("utf-16-le")
    start = int(entity["offset"]) * 2
    return units[start : start + int(entity["length"]) * 2].decode("utf-16-le")


def leading_command(text: str | None, entities: list[dict[str, Any]] | None) -> str | None:
    """The '/cmd' or '/cmd@bot' a message starts with, if it has a bot_command entity at 0."""
    if not text:
        return None
    for e in entities or ():
        if e.get("type") == "bot_command" and e.get("offset") == 0:
            return entity_text(text, e)
    return None
