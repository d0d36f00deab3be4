"""Private prompts with buttons, once they are answered."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message
from telegram.error import BadRequest

log = logging.getLogger(__name__)


async def close_prompt(query: CallbackQuery, outcome: str) -> None:
    """The pressed message keeps its text and shows the outcome; its buttons go.

    Through editMessageText: PTB adds its default parse_mode to editMessageReplyMarkup,
    a method that has none.
    """
    message = query.message
    if not isinstance(message, Message) or message.text is None:
        return
    try:
        await query.edit_message_text(f"{message.text_html}\n\n{outcome}")
    except BadRequest as error:
        # "message is not modified" when a second press lands on an already closed prompt
        log.info("prompt not edited: %s", error)
