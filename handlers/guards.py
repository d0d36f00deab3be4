"""Who may act where: asked of Telegram, which knows who is in a group right now."""

from __future__ import annotations

import logging

from telegram import ChatMember
from telegram.error import BadRequest, Forbidden

from handlers.context import CovoisinContext

log = logging.getLogger(__name__)

_IN_GROUP = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


async def is_group_member(context: CovoisinContext, chat_id: int, user_id: int) -> bool:
    """True while the person is in the group (a restricted member still counts as in)."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        # The group is gone, or the bot was removed from it: nobody acts there through us.
        log.info("membership of %s in %s could not be checked", user_id, chat_id)
        return False
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in _IN_GROUP
