"""`/reglages` in the group: its admins change how the bot speaks there.

Only the language so far; each change is confirmed in the group by the settings message
itself, edited into the confirmation: one group message per change.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Callback, Kind, parse_callback
from bot.settings import SUPPORTED_LANGUAGES
from handlers.admins import admin_in_group, is_admin
from handlers.context import CovoisinContext
from handlers.speech import Speaker, group_speaker

MESSAGE = filters.UpdateType.MESSAGE & filters.ChatType.GROUPS
_LANGUAGE = "lang_"


def _keyboard(say: Speaker, chat_id: int) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            say(f"admin.settings.language.{language}"),
            callback_data=Callback(Kind.SETTING, chat_id, _LANGUAGE + language).data(),
        )
        for language in SUPPORTED_LANGUAGES
    ]
    return InlineKeyboardMarkup([buttons])


async def settings_command(update: Update, context: CovoisinContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    say = await group_speaker(context, chat.id)
    if await admin_in_group(update, context, say) is None:
        return
    text = say("admin.settings.title", language=say(f"admin.settings.language.{say.language}"))
    await message.reply_text(text, reply_markup=_keyboard(say, chat.id))


async def on_setting(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return
    chat_id = callback.target
    say = await group_speaker(context, chat_id)
    language = (callback.option or "").removeprefix(_LANGUAGE)
    message = query.message
    # Checked against the message it sits on: a button copied to another chat changes nothing.
    if language not in SUPPORTED_LANGUAGES or message is None or message.chat.id != chat_id:
        await query.answer(say("button.stale"), show_alert=True)
        return
    if not await is_admin(context, chat_id, query.from_user.id):
        await query.answer(say("admin.only"), show_alert=True)
        return
    changed = await context.services.moderation.set_language(chat_id, query.from_user.id, language)
    await query.answer()
    # Said in the new language: the first of the group's messages to speak it.
    say = await group_speaker(context, chat_id)
    key = "admin.settings.language.changed" if changed else "admin.settings.language.same"
    await query.edit_message_text(say(key))


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler(["settings", "reglages"], settings_command, MESSAGE),
        CallbackQueryHandler(on_setting, pattern=r"^v1:set:"),
    ]
