"""The typed context every handler receives: services reached by attribute, never by string."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.services import Services


class BotData:
    """`bot_data` of the application; PTB builds it empty, `post_init` attaches the services."""

    __slots__ = ("_services",)

    def __init__(self) -> None:
        self._services: Services | None = None

    def attach(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are attached in post_init, before any update")
        return self._services


class CovoisinContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=CovoisinContext, bot_data=BotData)

CovoisinApp = Application[
    ExtBot[int], CovoisinContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
