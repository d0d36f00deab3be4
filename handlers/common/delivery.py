"""Telling one member something privately, even if they never opened the private chat."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, auto

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError, TimedOut

from bot.deeplinks import Action, DeepLink, start_url
from bot.i18n import Html
from handlers.common.context import CovoisinApp, CovoisinContext
from handlers.common.guards import is_group_member
from handlers.common.render import car_title, when_long
from handlers.common.speech import Speaker, group_speaker, member_speaker, mention
from storage.models import Booking, Car, PendingMessage
from storage.privacy import FORMER_MEMBER_ID

log = logging.getLogger(__name__)

# How the outbox tries again a message Telegram failed to take; after the last try the
# message still waits for the member's next visit to the private chat (/start).
RETRY_EVERY = timedelta(minutes=1)
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=1)
MAX_ATTEMPTS = 12
OUTBOX_JOB = "outbox"


@dataclass(frozen=True, slots=True)
class Private:
    """One private message to one member."""

    user_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


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
    unreached = await tell_each_privately(
        context,
        [Private(user_id, text, reply_markup)],
        group_chat_id=group_chat_id,
        nudge_in_group=nudge_in_group,
    )
    return not unreached


async def tell_each_privately(
    context: CovoisinContext,
    messages: Iterable[Private],
    *,
    group_chat_id: int | None,
    nudge_in_group: bool = True,
) -> list[int]:
    """Several DMs for one action; returns the members whose private chat is closed.

    Their messages are kept, and one group message at most names those not already
    waiting for something: a village group hears once per action, not once per person.
    Callers that answer in the group anyway pass `nudge_in_group=False` and fold
    `open_private_chat_line` into their own reply.
    """
    unreached: list[int] = []
    to_nudge: list[int] = []
    repos = context.services.repos
    for message in messages:
        if message.user_id == FORMER_MEMBER_ID:
            continue  # the side of someone forgotten (/oublier): nobody to tell
        try:
            await context.bot.send_message(
                message.user_id, message.text, reply_markup=message.reply_markup
            )
            continue
        except Forbidden:
            log.info("private chat with %s closed, keeping a message", message.user_id)
        except TimedOut:
            # Telegram may have delivered it: sending it again could say it twice.
            log.warning("message to %s timed out, not repeated", message.user_id)
            continue
        except TelegramError as error:
            # Not delivered (the rate limiter already retried passing faults): kept, and
            # the outbox job tries again; the others of this action still get theirs.
            log.warning("message to %s failed (%s), will retry", message.user_id, error)
            await _keep(context, message, group_chat_id, retry_at=_next_try(context, 0))
            continue
        if group_chat_id is not None and not await repos.pending.has_undelivered(
            message.user_id, group_chat_id
        ):
            to_nudge.append(message.user_id)
        await _keep(context, message, group_chat_id, retry_at=None)
        unreached.append(message.user_id)
    if nudge_in_group and group_chat_id is not None and to_nudge:
        await _point_to_private_chat(context, group_chat_id, to_nudge)
    return unreached


async def _point_to_private_chat(
    context: CovoisinContext, group_chat_id: int, user_ids: Sequence[int]
) -> None:
    """One group message naming those whose private chat is closed, with its button."""
    say = await group_speaker(context, group_chat_id)
    text, markup = await open_private_chat_line(context, say, user_ids)
    try:
        await context.bot.send_message(group_chat_id, text, reply_markup=markup)
    except TelegramError:
        # The bot may have been removed from the group: the messages still wait.
        log.warning("could not point %s to their private chat", user_ids, exc_info=True)


async def _keep(
    context: CovoisinContext,
    message: Private,
    group_chat_id: int | None,
    retry_at: datetime | None,
) -> None:
    await context.services.repos.pending.add(
        message.user_id,
        group_chat_id,
        message.text,
        message.reply_markup.to_json() if message.reply_markup else None,
        context.services.clock(),
        retry_at=retry_at,
    )


def _next_try(context: CovoisinContext, attempts: int) -> datetime | None:
    """A minute, then twice as long each time up to an hour; None after MAX_ATTEMPTS."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = min(RETRY_FIRST * (1 << attempts), RETRY_LONGEST)
    return context.services.clock() + wait


class _Sent(Enum):
    DELIVERED = auto()
    # nothing to do: claimed by someone else, or timed out (perhaps delivered: not repeated)
    SKIPPED = auto()
    # the private chat is closed (403): the claim is for the caller to undo
    CLOSED = auto()
    # Telegram failed to take it: the claim is for the caller to undo
    FAILED = auto()


async def _send_kept(context: CovoisinContext, message: PendingMessage) -> _Sent:
    """Claim a kept message, send it, and delete it once delivered. Claimed before
    sending, so two senders never send one twice."""
    repos = context.services.repos
    if not await repos.pending.claim(message.id, context.services.clock()):
        return _Sent.SKIPPED
    if message.chat_id is not None and not await is_group_member(
        context, message.chat_id, message.user_id
    ):
        # About a group they have left since (the bot may have missed the departure): no
        # longer theirs to read.
        await repos.pending.delivered(message.id)
        return _Sent.SKIPPED
    markup = (
        InlineKeyboardMarkup.de_json(json.loads(message.reply_markup), context.bot)
        if message.reply_markup
        else None
    )
    try:
        await context.bot.send_message(message.user_id, message.text, reply_markup=markup)
    except Forbidden:
        return _Sent.CLOSED
    except TimedOut:
        log.warning("kept message %s timed out, not repeated", message.id)
        return _Sent.SKIPPED
    except TelegramError as error:
        log.warning("kept message %s failed (%s)", message.id, error)
        return _Sent.FAILED
    await repos.pending.delivered(message.id)
    return _Sent.DELIVERED


async def retry_kept_messages(context: CovoisinContext) -> int:
    """The outbox job: send again the messages Telegram failed to take; returns how many
    arrived."""
    repos = context.services.repos
    delivered = 0
    closed: defaultdict[int, list[int]] = defaultdict(list)
    for message in await repos.pending.due_for_retry(context.services.clock()):
        sent = await _send_kept(context, message)
        if sent is _Sent.CLOSED:
            # Their private chat closed meanwhile: it waits for them to open it, and the
            # group tells them so, as when it was first refused.
            await repos.pending.retry_later(message.id, None)
            if message.chat_id is not None and message.user_id not in closed[message.chat_id]:
                closed[message.chat_id].append(message.user_id)
        elif sent is _Sent.FAILED:
            retry_at = _next_try(context, message.attempts + 1)
            if retry_at is None:
                log.error("kept message %s given up after %s tries", message.id, MAX_ATTEMPTS)
            await repos.pending.retry_later(message.id, retry_at)
        if sent is _Sent.DELIVERED:
            delivered += 1
    for chat_id, user_ids in closed.items():
        await _point_to_private_chat(context, chat_id, user_ids)
    return delivered


def schedule_outbox(app: CovoisinApp) -> None:
    """Every minute, from the start: what failed before a restart is tried again too."""
    assert app.job_queue is not None, "the job-queue extra is a dependency"
    app.job_queue.run_repeating(
        retry_kept_messages, interval=RETRY_EVERY, first=RETRY_EVERY, name=OUTBOX_JOB
    )


async def open_private_chat_line(
    context: CovoisinContext, say: Speaker, user_ids: Sequence[int]
) -> tuple[str, InlineKeyboardMarkup]:
    """« Marie, Luc, j'ai un message pour vous en privé » and the button that opens it."""
    names = []
    for user_id in user_ids:
        member = await context.services.repos.users.get(user_id)
        names.append(mention(user_id, member.first_name if member else "?"))
    button = InlineKeyboardButton(
        say("delivery.open_private_chat"),
        url=start_url(context.bot.username, DeepLink(Action.INBOX)),
    )
    text = say.plural("delivery.group_nudge", len(names), member=Html(", ".join(names)))
    return text, InlineKeyboardMarkup([[button]])


async def deliver_pending(context: CovoisinContext, user_id: int) -> int:
    """Send what was kept for this member, oldest first; returns how many arrived."""
    repos = context.services.repos
    delivered = 0
    for message in await repos.pending.undelivered(user_id):
        sent = await _send_kept(context, message)
        if sent is _Sent.CLOSED:
            # Closed again (blocked): all of it waits for their next visit.
            await repos.pending.release(message.id)
            break
        if sent is _Sent.FAILED:
            # This one waits for the outbox; the ones after it are still delivered now.
            await repos.pending.retry_later(message.id, _next_try(context, message.attempts))
        if sent is _Sent.DELIVERED:
            delivered += 1
    return delivered


# What one reader is told, written in their own language: the text, with buttons or not.
Written = str | tuple[str, InlineKeyboardMarkup | None]


async def written_for(
    context: CovoisinContext,
    chat_id: int,
    readers: Iterable[int],
    write: Callable[[Speaker], Written],
) -> list[Private]:
    """One private message for each reader (once each), each in their own language and in
    the group's time zone."""
    messages = []
    for reader in dict.fromkeys(readers):
        written = write(await member_speaker(context, reader, chat_id))
        text, markup = (written, None) if isinstance(written, str) else written
        messages.append(Private(reader, text, markup))
    return messages


async def tell_each(
    context: CovoisinContext,
    chat_id: int,
    readers: Iterable[int],
    write: Callable[[Speaker], Written],
    *,
    nudge_in_group: bool = True,
) -> list[int]:
    """Tell each reader, in their own language, what `write` says: one action's messages,
    one group message at most for those whose private chat is closed (tell_each_privately)."""
    messages = await written_for(context, chat_id, readers, write)
    return await tell_each_privately(
        context, messages, group_chat_id=chat_id, nudge_in_group=nudge_in_group
    )


def about_booking(key: str, booking: Booking, car: Car, **names: str) -> Callable[[Speaker], str]:
    """The usual notice about one booking: `key` filled with the car, the dates in full in
    the reader's language, and the names given."""
    return lambda say: say(
        key, car=car_title(car.name), when=when_long(say, booking.start, booking.end), **names
    )


def about_removed_car(booking: Booking, car: Car, owner: str) -> Callable[[Speaker], str]:
    """To a borrower whose request or booking went with the car its owner took back (by
    removing it, or by asking to be forgotten)."""
    # A request nobody had answered yet, or a booking already accepted.
    key = "booking" if booking.decided_at else "request"
    return about_booking(f"cars.removed.borrower_{key}", booking, car, owner=owner)
