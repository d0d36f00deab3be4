"""`/start` in the private chat: onboarding, and the deep links that lead there."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.deeplinks import Action, parse_payload
from handlers.common.context import CovoisinContext
from handlers.common.delivery import deliver_pending
from handlers.common.guards import is_group_member
from handlers.common.speech import personal_speaker


async def start(update: Update, context: CovoisinContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    repos = context.services.repos
    await repos.users.mark_started(user.id, context.services.clock())
    link = parse_payload(context.args[0]) if context.args else None
    group_id = link.argument if link and link.action is Action.GROUP else None
    # A group's name is told only to its members, as Telegram sees them now: the link can
    # be typed by anyone, and the bot may have missed someone leaving.
    group = await repos.groups.get(group_id) if group_id else None
    if group is not None and not (
        group.active and await is_group_member(context, group.chat_id, user.id)
    ):
        group = None
    say = await personal_speaker(context, user, group.chat_id if group else None)

    waiting = await repos.pending.undelivered(user.id)
    if waiting:
        await message.reply_text(say.plural("start.pending", len(waiting), name=user.first_name))
    elif group is not None:
        await message.reply_text(say("start.from_group", name=user.first_name, group=group.title))
    else:
        await message.reply_text(say("start.welcome", name=user.first_name))
    # Whatever link brought them here, what was waiting for them is theirs now.
    await deliver_pending(context, user.id)


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [CommandHandler("start", start, filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE)]
