"""Who may act where: asked of Telegram, which knows who is in a group right now."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, ChatMember
from telegram.error import BadRequest, Forbidden

from handlers.common.context import CovoisinContext

log = logging.getLogger(__name__)

_IN_GROUP = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


def is_present(member: ChatMember) -> bool:
    """In the group, as Telegram describes them (a restricted member still counts as in)."""
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in _IN_GROUP


async def is_group_member(context: CovoisinContext, chat_id: int, user_id: int) -> bool:
    """True while the person is in the group."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        # The group is gone, or the bot was removed from it: nobody acts there through us.
        log.info("membership of %s in %s could not be checked", user_id, chat_id)
        return False
    return is_present(member)


async def has_left(context: CovoisinContext, chat_id: int, user_id: int) -> bool:
    """True only when Telegram says the person left or was removed: a failed question (the
    group unreachable for a moment) is no reason to cancel what they asked for."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        log.info("membership of %s in %s could not be checked", user_id, chat_id)
        return False
    return not is_present(member)


def pressed_in_private(query: CallbackQuery) -> bool:
    """The pressed message is in the presser's own private chat, where the bot puts the
    buttons that show someone's own things (a car's windows, a group picker). Button data
    forged onto a group's message would otherwise write those things into that group."""
    message = query.message
    return message is not None and message.chat.id == query.from_user.id
