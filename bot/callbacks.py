"""Inline-button data: short, versioned, and parsed strictly.

A button's data is `v1:<kind>:<id>[:<option>]`, well under Telegram's 64 bytes. It only
says what the presser wants; every handler re-checks that this person may do it, on this
object, in this state, before changing anything (anyone can press a button in a group,
and old buttons stay on screen).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from bot.ids import ID_RANGE

VERSION = "v1"
_DATA = re.compile(r"v1:([a-z]{2,8}):(-?[0-9]{1,19})(?::([a-z0-9_]{1,16}))?")


class Kind(StrEnum):
    ACCEPT = "acc"
    DECLINE = "dec"
    CANCEL = "can"
    CAR_PAUSE = "cpause"
    CAR_RESUME = "cresume"
    CAR_REMOVE = "crm"
    # A car's "Modify" button: the id is the car's, the option the field to change.
    CAR_EDIT = "cedit"
    WINDOW_DELETE = "wdel"
    PICK_GROUP = "grp"
    # An answer given by button in the car form: the id is the step, so that a button left
    # on an earlier question is recognised as old.
    FORM = "form"
    # The trip (handlers/trip.py, handlers/trip_form.py); ids are bookings' unless said.
    PICKUP = "pick"
    RETURN = "ret"
    # An answer in the pickup or return form: the option names it (fuel level, skip...).
    TRIP_FORM = "trip"
    ALL_GOOD = "ok"
    PROBLEM = "prob"
    # The id is the incident's.
    RESOLVE = "resolv"
    NO_SHOW = "noshow"
    PAID = "paid"
    PAID_CONFIRM = "paidok"
    # A car's auto-accept of trusted neighbours: the option is "on" or "off".
    CAR_AUTO = "cauto"
    # Feedback after a return (handlers/reputation.py): the id is the booking's, the option
    # the answer (up, down, a tag, send).
    FEEDBACK = "fb"
    # The charter's « J'accepte »: the id is the group's, the option the member's id.
    CHARTER = "charter"
    # A group admin cancels someone's booking (handlers/moderation.py): the booking's id.
    ADMIN_CANCEL = "acan"
    # `/export` with several groups: the id is the group's.
    EXPORT = "export"
    # `/journal` with several groups: the id is the group's.
    JOURNAL = "journal"
    # The /reglages menu (handlers/group_settings.py): the id is the group's, the option the
    # page to show or the value chosen (`lang_en`, `exp_720`...).
    SETTING = "set"
    # « Oui, m'oublier » / « Non » under /oublier (handlers/privacy.py): the id is the
    # member's who asked, the option `yes` or `no`.
    FORGET = "forget"


class Callback(NamedTuple):
    kind: Kind
    target: int
    option: str | None = None

    def data(self) -> str:
        tail = f":{self.option}" if self.option else ""
        return f"{VERSION}:{self.kind}:{self.target}{tail}"


def parse_callback(data: str | None) -> Callback | None:
    """None for anything we did not make (old versions, forged or truncated data)."""
    if not data:
        return None
    match = _DATA.fullmatch(data)
    if not match:
        return None
    try:
        kind = Kind(match.group(1))
    except ValueError:
        return None
    target = int(match.group(2))
    if target not in ID_RANGE:
        return None
    return Callback(kind, target, match.group(3))


def button_of(*kinds: Kind, options: tuple[str | None, ...] = ()) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: our button of one of these kinds (and one of these
    options). Data that does not parse matches no feature and reaches the catch-all, which
    answers it politely."""

    def matches(data: object) -> bool:
        callback = parse_callback(data) if isinstance(data, str) else None
        return (
            callback is not None
            and callback.kind in kinds
            and (not options or callback.option in options)
        )

    return matches
