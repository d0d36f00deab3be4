"""Who a command is about: the member replied to, or the one named by @username."""

from __future__ import annotations

from telegram import Message

from bot.i18n import echo
from handlers.common.context import CovoisinContext
from handlers.common.guards import is_group_member


async def named_member(
    context: CovoisinContext, message: Message, chat_id: int, rest: list[str]
) -> tuple[int, str] | str | None:
    """The member meant: (id, first name) of the one replied to, or of the first @username
    among `rest`; that @username itself when the group has nobody by it; None if nobody
    is named."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.sender_chat is None:
        person = replied.from_user
        if person.is_bot:
            return None
        # Privacy mode hid their messages from the bot: it may meet them only now. They
        # belong to the group if Telegram says they are in it still (the message replied to
        # may be older than their leaving).
        services, now = context.services, context.services.clock()
        await services.repos.users.seen(
            person.id, person.first_name, person.username, person.language_code, now
        )
        if await services.repos.groups.member(chat_id, person.id) is None and await is_group_member(
            context, chat_id, person.id
        ):
            await services.repos.groups.add_member(chat_id, person.id, now)
        return person.id, person.first_name
    for word in rest:
        if word.startswith("@") and len(word) > 1:
            found = await context.services.repos.groups.member_by_username(chat_id, word[1:])
            # An unknown @name is repeated in the answer: whatever was typed, kept short.
            return echo(word) if found is None else (found.user_id, found.first_name)
    return None
