"""Cars: listing, editing, co-managers (being written)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from handlers.context import CovoisinContext


def handlers() -> list[BaseHandler[Update, CovoisinContext, object]]:
    return []
