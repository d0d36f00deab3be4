"""`/mesdonnees`: a member receives, as a JSON file, everything the bot stores about them."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.deeplinks import Action, DeepLink, start_url
from handlers.context import CovoisinContext
from handlers.speech import group_speaker, personal_speaker

MESSAGE = filters.UpdateType.MESSAGE


async def my_data(update: Update, context: CovoisinContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if message.chat.type != "private":
        # Personal data is never posted in a group: the command works in the private chat.
        say = await group_speaker(context, message.chat_id)
        button = InlineKeyboardButton(
            say("delivery.open_private_chat"),
            url=start_url(context.bot.username, DeepLink(Action.INBOX)),
        )
        await message.reply_text(
            say("admin.mydata.in_private"), reply_markup=InlineKeyboardMarkup([[button]])
        )
        return
    say = await personal_speaker(context, user)
    data = await context.services.repos.personal_data.about(user.id)
    document = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await message.reply_document(
        document, filename="covoisin.json", caption=say("admin.mydata.caption")
    )


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [CommandHandler(["mydata", "mesdonnees"], my_data, MESSAGE)]
