"""Private prompts with buttons, once they are answered."""

from __future__ import annotations

import html
import logging

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.callbacks import parse_callback

log = logging.getLogger(__name__)


def _other_buttons(
    markup: InlineKeyboardMarkup | None, pressed: str | None
) -> InlineKeyboardMarkup | None:
    """The buttons about other things than the one just handled (a /resas list has a
    row per booking: answering one must not take the others away)."""
    done = parse_callback(pressed)
    if markup is None or done is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        kept = [
            button
            for button in row
            if (other := parse_callback(str(button.callback_data or ""))) is not None
            and other.target != done.target
        ]
        if kept:
            rows.append(kept)
    return InlineKeyboardMarkup(rows) if rows else None


async def close_prompt(query: CallbackQuery, outcome: str, *, group_id: int) -> None:
    """The pressed message keeps its text and shows the outcome; the buttons about the
    same thing go. `group_id` is the group the outcome is about: a message of another
    group is left alone (button data can be forged onto any message the presser sees, and
    one village's outcome must not be written into another's chat).

    Through editMessageText: PTB adds its default parse_mode to editMessageReplyMarkup,
    a method that has none.
    """
    message = query.message
    if not isinstance(message, Message) or message.text is None:
        return
    if message.chat.type in (Chat.GROUP, Chat.SUPERGROUP) and message.chat.id != group_id:
        log.info("a press about group %s on a message of %s", group_id, message.chat.id)
        return
    remaining = _other_buttons(message.reply_markup, query.data)
    try:
        await query.edit_message_text(f"{message.text_html}\n\n{outcome}", reply_markup=remaining)
    except BadRequest as error:
        # "message is not modified" when a second press lands on an already closed prompt
        log.info("prompt not edited: %s", error)


async def rebutton(
    query: CallbackQuery, markup: InlineKeyboardMarkup | None, *, show_choice: bool = False
) -> None:
    """Change the buttons under the pressed message; `show_choice` writes the pressed
    button's label under the question, so the chat keeps the answer once the buttons go.

    Through editMessageText: PTB sends its default parse_mode with editMessageReplyMarkup,
    a parameter that method does not have.
    """
    message = query.message
    if not isinstance(message, Message) or message.text is None:
        return
    text = message.text_html
    if show_choice and message.reply_markup is not None:
        pressed = next(
            (
                button.text
                for row in message.reply_markup.inline_keyboard
                for button in row
                if button.callback_data == query.data
            ),
            None,
        )
        if pressed is not None:
            text = f"{text}\n→ {html.escape(pressed, quote=False)}"
    await query.edit_message_text(text, reply_markup=markup)
