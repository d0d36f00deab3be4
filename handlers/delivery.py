"""Telling one member something privately, even if they never opened the private chat."""

from __future__ import annotations

import json
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot.deeplinks import Action, DeepLink, start_url
from handlers.context import CovoisinContext
from handlers.speech import group_speaker, mention

log = logging.getLogger(__name__)


async def tell_privately(
    context: CovoisinContext,
    user_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    group_chat_id: int | None = None,
    nudge_in_group: bool = True,
) -> bool:
    """Send a DM; if Telegram refuses (403: never started, or blocked), keep it for later.

    The kept message is delivered when the member opens the private chat through the
    deep link posted in the group (once per member and group while something waits).
    Returns True when the member got it now.
    """
    try:
        await context.bot.send_message(user_id, text, reply_markup=reply_markup)
    except Forbidden:
        log.info("private chat with %s closed, keeping a message for later", user_id)
    else:
        return True

    services = context.services
    repos = services.repos
    already_nudged = group_chat_id is not None and await repos.pending.has_undelivered(
        user_id, group_chat_id
    )
    await repos.pending.add(
        user_id,
        group_chat_id,
        text,
        reply_markup.to_json() if reply_markup else None,
        services.clock(),
    )
    if group_chat_id is None or already_nudged or not nudge_in_group:
        return False

    member = await repos.users.get(user_id)
    name = member.first_name if member else "?"
    say = await group_speaker(context, group_chat_id)
    button = InlineKeyboardButton(
        say("delivery.open_private_chat"),
        url=start_url(context.bot.username, DeepLink(Action.INBOX)),
    )
    await context.bot.send_message(
        group_chat_id,
        say("delivery.group_nudge", member=mention(user_id, name)),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )
    return False


async def deliver_pending(context: CovoisinContext, user_id: int) -> int:
    """Send what was kept for this member, oldest first; returns how many arrived."""
    repos = context.services.repos
    delivered = 0
    for message in await repos.pending.undelivered(user_id):
        if not await repos.pending.claim(message.id, context.services.clock()):
            continue
        markup = (
            InlineKeyboardMarkup.de_json(json.loads(message.reply_markup), context.bot)
            if message.reply_markup
            else None
        )
        try:
            await context.bot.send_message(user_id, message.text, reply_markup=markup)
        except TelegramError:
            await repos.pending.release(message.id)
            raise
        delivered += 1
    return delivered
