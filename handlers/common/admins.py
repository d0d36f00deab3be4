"""Who is an admin of a group: its Telegram administrators and creator, and the bot's
super-admins.

Telegram's list is cached a few minutes per group (in `BotData`, per process) and dropped
as soon as a chat_member update shows someone becoming or ceasing to be an admin, so a
demoted admin loses their rights at once when the bot is told (the bot hears chat_member
updates only where it is itself an administrator; elsewhere the cache's age bounds it).
"""

from __future__ import annotations

import logging

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.callbacks import Callback, Kind, parse_callback
from handlers.common.context import CovoisinContext
from handlers.common.guards import pressed_in_private
from handlers.common.speech import Speaker, personal_speaker
from storage.models import Group

log = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}


async def group_admin_ids(context: CovoisinContext, chat_id: int) -> frozenset[int]:
    """The group's administrators and creator as Telegram lists them (bots left out)."""
    cache = context.bot_data.admins
    now = context.services.clock()
    cached = cache.get(chat_id, now)
    if cached is not None:
        return cached
    try:
        admins = await context.bot.get_chat_administrators(chat_id)
    except (BadRequest, Forbidden):
        # The group is gone or the bot was removed: nobody administers it through us.
        # Not cached, so a group the bot rejoins is asked again.
        log.info("administrators of %s could not be read", chat_id)
        return frozenset()
    ids = frozenset(admin.user.id for admin in admins if not admin.user.is_bot)
    cache.put(chat_id, ids, now)
    return ids


async def is_admin(context: CovoisinContext, chat_id: int, user_id: int) -> bool:
    if user_id in context.services.settings.superadmin_ids:
        return True
    return user_id in await group_admin_ids(context, chat_id)


async def administered_groups(context: CovoisinContext, user_id: int) -> list[Group]:
    """The groups where the person is a member and may act as an admin now."""
    return [
        group
        for group in await context.services.repos.groups.groups_of(user_id)
        if await is_admin(context, group.chat_id, user_id)
    ]


def group_choice(groups: list[Group], kind: Kind) -> InlineKeyboardMarkup:
    """One button per group, for an admin command asked in private by the admin of several."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(group.title, callback_data=Callback(kind, group.chat_id).data())]
            for group in groups
        ]
    )


async def picked_group(
    update: Update, context: CovoisinContext
) -> tuple[CallbackQuery, int] | None:
    """A press on a `group_choice` button, answered, with the group's id; None (with an
    alert) when the presser does not administer that group now: the button may be old,
    or forged."""
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return None
    if not pressed_in_private(query):
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("button.stale"), show_alert=True)
        return None
    if not await is_admin(context, callback.target, query.from_user.id):
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("admin.only"), show_alert=True)
        return None
    await query.answer()
    return query, callback.target


def sent_as_group(message: Message) -> bool:
    """An anonymous admin writing as the group: Telegram does not say which admin it is."""
    return message.sender_chat is not None and message.sender_chat.id == message.chat_id


async def admin_in_group(update: Update, context: CovoisinContext, say: Speaker) -> int | None:
    """The id of the admin who sent this group command, or None after telling them why not.

    A message sent as the group could come from any of its admins, and the bot must record
    who acted: it asks them to write from their own account.
    """
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or chat is None:
        return None
    if sent_as_group(message):
        await message.reply_text(say("admin.anonymous"))
        return None
    if user is None or not await is_admin(context, chat.id, user.id):
        await message.reply_text(say("admin.only"))
        return None
    return user.id


async def admins_changed(update: Update, context: CovoisinContext) -> None:
    change = update.chat_member
    if change is None:
        return
    was = change.old_chat_member.status in _ADMIN_STATUSES
    now = change.new_chat_member.status in _ADMIN_STATUSES
    # A change of rights between two admin states changes nobody's admin standing here,
    # but a refresh is cheap and keeps the rule simple: any admin on either side.
    if was or now:
        context.bot_data.admins.forget(change.chat.id)


def tracking_handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    """Run in a group of their own: membership's chat_member handler must still run."""
    return [ChatMemberHandler(admins_changed, ChatMemberHandler.CHAT_MEMBER)]
