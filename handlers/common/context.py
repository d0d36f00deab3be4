"""The typed context every handler receives: services reached by attribute, never by string."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.services import Services
from bot.trips import Trip


class AdminCache:
    """Each group's administrators as Telegram last listed them, kept a few minutes: every
    admin command would otherwise cost a getChatAdministrators call."""

    TTL = timedelta(minutes=5)

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[int, tuple[datetime, frozenset[int]]] = {}

    def get(self, chat_id: int, now: datetime) -> frozenset[int] | None:
        entry = self._entries.get(chat_id)
        if entry is None or now - entry[0] >= self.TTL:
            return None
        return entry[1]

    def put(self, chat_id: int, admin_ids: frozenset[int], now: datetime) -> None:
        self._entries[chat_id] = (now, admin_ids)

    def forget(self, chat_id: int) -> None:
        self._entries.pop(chat_id, None)


class DueActions:
    """What each kind of due moment does (handlers/jobs.py): an expiry, a reminder, a
    reveal, each given by its feature at wiring time (bot/app.py)."""

    __slots__ = ("_actions",)

    def __init__(self, actions: Mapping[str, DueAction]) -> None:
        self._actions = dict(actions)

    def __getitem__(self, kind: str) -> DueAction | None:
        return self._actions.get(kind)


class BotData:
    """`bot_data` of the application; PTB builds it empty, `post_init` attaches the services."""

    __slots__ = ("_services", "admins", "after_return", "due_actions")

    def __init__(self) -> None:
        self._services: Services | None = None
        self.admins = AdminCache()
        # What one feature does at a moment another owns, set where the features are wired
        # (bot/app.py), so that neither imports the other: each kind of due moment
        # (handlers/common/jobs.py), and what follows a car's return (the feedback asked).
        self.due_actions: DueActions = DueActions({})
        self.after_return: AfterReturn = _nothing_after_return

    def attach(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are attached in post_init, before any update")
        return self._services


# What a due moment of one kind does, given its booking and its kind.
DueAction = Callable[["CovoisinContext", int, str], Awaitable[None]]
# What follows a car's return, given the trip.
AfterReturn = Callable[["CovoisinContext", Trip], Awaitable[None]]


async def _nothing_after_return(context: CovoisinContext, trip: Trip) -> None:
    """Until bot/app.py says otherwise."""


class CovoisinContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=CovoisinContext, bot_data=BotData)

CovoisinApp = Application[
    ExtBot[int], CovoisinContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
