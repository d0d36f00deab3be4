"""`/reglages` in the group: its admins set the language, the time zone, the booking limits,
the reminders, what makes a trusted neighbour and the charter.

/reglages posts one message: the current values, and a button per setting. A setting's
button turns that same message into its choices (« ← Retour » turns it back), and a choice
turns it into the confirmation: one group message per change. Values are offered as buttons,
so a wrong one cannot be typed; only the charter and a time zone not in the list are written,
in the admin's private chat. Every press checks again that the presser is an admin now, that
the button sits on this group's settings message, and that what it asks is among the offered.
"""

from __future__ import annotations

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.i18n import echo
from bot.moderation.service import GroupSetting, zone_named
from bot.moderation.settings_choices import (
    CHARTER,
    MOVES_REMINDERS,
    OTHER_ZONE,
    PAGES,
    ZONES,
    Press,
    SetLanguage,
    SetValue,
    SetZone,
    ShowMenu,
    ShowPage,
    press_of,
    span_of,
)
from bot.settings import SUPPORTED_LANGUAGES
from handlers.common.admins import admin_in_group, is_admin
from handlers.common.context import CovoisinContext
from handlers.common.conversations import FORM_TIMEOUT, OpenForms, form_conversation
from handlers.common.delivery import tell_privately
from handlers.common.jobs import follow_group
from handlers.common.render import duration, moment
from handlers.common.speech import Speaker, group_speaker, personal_speaker

MESSAGE = filters.UpdateType.MESSAGE & filters.ChatType.GROUPS
PRIVATE_TEXT = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
# Waiting, in the admin's private chat, for the charter or a time zone's name; the value
# is the group's id.
WRITING_CHARTER = "writing_charter"
WRITING_ZONE = "writing_zone"
CHARTER_MAX_LENGTH = 2000
ZONE_ECHO_LENGTH = 40
_NO_CHARTER = {"aucune", "none", "-"}


# What the messages say


def setting_shown(say: Speaker, setting: GroupSetting, value: int) -> str:
    if setting is GroupSetting.VOUCH_REQUIRED:
        return say("admin.settings.yes" if value else "admin.settings.no")
    span = span_of(setting, value)
    return str(value) if span is None else duration(say, span)


def zone_shown(say: Speaker, zone: str) -> str:
    """« Martinique » for a zone of the list, the name the admin wrote otherwise."""
    for code, name in ZONES.items():
        if name == zone:
            return say(f"admin.settings.zone.{code}")
    return zone


def _zone_confirmed(context: CovoisinContext, say: Speaker) -> str:
    """The group's zone and the time there now: an admin sees at once if it is the right one."""
    return say(
        "admin.settings.tz.changed",
        zone=zone_shown(say, say.zone.key),
        time=moment(say, context.services.clock()),
    )


async def _lines(context: CovoisinContext, say: Speaker, chat_id: int) -> dict[str, str]:
    """One line per setting, with its value now, by page (and the charter's)."""
    current = await context.services.repos.settings.get(chat_id)
    lines = {
        "lang": say(
            "admin.settings.line.lang", value=say(f"admin.settings.language.{say.language}")
        ),
        "tz": say(
            "admin.settings.line.tz",
            zone=zone_shown(say, say.zone.key),
            time=moment(say, context.services.clock()),
        ),
    }
    for page, offers in PAGES.items():
        if len(offers) == 1:
            setting = offers[0].setting
            value = int(getattr(current, setting.value))
            lines[page] = say(
                f"admin.settings.line.{page}", value=setting_shown(say, setting, value)
            )
    lines["trust"] = say(
        "admin.settings.line.trust",
        vouches=current.trusted_min_vouches,
        borrowings=current.trusted_min_borrowings,
    )
    charter = "admin.settings.charter.written" if current.charter else "admin.settings.charter.none"
    lines[CHARTER] = say("admin.settings.line.charter", value=say(charter))
    return lines


def _button(label: str, chat_id: int, option: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=Callback(Kind.SETTING, chat_id, option).data())


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Two buttons a row: their labels stay whole on a phone."""
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _menu(
    context: CovoisinContext, say: Speaker, chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    lines = await _lines(context, say, chat_id)
    text = "\n".join(
        [
            say("admin.settings.title"),
            *(lines[page] for page in PAGES),
            lines[CHARTER],
            "",
            say("admin.settings.choose_setting"),
        ]
    )
    pages = [
        _button(say(f"admin.settings.menu.{page}"), chat_id, ShowPage(page).option())
        for page in PAGES
    ]
    rows = _pairs(pages)
    rows.append([_button(say("admin.settings.charter.button"), chat_id, CHARTER)])
    return text, InlineKeyboardMarkup(rows)


async def _page(
    context: CovoisinContext, say: Speaker, chat_id: int, page: str
) -> tuple[str, InlineKeyboardMarkup]:
    lines = await _lines(context, say, chat_id)
    text = "\n".join([lines[page], say("admin.settings.choose_value")])
    rows: list[list[InlineKeyboardButton]] = []
    if page == "lang":
        rows.append(
            [
                _button(
                    say(f"admin.settings.language.{language}"),
                    chat_id,
                    SetLanguage(language).option(),
                )
                for language in SUPPORTED_LANGUAGES
            ]
        )
    elif page == "tz":
        zones = [
            _button(say(f"admin.settings.zone.{code}"), chat_id, SetZone(code).option())
            for code in ZONES
        ]
        rows.extend(_pairs(zones))
        rows.append([_button(say("admin.settings.tz.other"), chat_id, OTHER_ZONE)])
    for offer in PAGES[page]:
        setting = offer.setting
        rows.append(
            [
                _button(
                    say(
                        f"admin.settings.{setting}.button", value=setting_shown(say, setting, value)
                    ),
                    chat_id,
                    SetValue(setting, value).option(),
                )
                for value in offer.values
            ]
        )
    rows.append([_button(say("admin.settings.back"), chat_id, ShowMenu().option())])
    return text, InlineKeyboardMarkup(rows)


def _after_change(say: Speaker, chat_id: int) -> InlineKeyboardMarkup:
    """Under a confirmation: back to the menu, for an admin with more than one thing to set."""
    return InlineKeyboardMarkup(
        [[_button(say("admin.settings.more"), chat_id, ShowMenu().option())]]
    )


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        # A second tap on the same button: the message already shows it.
        if "not modified" not in error.message.lower():
            raise


# /reglages and its buttons


async def settings_command(update: Update, context: CovoisinContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    say = await group_speaker(context, chat.id)
    if await admin_in_group(update, context, say) is None:
        return
    text, markup = await _menu(context, say, chat.id)
    await message.reply_text(text, reply_markup=markup)


def _is_settings_message(message: MaybeInaccessibleMessage | None, chat_id: int) -> bool:
    """The message is this group's settings message: a button copied to another chat, or
    data forged onto another of the bot's messages, changes nothing."""
    if not isinstance(message, Message) or message.chat.id != chat_id:
        return False
    ours = Callback(Kind.SETTING, chat_id).data() + ":"
    markup = message.reply_markup
    return markup is not None and any(
        isinstance(button.callback_data, str) and button.callback_data.startswith(ours)
        for row in markup.inline_keyboard
        for button in row
    )


async def _allowed(
    query: CallbackQuery, context: CovoisinContext, say: Speaker, chat_id: int
) -> bool:
    """Answers a press that may not act with the reason, and returns False."""
    if not _is_settings_message(query.message, chat_id):
        await query.answer(say("button.stale"), show_alert=True)
        return False
    if not await is_admin(context, chat_id, query.from_user.id):
        await query.answer(say("admin.only"), show_alert=True)
        return False
    return True


async def on_setting(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    callback = parse_callback(query.data)
    if callback is None:
        # Data we never made (the pattern only saw its start): answered, nothing changed.
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("button.stale"), show_alert=True)
        return
    chat_id = callback.target
    say = await group_speaker(context, chat_id)
    press = press_of(callback.option or "")
    if press is None:
        await query.answer(say("button.stale"), show_alert=True)
        return
    if not await _allowed(query, context, say, chat_id):
        return
    text, markup = await _carry_out(query, context, say, chat_id, press)
    # Answered once the change is written: the presser's spinner stops when it is done.
    await query.answer()
    await _show(query, text, markup)


async def _carry_out(
    query: CallbackQuery, context: CovoisinContext, say: Speaker, chat_id: int, press: Press
) -> tuple[str, InlineKeyboardMarkup]:
    """Does what an allowed press asks; returns what the settings message shows next."""
    moderation, admin_id = context.services.moderation, query.from_user.id
    match press:
        case ShowMenu():
            return await _menu(context, say, chat_id)
        case ShowPage(page):
            return await _page(context, say, chat_id, page)
        case SetValue(setting, value):
            changed = await moderation.set_group_setting(chat_id, admin_id, setting, value)
            if changed and setting in MOVES_REMINDERS:
                await follow_group(context, chat_id)  # the planned reminders move
            key = f"admin.settings.{setting}.changed" if changed else "admin.settings.unchanged"
            return say(key, value=setting_shown(say, setting, value)), _after_change(say, chat_id)
        case SetLanguage(language):
            changed = await moderation.set_language(chat_id, admin_id, language)
            # Said in the new language: the first of the group's messages to speak it.
            say = await group_speaker(context, chat_id)
            key = "admin.settings.language.changed" if changed else "admin.settings.language.same"
            return say(key), _after_change(say, chat_id)
        case SetZone() as chosen:
            if await moderation.set_timezone(chat_id, admin_id, chosen.zone):
                text = _zone_confirmed(context, await group_speaker(context, chat_id))
            else:
                text = say("admin.settings.unchanged", value=zone_shown(say, chosen.zone))
            return text, _after_change(say, chat_id)


# Written in the private chat: the charter, and a time zone not in the list


async def _ask_in_private(
    update: Update, context: CovoisinContext, waiting: str, question: str
) -> object:
    """« Modifier la charte » or « Autre fuseau » in the group: the text is asked for in the
    admin's private chat, and the next text they send there is taken as the answer."""
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return None
    chat_id = callback.target
    say = await group_speaker(context, chat_id)
    if not await _allowed(query, context, say, chat_id):
        return None
    await query.answer()
    private_say = await personal_speaker(context, query.from_user, chat_id)
    # Kept for them if their private chat is closed: the question waits there, and so does
    # this conversation, until they open it through the group's link.
    # Named, since an admin of two groups could not tell which one the question is about.
    group = await context.services.repos.groups.get(chat_id)
    asked = private_say(question, group=group.title if group else "")
    await tell_privately(context, query.from_user.id, asked, group_chat_id=chat_id)
    if context.user_data is not None:
        # Only one question open at a time: the last button pressed wins.
        for key in (WRITING_CHARTER, WRITING_ZONE):
            context.user_data.pop(key, None)
        context.user_data[waiting] = chat_id
    return waiting


async def ask_charter(update: Update, context: CovoisinContext) -> object:
    return await _ask_in_private(update, context, WRITING_CHARTER, "admin.settings.charter.ask")


async def ask_zone(update: Update, context: CovoisinContext) -> object:
    return await _ask_in_private(update, context, WRITING_ZONE, "admin.settings.tz.ask")


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
    _done_writing(context)
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


async def zone_written(update: Update, context: CovoisinContext) -> object:
    message, user = update.effective_message, update.effective_user
    chat_id = (context.user_data or {}).get(WRITING_ZONE)
    if message is None or message.text is None or user is None or not isinstance(chat_id, int):
        return ConversationHandler.END
    say = await personal_speaker(context, user, chat_id)
    # Checked again now: the person may have stopped being an admin meanwhile.
    if not await is_admin(context, chat_id, user.id):
        _done_writing(context)
        await message.reply_text(say("admin.only"))
        return ConversationHandler.END
    zone = zone_named(message.text)
    if zone is None:
        await message.reply_text(
            say("admin.settings.tz.unknown", text=echo(message.text, ZONE_ECHO_LENGTH))
        )
        return WRITING_ZONE
    _done_writing(context)
    if not await context.services.moderation.set_timezone(chat_id, user.id, zone):
        await message.reply_text(say("admin.settings.unchanged", value=zone_shown(say, zone)))
        return ConversationHandler.END
    await message.reply_text(say("admin.settings.tz.saved"))
    group_say = await group_speaker(context, chat_id)
    await context.bot.send_message(chat_id, _zone_confirmed(context, group_say))
    return ConversationHandler.END


async def writing_cancelled(update: Update, context: CovoisinContext) -> object:
    message = update.effective_message
    zone = WRITING_ZONE in (context.user_data or {})
    _done_writing(context)
    if message is not None:
        say = await personal_speaker(context, update.effective_user)
        key = "admin.settings.tz.cancelled" if zone else "admin.settings.charter.cancelled"
        await message.reply_text(say(key))
    return ConversationHandler.END


def _done_writing(context: CovoisinContext) -> None:
    if context.user_data is not None:
        for key in (WRITING_CHARTER, WRITING_ZONE):
            context.user_data.pop(key, None)


def handlers(forms: OpenForms) -> list[BaseHandler[Update, CovoisinContext, object]]:
    written = form_conversation(
        "settings_text",
        forms,
        entry_points=[
            CallbackQueryHandler(ask_charter, pattern=button_of(Kind.SETTING, options=(CHARTER,))),
            CallbackQueryHandler(ask_zone, pattern=button_of(Kind.SETTING, options=(OTHER_ZONE,))),
        ],
        states={
            WRITING_CHARTER: [MessageHandler(PRIVATE_TEXT, charter_written)],
            WRITING_ZONE: [MessageHandler(PRIVATE_TEXT, zone_written)],
        },
        fallbacks=[CommandHandler(["cancel", "annuler"], writing_cancelled)],
        # The button is pressed in the group, the text comes in the private chat.
        per_chat=False,
        allow_reentry=True,
        conversation_timeout=FORM_TIMEOUT,
    )
    return [
        written,
        CommandHandler(["settings", "reglages"], settings_command, MESSAGE),
        CallbackQueryHandler(on_setting, pattern=button_of(Kind.SETTING)),
    ]
