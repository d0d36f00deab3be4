"""Who a command is about: the member replied to, or the one named by @username."""

from __future__ import annotations

from telegram import Message

from bot.i18n import echo
from handlers.common.context import CovoisinContext


async def named_member(
    context: CovoisinContext, message: Message, chat_id: int, rest: list[str]
) -> tuple[int, str] | str | None:
    """The member meant: (id, first name); the @username we do not know; None if nobody."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.sender_chat is None:
        person = replied.from_user
        if person.is_bot:
            return None
        # Privacy mode hid their messages from the bot: it may meet them only now.
        services = context.services
        await services.repos.users.seen(
            person.id, person.first_name, person.username, person.language_code, services.clock()
        )
        return person.id, person.first_name
    if rest and rest[0].startswith("@") and len(rest[0]) > 1:
        username = rest[0]
        found = await context.services.repos.groups.member_by_username(chat_id, username[1:])
        member = None if found is None else (found.user_id, found.first_name)
        # An unknown @name is repeated in the answer: whatever was typed, kept short.
        return member if member is not None else echo(username)
    return None
