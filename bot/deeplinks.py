"""Payloads of `https://t.me/<bot>?start=<payload>` links.

Telegram allows 1–64 characters from A-Z, a-z, 0-9, `_` and `-` in a payload.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

from bot.ids import ID_RANGE

_PAYLOAD = re.compile(r"^([a-z]+)(?:_(-?\d{1,20}))?$")


class Action(StrEnum):
    # Deliver the private messages that could not reach the member before.
    INBOX = "inbox"
    # Opened from a group's welcome: the member arrives knowing which village.
    GROUP = "group"
    # `/ajouter` sent in a group: list a car for that group, in the private chat.
    ADD_CAR = "addcar"


class DeepLink(NamedTuple):
    action: Action
    argument: int | None = None

    def payload(self) -> str:
        return self.action.value if self.argument is None else f"{self.action}_{self.argument}"


def parse_payload(payload: str) -> DeepLink | None:
    """The link a member followed, or None for a payload we never made."""
    match = _PAYLOAD.match(payload.strip())
    if not match:
        return None
    try:
        action = Action(match.group(1))
    except ValueError:
        return None
    argument = int(match.group(2)) if match.group(2) else None
    if argument is not None and argument not in ID_RANGE:
        return None
    return DeepLink(action, argument)


def start_url(bot_username: str, link: DeepLink) -> str:
    return f"https://t.me/{bot_username}?start={link.payload()}"
