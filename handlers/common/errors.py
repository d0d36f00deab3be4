"""The last resort: log what went wrong, tell the member kindly, keep running."""

from __future__ import annotations

import logging

from telegram import ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from handlers.common.context import CovoisinContext
from handlers.common.speech import is_group, personal_speaker, speaker_for

log = logging.getLogger(__name__)


def _is_a_second_tap(error: object) -> bool:
    """Telegram refuses to edit a message into what it already shows: a button tapped twice
    (the first tap did the work). Nothing went wrong for the member."""
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


async def on_error(update: object, context: CovoisinContext) -> None:
    if _is_a_second_tap(context.error):
        log.info("a message already showed its edit: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await _apologise(update, context)
    except (TelegramError, RuntimeError):
        log.warning("could not tell the member about the error", exc_info=True)


async def _apologise(update: Update, context: CovoisinContext) -> None:
    """Never silence: a button gets its answer (the presser alone sees it), a message in the
    group an apology in private, or, when the private chat is closed, one short line in the
    group that rings no one's phone."""
    chat, user, query = update.effective_chat, update.effective_user, update.callback_query
    assert chat is not None
    if query is not None:
        say = await personal_speaker(context, query.from_user)
        try:
            await query.answer(say("error.sorry"), show_alert=True)
        except BadRequest:
            # Already answered before the fault: the member saw the press work, or not.
            log.info("the pressed button was already answered")
        return
    if not is_group(chat):
        say = await speaker_for(update, context)
        await context.bot.send_message(chat.id, say("error.sorry"))
        return
    if user is None or user.is_bot:
        return
    try:
        say = await personal_speaker(context, user, chat.id)
        await context.bot.send_message(user.id, say("error.sorry"))
    except Forbidden:
        group_say = await speaker_for(update, context)
        message = update.effective_message
        await context.bot.send_message(
            chat.id,
            group_say("error.sorry_in_group", name=user.first_name),
            reply_parameters=(
                ReplyParameters(message.message_id, allow_sending_without_reply=True)
                if message
                else None
            ),
            disable_notification=True,
        )
