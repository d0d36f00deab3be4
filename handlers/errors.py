"""The last resort: log what went wrong, tell the member kindly, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError

from handlers.context import CovoisinContext
from handlers.speech import is_group, speaker_for

log = logging.getLogger(__name__)


def _is_a_second_tap(error: object) -> bool:
    """Telegram refuses to edit a message into what it already shows: a button tapped twice
    (the first tap did the work). Nothing went wrong for the member."""
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


async def on_error(update: object, context: CovoisinContext) -> None:
    if _is_a_second_tap(context.error):
        log.info("a message already showed its edit: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # In a group the whole village would read it; the member will see nothing happened.
    if is_group(update.effective_chat):
        return
    try:
        say = await speaker_for(update, context)
        await context.bot.send_message(update.effective_chat.id, say("error.sorry"))
    except (TelegramError, RuntimeError):
        log.warning("could not tell the member about the error", exc_info=True)
