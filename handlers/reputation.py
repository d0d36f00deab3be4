"""Reputation in Telegram: /profil, /garant, the feedback after a return and its reveal.

Feedback is a short private conversation: 👍 or 👎, then optional tags, an optional
comment typed as a message, and « Envoyer ». Nothing is written before « Envoyer »; the
answer stays hidden until its seven days are over (a moment of the bookings' timer) or
the other side's answer shows both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from babel.dates import format_date
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.i18n import echo
from bot.reputation import (
    COMMENT_MAX_LENGTH,
    FEEDBACK_TAGS,
    MemberProfile,
    ReputationRefused,
    Reveal,
    Vouched,
)
from bot.trips import Trip
from handlers.common.context import CovoisinContext
from handlers.common.conversations import (
    FORM_TIMEOUT,
    OpenForms,
    form_conversation,
    plain,
    restored,
)
from handlers.common.delivery import Private, tell_each_privately
from handlers.common.guards import is_group_member
from handlers.common.jobs import follow
from handlers.common.members import named_member
from handlers.common.records import names_list, voucher_names
from handlers.common.render import car_title, first_name, when_long, when_short
from handlers.common.speech import (
    Speaker,
    group_speaker,
    is_group,
    member_speaker,
    personal_speaker,
)
from storage.models import Feedback, FeedbackSide

log = logging.getLogger(__name__)

MESSAGE = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE & MESSAGE
WRITING = "writing"
UP, DOWN, SEND = "up", "down", "send"
WITHDRAW_WORDS = frozenset({"retirer", "withdraw"})


# Profiles


async def profile_text(context: CovoisinContext, say: Speaker, found: MemberProfile) -> str:
    profile, member = found.profile, found.member
    since = format_date(member.first_seen.astimezone(say.zone), "long", locale=say.language)
    lines = [
        say("reputation.profile.title", name=member.first_name, since=since),
        say.plural(
            "reputation.profile.borrowed", profile.borrowed, on_time=profile.borrowed_on_time
        ),
        say.plural("reputation.profile.lent", profile.lent),
        say("reputation.profile.thumbs", up=profile.thumbs_up, down=profile.thumbs_down),
    ]
    if profile.vouched_by:
        names = names_list(say, await voucher_names(context, profile))
        lines.append(say("reputation.profile.vouched", names=names))
    else:
        lines.append(say("reputation.profile.not_vouched"))
    if profile.open_incidents:
        lines.append(say.plural("reputation.profile.incidents", len(profile.open_incidents)))
    if found.trusted:
        lines.append(say("reputation.profile.trusted"))
    return "\n".join(lines)


async def _named(
    context: CovoisinContext, message: Message, chat_id: int, args: list[str]
) -> int | str | None:
    """The id of the member a command is about, the unknown @username, or None."""
    named = await named_member(context, message, chat_id, args)
    return named[0] if isinstance(named, tuple) else named


async def show_profile(update: Update, context: CovoisinContext) -> None:
    """`/profil` (mine), `/profil @marie` or in reply to Marie: in the group or in private."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    args = list(context.args or [])
    if is_group(chat):
        say = await group_speaker(context, chat.id)
        named = await _named(context, message, chat.id, args)
        if isinstance(named, str):
            await message.reply_text(say("reputation.unknown_member", username=named))
            return
        found = await context.services.reputation.profile(
            chat.id, user.id if named is None else named
        )
        if found is None:
            await message.reply_text(say("reputation.unknown_member", username=""))
            return
        await message.reply_text(await profile_text(context, say, found))
        return
    say = await personal_speaker(context, user)
    texts = []
    for group in await context.services.repos.groups.groups_of(user.id):
        # The bot may have missed them leaving (big groups hide those messages): only a
        # member now reads the group's profiles.
        if not await is_group_member(context, group.chat_id, user.id):
            continue
        target: int | None = user.id
        if args and args[0].startswith("@"):
            member = await context.services.repos.groups.member_by_username(
                group.chat_id, args[0][1:]
            )
            target = None if member is None else member.user_id
        found = (
            None
            if target is None
            else await context.services.reputation.profile(group.chat_id, target)
        )
        if found is not None:
            group_say = await personal_speaker(context, user, group.chat_id)
            texts.append(await profile_text(context, group_say, found))
    if not texts:
        key = "reputation.unknown_member" if args else "booking.no_group"
        await message.reply_text(say(key, username=echo(args[0]) if args else ""))
        return
    await message.reply_text("\n\n".join(texts))


# Vouches


async def vouch(update: Update, context: CovoisinContext) -> None:
    """`/garant @marie`, or in reply to Marie; `/garant retirer @marie` withdraws."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    if not is_group(chat):
        say = await personal_speaker(context, user)
        await message.reply_text(say("reputation.vouch.in_group"))
        return
    say = await group_speaker(context, chat.id)
    args = list(context.args or [])
    withdraw = bool(args) and args[0].lower() in WITHDRAW_WORDS
    named = await _named(context, message, chat.id, args[1:] if withdraw else args)
    if named is None:
        await message.reply_text(say("reputation.vouch.usage"))
        return
    if isinstance(named, str):
        await message.reply_text(say("reputation.unknown_member", username=named))
        return
    if not await is_group_member(context, chat.id, named):
        await message.reply_text(say("reputation.refusal.not_member"))
        return
    service = context.services.reputation
    result = (
        await service.withdraw_vouch(chat.id, user.id, named)
        if withdraw
        else await service.vouch(chat.id, user.id, named)
    )
    if isinstance(result, ReputationRefused):
        name = await first_name(context, named)
        await message.reply_text(say(f"reputation.refusal.{result.reason}", name=name))
        return
    assert isinstance(result, Vouched)
    key = "reputation.vouch.withdrawn" if withdraw else "reputation.vouch.given"
    await message.reply_text(say(key, voucher=user.first_name, name=result.member.first_name))


# Feedback


@dataclass(slots=True)
class FeedbackDraft:
    """An answer being written; nothing is stored before « Envoyer »."""

    booking_id: int
    thumbs_up: bool
    tags: set[str] = field(default_factory=set)
    comment: str = ""


_DRAFT = "feedback_draft"


def _draft(context: CovoisinContext) -> FeedbackDraft | None:
    """A copy of the draft kept: what changes in it is kept by `_keep`."""
    return restored(FeedbackDraft, context.user_data.get(_DRAFT)) if context.user_data else None


def _keep(context: CovoisinContext, draft: FeedbackDraft | None) -> None:
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(_DRAFT, None)
    else:
        context.user_data[_DRAFT] = plain(draft)


def _button(label: str, booking_id: int, option: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label, callback_data=Callback(Kind.FEEDBACK, booking_id, option).data()
    )


def _thumbs(say: Speaker, booking_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(say("reputation.button.up"), booking_id, UP),
                _button(say("reputation.button.down"), booking_id, DOWN),
            ]
        ]
    )


def _draft_keyboard(say: Speaker, draft: FeedbackDraft) -> InlineKeyboardMarkup:
    rows = [
        [
            _button(
                ("✓ " if tag in draft.tags else "") + say(f"reputation.tag.{tag}"),
                draft.booking_id,
                tag,
            )
        ]
        for tag in FEEDBACK_TAGS
    ]
    rows.append([_button(say("reputation.button.send"), draft.booking_id, SEND)])
    return InlineKeyboardMarkup(rows)


def _draft_text(say: Speaker, heading: str, draft: FeedbackDraft) -> str:
    lines = [
        heading,
        "",
        say(
            "reputation.feedback.chosen_up"
            if draft.thumbs_up
            else "reputation.feedback.chosen_down"
        ),
        say("reputation.feedback.details", limit=COMMENT_MAX_LENGTH),
    ]
    if draft.comment:
        lines.append(say("reputation.feedback.comment", comment=draft.comment))
    return "\n".join(lines)


async def _heading(
    context: CovoisinContext, say: Speaker, trip: Trip, side: FeedbackSide
) -> tuple[str, str]:
    """The question, and the first name of whom it is about."""
    booking, car = trip.booking, trip.car
    other = await first_name(
        context, car.owner_id if side is FeedbackSide.BORROWER else booking.borrower_id
    )
    question = say(
        "reputation.feedback.prompt",
        car=car_title(car.name),
        when=when_short(say, booking.start, booking.end),
        other=other,
    )
    return question, other


async def offer_feedback(context: CovoisinContext, trip: Trip) -> None:
    """After a return: both sides are asked, privately (the reveal is a moment of the
    bookings' timer, planned from the round the return opened)."""
    booking = trip.booking
    messages = []
    for member, side in [(booking.borrower_id, FeedbackSide.BORROWER)] + [
        (manager, FeedbackSide.OWNER) for manager in trip.managers
    ]:
        if not await is_group_member(context, booking.chat_id, member):
            continue  # left the village (and brought the car back): no say on it any more
        say = await member_speaker(context, member, booking.chat_id)
        question, other = await _heading(context, say, trip, side)
        text = question + "\n" + say("reputation.feedback.hidden", other=other)
        messages.append(Private(member, text, _thumbs(say, booking.id)))
    await tell_each_privately(context, messages, group_chat_id=booking.chat_id)


async def _refuse(query: CallbackQuery, say: Speaker, refused: ReputationRefused) -> None:
    text = say(f"reputation.refusal.{refused.reason}", name="", limit=COMMENT_MAX_LENGTH)
    await query.answer(text, show_alert=True)


async def on_feedback_button(update: Update, context: CovoisinContext) -> object:
    query = update.callback_query
    if query is None:
        return ConversationHandler.END
    callback = parse_callback(query.data)
    say = await personal_speaker(context, query.from_user)
    if callback is None or callback.kind is not Kind.FEEDBACK:
        await query.answer(say("button.unknown"), show_alert=True)
        return ConversationHandler.END
    service = context.services.reputation
    target = await service.feedback_target(callback.target, query.from_user.id)
    if isinstance(target, ReputationRefused):
        await _refuse(query, say, target)
        return ConversationHandler.END
    if not await is_group_member(context, target.booking.chat_id, query.from_user.id):
        # Someone who left the village gives no more feedback there, as with every trip button.
        await query.answer(say("button.left_group"), show_alert=True)
        return ConversationHandler.END
    say = await personal_speaker(context, query.from_user, target.booking.chat_id)
    trip = Trip(target.booking, target.car, target.managers)
    heading, _ = await _heading(context, say, trip, target.side)
    draft = _draft(context)
    if callback.option in (UP, DOWN):
        draft = FeedbackDraft(callback.target, callback.option == UP)
    elif draft is None or draft.booking_id != callback.target:
        # The half-written answer is gone (half an hour of silence, another one begun): ask again.
        await query.answer(say("button.stale"))
        await query.edit_message_text(heading, reply_markup=_thumbs(say, callback.target))
        return ConversationHandler.END
    elif callback.option in FEEDBACK_TAGS:
        draft.tags ^= {callback.option}
    elif callback.option == SEND:
        return await _send(query, context, say, draft, heading)
    else:
        await query.answer(say("button.unknown"), show_alert=True)
        return WRITING
    _keep(context, draft)
    await query.answer()
    await query.edit_message_text(
        _draft_text(say, heading, draft), reply_markup=_draft_keyboard(say, draft)
    )
    return WRITING


async def on_comment(update: Update, context: CovoisinContext) -> object:
    """A message typed while an answer is open is its comment (500 characters at most)."""
    message, user, draft = update.effective_message, update.effective_user, _draft(context)
    if message is None or user is None or message.text is None or draft is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user)
    comment = message.text.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        await message.reply_text(
            say("reputation.feedback.too_long", length=len(comment), limit=COMMENT_MAX_LENGTH)
        )
        return WRITING
    draft.comment = comment
    _keep(context, draft)
    await message.reply_text(
        say("reputation.feedback.comment_kept"),
        reply_markup=InlineKeyboardMarkup(
            [[_button(say("reputation.button.send"), draft.booking_id, SEND)]]
        ),
    )
    return WRITING


async def _send(
    query: CallbackQuery,
    context: CovoisinContext,
    say: Speaker,
    draft: FeedbackDraft,
    heading: str,
) -> object:
    result = await context.services.reputation.give_feedback(
        draft.booking_id, query.from_user.id, draft.thumbs_up, draft.tags, draft.comment
    )
    if isinstance(result, ReputationRefused):
        await _refuse(query, say, result)
        return WRITING
    _keep(context, None)
    await query.answer()
    message = query.message
    if isinstance(message, Message) and message.text is not None:
        await query.edit_message_text(
            _draft_text(say, heading, draft) + "\n\n" + say("reputation.feedback.sent")
        )
    await reveal_now(context, draft.booking_id)
    return ConversationHandler.END


async def on_cancel(update: Update, context: CovoisinContext) -> object:
    user = update.effective_user
    _keep(context, None)
    if user is not None:
        say = await personal_speaker(context, user)
        await context.bot.send_message(user.id, say("reputation.feedback.cancelled"))
    return ConversationHandler.END


# The reveal: the database holds the truth; the timer (handlers/jobs.py) wakes for it.


async def reveal_due(context: CovoisinContext, booking_id: int, kind: str) -> None:
    """The round's seven days are over: what was answered is shown."""
    await reveal_now(context, booking_id)


async def reveal_now(context: CovoisinContext, booking_id: int) -> None:
    """Show the answers to both sides if they are due; the claim makes it happen once."""
    reveal = await context.services.reputation.claim_reveal(booking_id)
    if reveal is None:
        return
    await follow(context, [booking_id])  # revealed before its time: no reveal left to wait for
    if not reveal.answers:
        return  # nobody answered in seven days: nothing to show
    booking = reveal.booking
    readers = dict.fromkeys([booking.borrower_id, *reveal.managers])
    messages = []
    for reader in readers:
        say = await member_speaker(context, reader, booking.chat_id)
        messages.append(Private(reader, await _reveal_text(context, say, reveal)))
    await tell_each_privately(context, messages, group_chat_id=booking.chat_id)


async def _reveal_text(context: CovoisinContext, say: Speaker, reveal: Reveal) -> str:
    booking = reveal.booking
    lines = [
        say(
            "reputation.reveal.title",
            car=car_title(reveal.car.name),
            when=when_long(say, booking.start, booking.end),
        )
    ]
    for answer in reveal.answers:
        lines.append(await _answer_line(context, say, answer))
    if len(reveal.answers) < len(FeedbackSide):
        lines.append(say("reputation.reveal.one_side"))
    return "\n".join(lines)


async def _answer_line(context: CovoisinContext, say: Speaker, answer: Feedback) -> str:
    tags = names_list(say, [say(f"reputation.tag.{tag}") for tag in answer.tags])
    line = say(
        "reputation.reveal.answer_up" if answer.thumbs_up else "reputation.reveal.answer_down",
        author=await first_name(context, answer.author_id),
        subject=await first_name(context, answer.subject_id),
    )
    if tags:
        line += " · " + tags
    if answer.comment:
        line += "\n" + say("reputation.feedback.comment", comment=answer.comment)
    return line


def handlers(forms: OpenForms) -> list[BaseHandler[Update, CovoisinContext, object]]:
    feedback_button = button_of(Kind.FEEDBACK)
    # Each button names its booking: a button of another answer than the open one is
    # refused as stale.
    conversation = form_conversation(
        "feedback_form",
        forms,
        entry_points=[CallbackQueryHandler(on_feedback_button, pattern=feedback_button)],
        states={
            WRITING: [
                CallbackQueryHandler(on_feedback_button, pattern=feedback_button),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_comment),
            ],
        },
        fallbacks=[CommandHandler(["cancel", "annuler"], on_cancel, PRIVATE)],
        allow_reentry=True,
        # An answer left half-written stops taking the member's messages as its comment.
        conversation_timeout=FORM_TIMEOUT,
    )
    return [
        conversation,
        CommandHandler(["profile", "profil"], show_profile, MESSAGE),
        CommandHandler(["vouch", "garant"], vouch, MESSAGE),
    ]
