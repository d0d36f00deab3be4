"""What a group's admin may choose in /reglages: the values offered for each setting, the
menu's pages, the listed time zones, and what a pressed option asks for.

A value reaches the group's settings only if it was offered: an option is taken when it is,
letter for letter, one these lists make, since button data can be forged. No Telegram here:
handlers/admin/group_settings.py draws the buttons and the texts from these lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.moderation.service import GroupSetting
from bot.settings import SUPPORTED_LANGUAGES

# Two buttons ask for a text, written in the admin's private chat, rather than choose: the
# charter, and a time zone not in the list. They have their own handlers.
CHARTER = "charter"
OTHER_ZONE = "tz_other"
# The start of the other buttons' options: each press below makes its own.
_MENU = "menu"
_PAGE = "p_"
_LANGUAGE = "lang_"
_ZONE = "tz_"


@dataclass(frozen=True, slots=True)
class Offer:
    """The values offered for one setting, in its field's own unit, and the start of their
    options: `<prefix><value>`."""

    setting: GroupSetting
    prefix: str
    values: tuple[int, ...]


# The menu's pages, in order: page → the rows of values it offers; the language and the
# time zone have their own rows.
PAGES: dict[str, tuple[Offer, ...]] = {
    "lang": (),
    "tz": (),
    "exp": (Offer(GroupSetting.REQUEST_EXPIRY, "exp_", (6 * 60, 12 * 60, 24 * 60)),),
    "dur": (Offer(GroupSetting.MAX_DURATION, "dur_", (24 * 60, 3 * 24 * 60, 7 * 24 * 60)),),
    "hor": (Offer(GroupSetting.HORIZON, "hor_", (30, 60, 90)),),
    "pick": (Offer(GroupSetting.PICKUP_REMINDER, "pick_", (30 * 60, 60 * 60, 2 * 60 * 60)),),
    "end": (Offer(GroupSetting.END_REMINDER, "end_", (15 * 60, 30 * 60, 60 * 60)),),
    "over": (Offer(GroupSetting.OVERDUE_ALERT, "over_", (30 * 60, 60 * 60, 2 * 60 * 60)),),
    "trust": (
        Offer(GroupSetting.TRUSTED_VOUCHES, "vch_", (1, 2, 3)),
        Offer(GroupSetting.TRUSTED_BORROWINGS, "brw_", (1, 2, 5)),
    ),
    "vreq": (Offer(GroupSetting.VOUCH_REQUIRED, "vreq_", (1, 0)),),
}
_PREFIXES = {offer.setting: offer.prefix for offers in PAGES.values() for offer in offers}
# The time zones of French-speaking villages, by a short code: button data holds at most
# 64 bytes and never text someone typed. Their names are `admin.settings.zone.<code>`.
ZONES: dict[str, str] = {
    "par": "Europe/Paris",
    "bru": "Europe/Brussels",
    "zur": "Europe/Zurich",
    "lux": "Europe/Luxembourg",
    "gua": "America/Guadeloupe",
    "mtq": "America/Martinique",
    "cay": "America/Cayenne",
    "reu": "Indian/Reunion",
    "myt": "Indian/Mayotte",
    "nou": "Pacific/Noumea",
    "tah": "Pacific/Tahiti",
    "mtl": "America/Montreal",
}
# A reminder offset moves the reminders already planned for the group's bookings.
MOVES_REMINDERS = frozenset(
    {GroupSetting.PICKUP_REMINDER, GroupSetting.END_REMINDER, GroupSetting.OVERDUE_ALERT}
)
# The unit of each setting that is a duration; the others are counts or a yes/no.
_UNITS: dict[GroupSetting, timedelta] = {
    GroupSetting.REQUEST_EXPIRY: timedelta(minutes=1),
    GroupSetting.MAX_DURATION: timedelta(minutes=1),
    GroupSetting.HORIZON: timedelta(days=1),
    **{setting: timedelta(seconds=1) for setting in MOVES_REMINDERS},
}


def span_of(setting: GroupSetting, value: int) -> timedelta | None:
    """The time a setting's value stands for; None for a count or a yes/no."""
    unit = _UNITS.get(setting)
    return None if unit is None else value * unit


# What a press asks for, each with the option of its button.


@dataclass(frozen=True, slots=True)
class ShowMenu:
    def option(self) -> str:
        return _MENU


@dataclass(frozen=True, slots=True)
class ShowPage:
    page: str

    def option(self) -> str:
        return _PAGE + self.page


@dataclass(frozen=True, slots=True)
class SetValue:
    setting: GroupSetting
    value: int

    def option(self) -> str:
        return f"{_PREFIXES[self.setting]}{self.value}"


@dataclass(frozen=True, slots=True)
class SetZone:
    """One of the listed zones, by its code."""

    code: str

    @property
    def zone(self) -> str:
        return ZONES[self.code]

    def option(self) -> str:
        return _ZONE + self.code


@dataclass(frozen=True, slots=True)
class SetLanguage:
    language: str

    def option(self) -> str:
        return _LANGUAGE + self.language


Press = ShowMenu | ShowPage | SetValue | SetZone | SetLanguage


def _offered() -> list[Press]:
    """Every press the menu offers, on one page or another."""
    values = [
        SetValue(offer.setting, value)
        for offers in PAGES.values()
        for offer in offers
        for value in offer.values
    ]
    return [
        ShowMenu(),
        *(ShowPage(page) for page in PAGES),
        *values,
        *(SetZone(code) for code in ZONES),
        *(SetLanguage(language) for language in SUPPORTED_LANGUAGES),
    ]


_OFFERED = {press.option(): press for press in _offered()}


def press_of(option: str) -> Press | None:
    """What a button's option asks, only among the pages and values offered, letter for
    letter; None for any other text, and for CHARTER and OTHER_ZONE, which ask for a text
    rather than choose."""
    return _OFFERED.get(option)
