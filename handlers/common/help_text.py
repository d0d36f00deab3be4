"""The help, which every feature may give when it does not understand what was asked."""

from __future__ import annotations

from telegram import Update

from handlers.common.context import CovoisinContext
from handlers.common.speech import speaker_for


async def show_help(update: Update, context: CovoisinContext) -> None:
    message = update.effective_message
    if message is None:
        return
    say = await speaker_for(update, context)
    await message.reply_text(say("help.text") + "\n\n" + say("help.privacy"))
