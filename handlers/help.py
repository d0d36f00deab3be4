"""`/help` · `/aide`, and gentle answers to what the bot does not understand."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.common.context import CovoisinContext
from handlers.common.help_text import show_help
from handlers.common.speech import personal_speaker, speaker_for

MESSAGE = filters.UpdateType.MESSAGE


async def _reply(update: Update, context: CovoisinContext, key: str) -> None:
    message = update.effective_message
    if message is None:
        return
    say = await speaker_for(update, context)
    await message.reply_text(say(key))


async def unknown_command(update: Update, context: CovoisinContext) -> None:
    await _reply(update, context, "help.unknown_command")


async def plain_text_in_private(update: Update, context: CovoisinContext) -> None:
    await _reply(update, context, "help.plain_text")


async def unknown_button(update: Update, context: CovoisinContext) -> None:
    """A button no feature took (forged, or from an older version): always answer it, or
    the member's app shows it spinning."""
    query = update.callback_query
    if query is None:
        return
    say = await personal_speaker(context, query.from_user)
    await query.answer(say("button.unknown"), show_alert=True)


def _addressed_to_us(bot_username: str) -> filters.BaseFilter:
    """A group command written `/x@ThisBot`: others may belong to another bot, so we stay quiet."""
    return filters.Regex(rf"(?i)^/\w+@{bot_username}\b")


def handlers(bot_username: str) -> list[BaseHandler[Update, CovoisinContext, None]]:
    """Registered last: anything a feature did not take ends here."""
    return [
        CommandHandler(["help", "aide"], show_help, MESSAGE),
        MessageHandler(
            MESSAGE & filters.COMMAND & (filters.ChatType.PRIVATE | _addressed_to_us(bot_username)),
            unknown_command,
        ),
        MessageHandler(
            MESSAGE & filters.ChatType.GROUPS & filters.Mention(bot_username),
            show_help,
        ),
        MessageHandler(
            MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
            plain_text_in_private,
        ),
        CallbackQueryHandler(unknown_button),
    ]
