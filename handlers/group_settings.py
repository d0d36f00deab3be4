"""`/reglages` in the group: its admins set the language and the booking limits.

Each change is confirmed in the group by the settings message itself, edited into the
confirmation: one group message per change. Values are offered as buttons, so a wrong
value cannot be typed.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import Callback, Kind, parse_callback
from bot.moderation.service import GroupSetting
from bot.settings import SUPPORTED_LANGUAGES
from handlers.admins import admin_in_group, is_admin
from handlers.context import CovoisinContext
from handlers.conversations import form_conversation
from handlers.delivery import tell_privately
from handlers.render import duration
from handlers.speech import Speaker, group_speaker, personal_speaker

MESSAGE = filters.UpdateType.MESSAGE & filters.ChatType.GROUPS
_LANGUAGE = "lang_"
_CHARTER = "charter"
# Waiting for the charter's text in the admin's private chat.
WRITING_CHARTER = "writing_charter"
CHARTER_MAX_LENGTH = 2000
_NO_CHARTER = {"aucune", "none", "-"}
# Button option prefix → the setting, and the values offered (in the field's own unit).
_LIMITS: dict[str, tuple[GroupSetting, tuple[int, ...]]] = {
    "exp_": (GroupSetting.REQUEST_EXPIRY, (6 * 60, 12 * 60, 24 * 60)),
    "dur_": (GroupSetting.MAX_DURATION, (24 * 60, 3 * 24 * 60, 7 * 24 * 60)),
    "hor_": (GroupSetting.HORIZON, (30, 60, 90)),
    "pick_": (GroupSetting.PICKUP_REMINDER, (30 * 60, 60 * 60, 2 * 60 * 60)),
    "vch_": (GroupSetting.TRUSTED_VOUCHES, (1, 2, 3)),
    "brw_": (GroupSetting.TRUSTED_BORROWINGS, (1, 2, 5)),
    "vreq_": (GroupSetting.VOUCH_REQUIRED, (1, 0)),
}


def _shown(say: Speaker, limit: GroupSetting, value: int) -> str:
    if limit is GroupSetting.VOUCH_REQUIRED:
        return say("admin.settings.yes" if value else "admin.settings.no")
    if limit in (GroupSetting.TRUSTED_VOUCHES, GroupSetting.TRUSTED_BORROWINGS):
        return str(value)
    if limit is GroupSetting.HORIZON:
        return duration(say, timedelta(days=value))
    if limit is GroupSetting.PICKUP_REMINDER:
        return duration(say, timedelta(seconds=value))
    return duration(say, timedelta(minutes=value))


def _keyboard(say: Speaker, chat_id: int) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                say(f"admin.settings.language.{language}"),
                callback_data=Callback(Kind.SETTING, chat_id, _LANGUAGE + language).data(),
            )
            for language in SUPPORTED_LANGUAGES
        ]
    ]
    for prefix, (limit, values) in _LIMITS.items():
        rows.append(
            [
                InlineKeyboardButton(
                    say(f"admin.settings.{limit}.button", value=_shown(say, limit, value)),
                    callback_data=Callback(Kind.SETTING, chat_id, f"{prefix}{value}").data(),
                )
                for value in values
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                say("admin.settings.charter.button"),
                callback_data=Callback(Kind.SETTING, chat_id, _CHARTER).data(),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def settings_command(update: Update, context: CovoisinContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    say = await group_speaker(context, chat.id)
    if await admin_in_group(update, context, say) is None:
        return
    current = await context.services.repos.settings.get(chat.id)
    text = say(
        "admin.settings.title",
        language=say(f"admin.settings.language.{say.language}"),
        expiry=_shown(say, GroupSetting.REQUEST_EXPIRY, current.request_expiry_minutes),
        duration=_shown(say, GroupSetting.MAX_DURATION, current.max_duration_minutes),
        horizon=_shown(say, GroupSetting.HORIZON, current.horizon_days),
        pickup=_shown(say, GroupSetting.PICKUP_REMINDER, current.pickup_reminder_seconds),
        vouches=current.trusted_min_vouches,
        borrowings=current.trusted_min_borrowings,
        vouch_required=_shown(say, GroupSetting.VOUCH_REQUIRED, int(current.vouch_required)),
    )
    await message.reply_text(text, reply_markup=_keyboard(say, chat.id))


async def on_setting(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return
    chat_id = callback.target
    say = await group_speaker(context, chat_id)
    option = callback.option or ""
    limit = _limit_of(option)
    language = option.removeprefix(_LANGUAGE)
    message = query.message
    known = limit is not None or (option.startswith(_LANGUAGE) and language in SUPPORTED_LANGUAGES)
    # Checked against the message it sits on: a button copied to another chat changes nothing.
    if not known or message is None or message.chat.id != chat_id:
        await query.answer(say("button.stale"), show_alert=True)
        return
    if not await is_admin(context, chat_id, query.from_user.id):
        await query.answer(say("admin.only"), show_alert=True)
        return
    if limit is not None:
        setting, value = limit
        changed = await context.services.moderation.set_group_setting(
            chat_id, query.from_user.id, setting, value
        )
        await query.answer()
        key = f"admin.settings.{setting}.changed" if changed else "admin.settings.unchanged"
        await query.edit_message_text(say(key, value=_shown(say, setting, value)))
        return
    changed = await context.services.moderation.set_language(chat_id, query.from_user.id, language)
    await query.answer()
    # Said in the new language: the first of the group's messages to speak it.
    say = await group_speaker(context, chat_id)
    key = "admin.settings.language.changed" if changed else "admin.settings.language.same"
    await query.edit_message_text(say(key))


def _limit_of(option: str) -> tuple[GroupSetting, int] | None:
    """The limit and value a button sets, only among the values offered."""
    for prefix, (limit, values) in _LIMITS.items():
        number = option.removeprefix(prefix)
        if option.startswith(prefix) and number.isdigit() and int(number) in values:
            return limit, int(number)
    return None


async def ask_charter(update: Update, context: CovoisinContext) -> object:
    """« Modifier la charte » in the group: the text is asked for in the private chat."""
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None or query.message is None:
        return None
    chat_id = callback.target
    say = await group_speaker(context, chat_id)
    if query.message.chat.id != chat_id:
        await query.answer(say("button.stale"), show_alert=True)
        return None
    if not await is_admin(context, chat_id, query.from_user.id):
        await query.answer(say("admin.only"), show_alert=True)
        return None
    await query.answer()
    private_say = await personal_speaker(context, query.from_user, chat_id)
    if not await tell_privately(
        context,
        query.from_user.id,
        private_say("admin.settings.charter.ask"),
        group_chat_id=chat_id,
    ):
        return None  # the admin opens the private chat through the link, then tries again
    if context.user_data is not None:
        context.user_data[WRITING_CHARTER] = chat_id
    return WRITING_CHARTER


async def charter_written(update: Update, context: CovoisinContext) -> object:
    message, user = update.effective_message, update.effective_user
    chat_id = (context.user_data or {}).get(WRITING_CHARTER)
    if message is None or message.text is None or user is None or not isinstance(chat_id, int):
        return ConversationHandler.END
    say = await personal_speaker(context, user, chat_id)
    text = message.text.strip()
    if len(text) > CHARTER_MAX_LENGTH:
        await message.reply_text(say("admin.settings.charter.too_long", limit=CHARTER_MAX_LENGTH))
        return WRITING_CHARTER
    # Checked again now: the person may have stopped being an admin meanwhile.
    if not await is_admin(context, chat_id, user.id):
        await message.reply_text(say("admin.only"))
        return ConversationHandler.END
    charter = None if text.casefold() in _NO_CHARTER else text
    await context.services.moderation.set_charter(chat_id, user.id, charter)
    await message.reply_text(say("admin.settings.charter.saved"))
    group_say = await group_speaker(context, chat_id)
    key = "admin.settings.charter.changed" if charter else "admin.settings.charter.removed"
    await context.bot.send_message(chat_id, group_say(key))
    return ConversationHandler.END


async def charter_cancelled(update: Update, context: CovoisinContext) -> object:
    message = update.effective_message
    if message is not None:
        say = await personal_speaker(context, update.effective_user)
        await message.reply_text(say("admin.settings.charter.cancelled"))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, CovoisinContext, object]]:
    charter = form_conversation(
        entry_points=[CallbackQueryHandler(ask_charter, pattern=rf"^v1:set:-?\d+:{_CHARTER}$")],
        states={
            WRITING_CHARTER: [
                MessageHandler(
                    filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, charter_written
                )
            ]
        },
        fallbacks=[CommandHandler(["cancel", "annuler"], charter_cancelled)],
        # The button is pressed in the group, the text comes in the private chat.
        per_chat=False,
        allow_reentry=True,
        conversation_timeout=timedelta(minutes=30),
    )
    return [
        charter,
        CommandHandler(["settings", "reglages"], settings_command, MESSAGE),
        CallbackQueryHandler(on_setting, pattern=r"^v1:set:"),
    ]
