"""The bot joining, leaving and following groups; who it meets there."""

from __future__ import annotations

import logging

from telegram import (
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, TypeHandler, filters

from bot.deeplinks import Action, DeepLink, start_url
from handlers.common.context import CovoisinContext
from handlers.common.delivery import tell_privately
from handlers.common.guards import is_present
from handlers.common.speech import group_speaker, is_group, personal_speaker

log = logging.getLogger(__name__)


async def bot_membership_changed(update: Update, context: CovoisinContext) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or not is_group(change.chat):
        return
    was_in, is_in = is_present(change.old_chat_member), is_present(change.new_chat_member)
    services = context.services
    groups = services.repos.groups
    chat = change.chat
    if is_in and not was_in:
        settings = services.settings
        await groups.upsert_active(
            chat.id,
            chat.title or "",
            settings.default_language,
            settings.timezone,
            services.clock(),
        )
        say = await group_speaker(context, chat.id)
        button = InlineKeyboardButton(
            say("welcome.button"),
            url=start_url(context.bot.username, DeepLink(Action.GROUP, chat.id)),
        )
        await context.bot.send_message(
            chat.id, say("welcome.group"), reply_markup=InlineKeyboardMarkup([[button]])
        )
        log.info("added to group %s", chat.id)
        await _thank_who_added_us(context, change)
    elif was_in and not is_in:
        await groups.set_active(chat.id, False)
        log.info("removed from group %s", chat.id)


async def _thank_who_added_us(context: CovoisinContext, change: ChatMemberUpdated) -> None:
    """The person who added the bot usually runs the group: tell them, privately, what next.

    No separate nudge in the group if their private chat is closed: the welcome just
    posted carries the button that opens it, and opening it delivers this message.
    """
    adder = change.from_user
    if adder.is_bot:
        return
    services = context.services
    await services.repos.users.seen(
        adder.id, adder.first_name, adder.username, adder.language_code, services.clock()
    )
    say = await personal_speaker(context, adder, change.chat.id)
    await tell_privately(
        context,
        adder.id,
        say("welcome.thanks", name=adder.first_name, group=change.chat.title or ""),
        group_chat_id=change.chat.id,
        nudge_in_group=False,
    )


async def group_migrated(update: Update, context: CovoisinContext) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    if await context.services.repos.groups.migrate(old, new):
        log.info("group %s is now supergroup %s", old, new)


async def remember_people(update: Update, context: CovoisinContext) -> None:
    """Keep names current and know who belongs to which group (runs before every handler)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    message = update.effective_message
    # A message sent "as the group" (anonymous admin) or a channel: nobody to remember.
    if message is not None and message.sender_chat is not None:
        return
    # Someone leaving is handled by `member_left`: the service message, or the chat_member
    # update (whose sender is often the leaver), is no sign that they are still here.
    if message is not None and message.left_chat_member is not None:
        return
    if update.chat_member is not None and not is_present(update.chat_member.new_chat_member):
        return
    services = context.services
    now = services.clock()
    chat = update.effective_chat
    in_group = is_group(chat) and chat is not None
    # People are met in groups; the private chat only keeps known names current. So someone
    # the bot forgot (/oublier) is not recorded again by writing to it, until they take
    # part in a group.
    if not in_group and await services.repos.users.get(user.id) is None:
        return
    await services.repos.users.seen(
        user.id, user.first_name, user.username, user.language_code, now
    )
    if in_group and chat is not None:
        group = await services.repos.groups.get(chat.id)
        if group is None:
            # The bot was already in this group before its database existed.
            settings = services.settings
            group = await services.repos.groups.upsert_active(
                chat.id, chat.title or "", settings.default_language, settings.timezone, now
            )
        if group.active:
            await services.repos.groups.add_member(chat.id, user.id, now)


def tracking_handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [TypeHandler(Update, remember_people)]


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated),
    ]
