"""Booking requests, the owners' private decisions, expiry, my bookings, cancellation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.booking import (
    Accepted,
    ActionRefusalReason,
    ActionRefused,
    AutoAccepted,
    BookingView,
    Cancelled,
    NeedsCharter,
    NeedsVouch,
    Refusal,
    RefusalReason,
    Requested,
    Withdrawn,
)
from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.contribution import format_amount
from bot.dates import DateParseError, Interval, parse_interval
from bot.i18n import Html, echo
from bot.request_text import CarMention
from bot.trips import OpenContribution
from bot.trips.rules import may_mark_no_show
from handlers.common.admins import admin_in_group, is_admin, sent_as_group
from handlers.common.buttons import button
from handlers.common.context import CovoisinContext
from handlers.common.conversations import plain, restored
from handlers.common.delivery import (
    Private,
    Written,
    about_booking,
    open_private_chat_line,
    tell_each,
    tell_each_privately,
    tell_privately,
    written_for,
)
from handlers.common.guards import has_left, is_group_member, is_present
from handlers.common.help_text import show_help
from handlers.common.jobs import follow
from handlers.common.places import Place, place_of_car_command
from handlers.common.prompts import close_prompt
from handlers.common.records import profile_line
from handlers.common.render import (
    car_title,
    duration,
    first_name,
    intervals_short,
    moment,
    when_long,
    when_short,
)
from handlers.common.speech import (
    Speaker,
    group_speaker,
    is_group,
    member_speaker,
    mention,
    personal_speaker,
)
from storage.models import Booking, BookingStatus, Car

log = logging.getLogger(__name__)

MESSAGE = filters.UpdateType.MESSAGE
DECLINE_REASONS = ("busy", "not_now", "none")


# Requests


async def request_booking(update: Update, context: CovoisinContext) -> None:
    """`/reserver clio samedi 10h-12h`, in the group or in the private chat."""
    found = await place_of_car_command(update, context)
    if found is None:
        return
    message, _, place = found
    if not context.args:
        await message.reply_text(place.say("booking.usage"))
        return
    if place.mention.car_key is None:
        await message.reply_text(await _unknown_car_text(context, place))
        return
    await _request(update, context, place)


async def request_by_mention(update: Update, context: CovoisinContext) -> None:
    """`@CovoisinBot je voudrais la clio samedi matin` in the group is a request when it
    names one of the group's cars; anything else gets the help."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text.replace(f"@{context.bot.username}", " ")
    found = await place_of_car_command(update, context, text)
    if found is None:
        return
    if found[2].mention.car_key is None:
        await show_help(update, context)
        return
    await _request(update, context, found[2])


async def _request(update: Update, context: CovoisinContext, place: Place) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and place.mention.car_key is not None
    say = place.say
    now = context.services.clock().astimezone(say.zone)
    try:
        interval = parse_interval(place.mention.when, now)
    except DateParseError as error:
        await message.reply_text(say(error.message_key, text=echo(error.text)))
        return
    result = await context.services.booking.request(
        place.chat_id, user.id, place.mention.car_key, interval
    )
    if isinstance(result, NeedsVouch):
        await message.reply_text(say("booking.refusal.needs_vouch"))
        return
    if isinstance(result, NeedsCharter):
        # The request waits for « J'accepte » (on_charter_accepted), then goes on.
        await ask_charter(context, message, place, user.id, result.charter)
        return
    if isinstance(result, Refusal):
        await message.reply_text(await _refusal_text(context, say, result, place, interval))
        return
    if isinstance(result, AutoAccepted):
        await _auto_accepted(context, message, place, result.accepted, user.first_name)
        return
    unreached = await _announce_request(context, place, result, user.first_name)
    text = say(
        "booking.requested.group" if place.in_group else "booking.requested.private",
        borrower=user.first_name,
        car=car_title(result.car.name),
        owner=await first_name(context, result.car.owner_id),
        when=when_long(say, result.booking.start, result.booking.end),
    )
    markup = None
    if unreached and place.in_group:
        # The group hears of this request once: the owners whose private chat is closed
        # are named in the same message, with the button that opens it.
        line, markup = await open_private_chat_line(context, say, unreached)
        text += "\n" + line
    await message.reply_text(text, reply_markup=markup)


async def _announce_request(
    context: CovoisinContext, place: Place, requested: Requested, borrower_name: str
) -> list[int]:
    """Each manager gets the private prompt; the expiry is scheduled. Returns the managers
    whose private chat is closed (their prompt waits for them)."""
    booking = requested.booking
    unreached = []
    for manager_id in requested.managers:
        say = await member_speaker(context, manager_id, place.chat_id)
        # The borrower's record right under the date, as the owner weighs the request.
        profile = await profile_line(context, say, place.chat_id, booking.borrower_id)
        text = say(
            "booking.prompt",
            borrower=mention(booking.borrower_id, borrower_name),
            car=car_title(requested.car.name),
            when=when_long(say, booking.start, booking.end),
            profile=Html(profile),
            expires=moment(say, booking.expires_at),
        )
        reached = await tell_privately(
            context,
            manager_id,
            text,
            reply_markup=_decision_buttons(say, booking.id),
            group_chat_id=place.chat_id,
            nudge_in_group=not place.in_group,
        )
        if not reached:
            unreached.append(manager_id)
    await follow(context, [booking.id])
    return unreached


async def _auto_accepted(
    context: CovoisinContext,
    message: Message,
    place: Place,
    accepted: Accepted,
    borrower_name: str,
) -> None:
    """A trusted neighbour's request, accepted at once: the managers are told, the
    requests it overlapped are declined as after an owner's Accept."""
    booking, car = accepted.booking, accepted.car
    await follow(context, [booking.id, *(other.id for other in accepted.declined)])
    await tell_auto_accepted(context, accepted)
    outcomes = []
    for other in accepted.declined:
        outcomes.append(await _outcome(context, other, car, "booking.outcome.superseded"))
    await tell_each_privately(context, outcomes, group_chat_id=booking.chat_id)
    await message.reply_text(
        place.say(
            "reputation.auto.accepted",
            borrower=borrower_name,
            car=car_title(car.name),
            owner=await first_name(context, car.owner_id),
            when=when_long(place.say, booking.start, booking.end),
        )
    )


async def on_charter_accepted(update: Update, context: CovoisinContext) -> None:
    """« J'accepte » under the charter: recorded once, then the request it held goes on."""
    held = await accept_charter(update, context)
    if held is not None:
        await _request(update, context, held)


def _decision_buttons(say: Speaker, booking_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say("booking.button.accept"),
                    callback_data=Callback(Kind.ACCEPT, booking_id).data(),
                ),
                InlineKeyboardButton(
                    say("booking.button.decline"),
                    callback_data=Callback(Kind.DECLINE, booking_id).data(),
                ),
            ]
        ]
    )


async def _unknown_car_text(context: CovoisinContext, place: Place) -> str:
    cars = await context.services.booking.cars(place.chat_id)
    if not cars:
        return place.say("booking.refusal.no_cars")
    return place.say(
        "booking.refusal.unknown_car",
        name=echo(place.mention.first_word or ""),
        names=", ".join(car.name for car in cars),
    )


async def _refusal_text(
    context: CovoisinContext, say: Speaker, refusal: Refusal, place: Place, wanted: Interval
) -> str:
    if refusal.reason is RefusalReason.UNKNOWN_CAR:
        return await _unknown_car_text(context, place)
    car = refusal.car
    assert car is not None
    values: dict[str, object] = {
        "car": car_title(car.name),
        "car_key": car.name_key,
        "owner": await first_name(context, car.owner_id),
        "when": when_long(say, wanted.start, wanted.end),
        "conflicts": intervals_short(say, refusal.conflicts),
        "limit": duration(say, refusal.limit) if refusal.limit else "",
    }
    text = say(f"booking.refusal.{refusal.reason}", **values)
    if refusal.reason in (
        RefusalReason.TAKEN,
        RefusalReason.BLOCKED,
        RefusalReason.OUTSIDE_WINDOWS,
    ):
        if refusal.free_slots:
            first = refusal.free_slots[0]
            example = when_short(say, first.start, first.end)
            text += "\n" + say(
                "booking.refusal.free_slots",
                slots=intervals_short(say, refusal.free_slots),
                car_key=car.name_key,
                example=example,
            )
        else:
            text += "\n" + say("booking.refusal.no_slot")
    return text


# Decisions


async def on_decision(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    callback = parse_callback(query.data)
    say = await personal_speaker(context, query.from_user)
    if callback is None or callback.kind not in (Kind.ACCEPT, Kind.DECLINE):
        await query.answer(say("button.unknown"), show_alert=True)
        return
    if not await _still_in_group(context, query, callback.target):
        return
    if callback.kind is Kind.ACCEPT:
        await _accept(query, context, callback.target)
    elif callback.option is None:
        await _ask_decline_reason(query, context, callback.target)
    else:
        await _decline(query, context, callback.target, callback.option)


async def _still_in_group(context: CovoisinContext, query: CallbackQuery, booking_id: int) -> bool:
    """Someone who left the village group decides nothing there any more."""
    booking = await context.services.booking.get(booking_id)
    if booking is None or await is_group_member(context, booking.chat_id, query.from_user.id):
        return True  # an unknown booking is refused by the service, with its own words
    say = await personal_speaker(context, query.from_user)
    await query.answer(say("button.left_group"), show_alert=True)
    return False


async def _refused(query: CallbackQuery, context: CovoisinContext, refused: ActionRefused) -> None:
    """Someone who may not decide is only answered; the prompt stays as it was for the one
    who may. A manager pressing again (a double tap, a co-manager) sees the decision made."""
    say = await personal_speaker(context, query.from_user)
    reason = refused.reason
    if reason is ActionRefusalReason.NOT_FOUND:
        await query.answer(say("button.stale"), show_alert=True)
        return
    if reason in (ActionRefusalReason.NOT_MANAGER, ActionRefusalReason.NOT_YOURS):
        await query.answer(say("button.not_yours"), show_alert=True)
        return
    booking = refused.booking
    # A conflict, or a request declined because an overlapping one was accepted first.
    if (
        booking
        and refused.holder
        and reason in (ActionRefusalReason.CONFLICT, ActionRefusalReason.ALREADY_HANDLED)
    ):
        car = await context.services.booking.car(booking.car_id)
        say = await personal_speaker(context, query.from_user, booking.chat_id)
        text = say(
            "booking.decided.conflict",
            car=car_title(car.name) if car else "",
            taken=when_short(say, refused.holder.start, refused.holder.end),
        )
    elif reason is ActionRefusalReason.EXPIRED:
        text = say("booking.decided.expired")
    elif booking is not None and (reason_key := await _borrower_reason(context, refused)):
        say = await personal_speaker(context, query.from_user, booking.chat_id)
        text = say(reason_key, borrower=await first_name(context, booking.borrower_id))
    elif booking is not None and (decision := await _decision_text(context, query, booking)):
        # The same words as the press that decided: pressed twice, the prompt reads the same.
        await query.answer(say("booking.decided.already"))
        await close_prompt(query, decision, group_id=booking.chat_id)
        return
    else:
        text = say("booking.decided.already")
    await query.answer(text, show_alert=True)
    # No booking to name a group by: only the presser's own private prompt closes.
    await close_prompt(query, text, group_id=booking.chat_id if booking else 0)


async def _borrower_reason(context: CovoisinContext, refused: ActionRefused) -> str | None:
    """The message key saying that the borrower is why nothing can be decided: they left
    the group, were suspended, or withdrew the request themselves."""
    booking = refused.booking
    if refused.reason is ActionRefusalReason.BORROWER_GONE:
        return "booking.decided.borrower_gone"
    if refused.reason is ActionRefusalReason.BORROWER_SUSPENDED:
        return "booking.decided.borrower_suspended"
    if (
        booking is None
        or booking.status is not BookingStatus.CANCELLED
        or booking.cancelled_by != booking.borrower_id
    ):
        return None
    if await context.services.repos.groups.member(booking.chat_id, booking.borrower_id) is None:
        return "booking.decided.borrower_gone"
    return "booking.decided.withdrawn"


async def _decision_text(
    context: CovoisinContext, query: CallbackQuery, booking: Booking
) -> str | None:
    """What the prompt says once a manager accepted or declined this request; None when
    nobody decided it (cancelled, expired)."""
    if booking.decided_by is None:
        return None
    if booking.status is BookingStatus.DECLINED:
        outcome = "declined"
    elif booking.status in (
        BookingStatus.ACCEPTED,
        BookingStatus.ACTIVE,
        BookingStatus.RETURNED,
        BookingStatus.CLOSED,
        BookingStatus.NO_SHOW,
    ):
        outcome = "accepted"
    else:
        return None
    car = await context.services.booking.car(booking.car_id)
    say = await personal_speaker(context, query.from_user, booking.chat_id)
    by_presser = booking.decided_by == query.from_user.id
    return say(
        f"booking.decided.{outcome}" if by_presser else f"booking.decided.{outcome}_by",
        manager=await first_name(context, booking.decided_by),
        borrower=await first_name(context, booking.borrower_id),
        car=car_title(car.name) if car else "",
        when=when_short(say, booking.start, booking.end),
    )


async def _accept(query: CallbackQuery, context: CovoisinContext, booking_id: int) -> None:
    service = context.services.booking
    booking = await service.get(booking_id)
    if (
        booking is not None
        and query.from_user.id in await service.managers(booking.car_id)
        and await has_left(context, booking.chat_id, booking.borrower_id)
    ):
        # Telegram knows who is in the group now; the bot may have missed the departure
        # (it is told only when it is an admin or sees the service message).
        await withdraw_departed(context, booking.chat_id, booking.borrower_id)
    result = await service.accept(booking_id, query.from_user.id)
    if isinstance(result, ActionRefused):
        await _refused(query, context, result)
        return
    assert isinstance(result, Accepted)
    booking, car = result.booking, result.car
    await follow(context, [booking.id, *(other.id for other in result.declined)])
    say = await personal_speaker(context, query.from_user, booking.chat_id)
    borrower_name = await first_name(context, booking.borrower_id)
    await query.answer()
    await close_prompt(
        query,
        say(
            "booking.decided.accepted",
            borrower=borrower_name,
            car=car_title(car.name),
            when=when_short(say, booking.start, booking.end),
        ),
        group_id=booking.chat_id,
    )
    decider = query.from_user.first_name
    outcomes = [await _outcome(context, booking, car, "booking.outcome.accepted", decider)]
    for other in result.declined:
        outcomes.append(await _outcome(context, other, car, "booking.outcome.superseded", decider))
    await tell_each_privately(context, outcomes, group_chat_id=booking.chat_id)


async def _ask_decline_reason(
    query: CallbackQuery, context: CovoisinContext, booking_id: int
) -> None:
    booking = await context.services.booking.get(booking_id)
    say = await personal_speaker(context, query.from_user)
    if booking is None:
        await query.answer(say("button.stale"), show_alert=True)
        return
    if query.from_user.id not in await context.services.booking.managers(booking.car_id):
        await query.answer(say("button.not_yours"), show_alert=True)
        return
    if booking.status is not BookingStatus.PENDING:
        await _refused(query, context, ActionRefused(ActionRefusalReason.ALREADY_HANDLED, booking))
        return
    buttons = [
        [
            InlineKeyboardButton(
                say(f"booking.decline.reason.{code}"),
                callback_data=Callback(Kind.DECLINE, booking_id, code).data(),
            )
        ]
        for code in DECLINE_REASONS
    ]
    await query.answer()
    # editMessageText rather than editMessageReplyMarkup: PTB adds its default parse_mode
    # to the latter, which Telegram does not know.
    prompt = query.message
    if isinstance(prompt, Message) and prompt.text is not None:
        await query.edit_message_text(prompt.text_html, reply_markup=InlineKeyboardMarkup(buttons))


async def _decline(
    query: CallbackQuery, context: CovoisinContext, booking_id: int, code: str
) -> None:
    if code not in DECLINE_REASONS:
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("button.unknown"), show_alert=True)
        return
    booking = await context.services.booking.get(booking_id)
    reason_text = None
    if booking is not None and code != "none":
        # Stored as the borrower reads it: the reason is for them.
        borrower_say = await member_speaker(context, booking.borrower_id, booking.chat_id)
        reason_text = borrower_say(f"booking.decline.reason.{code}")
    result = await context.services.booking.decline(booking_id, query.from_user.id, reason_text)
    if isinstance(result, ActionRefused):
        await _refused(query, context, result)
        return
    await follow(context, [result.booking.id])
    say = await personal_speaker(context, query.from_user, result.booking.chat_id)
    await query.answer()
    await close_prompt(
        query,
        say(
            "booking.decided.declined",
            borrower=await first_name(context, result.booking.borrower_id),
            car=car_title(result.car.name),
            when=when_short(say, result.booking.start, result.booking.end),
        ),
        group_id=result.booking.chat_id,
    )
    key = "booking.outcome.declined_reason" if reason_text else "booking.outcome.declined"
    outcome = await _outcome(
        context, result.booking, result.car, key, query.from_user.first_name, reason_text or ""
    )
    await tell_each_privately(context, [outcome], group_chat_id=result.booking.chat_id)


async def withdraw_departed(context: CovoisinContext, chat_id: int, user_id: int) -> None:
    """A member left the group (bot.booking.service.member_left says what that changes):
    each person concerned is told privately; the group hears of it only as the usual one
    line naming those whose private chat is closed."""
    departed = await context.services.booking.member_left(chat_id, user_id)
    gone = await first_name(context, user_id)

    def about(key: str, touched: Withdrawn | BookingView) -> Callable[[Speaker], str]:
        return about_booking(key, touched.booking, touched.car, borrower=gone, owner=gone)

    def was(booking: Booking, booked: str, asked: str) -> str:
        """A booking the other side counted on, or a request not answered yet."""
        return "booking.departed." + (booked if booking.decided_at is not None else asked)

    notices: list[Private] = []
    for withdrawn in departed.withdrawn:
        key = was(withdrawn.booking, "notice_booked", "notice")
        notices += await written_for(context, chat_id, withdrawn.managers, about(key, withdrawn))
    for road in departed.on_the_road:
        key = "booking.departed.on_the_road"
        notices += await written_for(context, chat_id, road.managers, about(key, road))
    for view in departed.called_off:
        key = was(view.booking, "owner_booked", "owner")
        notices += await written_for(context, chat_id, [view.booking.borrower_id], about(key, view))

    def named(key: str, car: Car) -> Callable[[Speaker], Written]:
        return lambda say: say(key, owner=gone, car=car_title(car.name))

    for handed in departed.handed_over:
        key = "booking.departed.handed_over"
        notices += await written_for(context, chat_id, handed.managers, named(key, handed.car))
    # To the one who left, about their own cars: nothing of the group's, kept apart from it.
    own: list[Private] = []
    for car in departed.paused:
        own += await written_for(context, chat_id, [user_id], named("booking.departed.paused", car))
    touched: list[Withdrawn | BookingView] = [*departed.withdrawn, *departed.called_off]
    await follow(context, (each.booking.id for each in touched))
    await tell_each_privately(context, notices, group_chat_id=chat_id)
    await tell_each_privately(context, own, group_chat_id=None)


async def member_left(update: Update, context: CovoisinContext) -> None:
    """Seen by Telegram's service message, or by a chat_member update when the bot is admin."""
    chat = update.effective_chat
    if chat is None or not is_group(chat):
        return
    if update.chat_member is not None:
        if is_present(update.chat_member.new_chat_member):
            return
        gone = update.chat_member.new_chat_member.user
    elif update.effective_message and update.effective_message.left_chat_member:
        gone = update.effective_message.left_chat_member
    else:
        return
    await withdraw_departed(context, chat.id, gone.id)
    log.info("%s left group %s", gone.id, chat.id)


async def _outcome(
    context: CovoisinContext,
    booking: Booking,
    car: Car,
    key: str,
    decider: str | None = None,
    reason: str = "",
) -> Private:
    """What the borrower reads; `decider` is the manager who answered (a co-manager may)."""
    say = await member_speaker(context, booking.borrower_id, booking.chat_id)
    owner = decider or await first_name(context, car.owner_id)
    text = say(
        key,
        owner=owner,
        car=car_title(car.name),
        when=when_long(say, booking.start, booking.end),
        reason=reason,
    )
    return Private(booking.borrower_id, text)


# Expiry: a moment of the bookings' timer (handlers/jobs.py).


async def expire_request(context: CovoisinContext, booking_id: int, kind: str) -> None:
    expired = await context.services.booking.expire(booking_id)
    if expired is None:
        return  # decided meanwhile, or not due (the clock was moved): nothing to say
    await follow(context, [booking_id])  # its reminder for the owner goes with it
    car = await context.services.booking.car(expired.car_id)
    if car is not None:
        outcome = await _outcome(context, expired, car, "booking.outcome.expired")
        await tell_each_privately(context, [outcome], group_chat_id=expired.chat_id)


# My bookings and cancellation


async def _upcoming_lines(
    context: CovoisinContext, say: Speaker, user_id: int
) -> list[tuple[BookingView, str]]:
    """/resas, numbered: what the member borrows first, then what they lend."""
    upcoming = await context.services.booking.upcoming_for(user_id)
    sides = [("bookings.line.borrower", v) for v in upcoming.as_borrower] + [
        ("bookings.line.manager", v) for v in upcoming.as_manager
    ]
    lines: list[tuple[BookingView, str]] = []
    for number, (key, view) in enumerate(sides, start=1):
        booking = view.booking
        line = say(
            key,
            number=number,
            car=car_title(view.car.name),
            owner=await first_name(context, view.car.owner_id),
            borrower=await first_name(context, booking.borrower_id),
            when=when_short(say, booking.start, booking.end),
            status=say(f"bookings.status.{booking.status}"),
        )
        lines.append((view, line))
    return lines


async def my_bookings(update: Update, context: CovoisinContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    say = await personal_speaker(context, user)
    lines = await _upcoming_lines(context, say, user.id)
    amounts, amount_buttons = await open_amounts(context, say, user.id)
    if not lines and not amounts:
        text, markup = say("bookings.none"), None
    else:
        listed = [say("bookings.title"), *(line for _, line in lines)] if lines else []
        text = "\n".join([*listed, *([""] if listed and amounts else []), *amounts])
        now = context.services.clock()
        buttons = []
        for number, (view, _) in enumerate(lines, start=1):
            row = []
            if view.booking.status is BookingStatus.PENDING and view.booking.borrower_id != user.id:
                row.append(
                    InlineKeyboardButton(
                        f"{number}. " + say("booking.button.accept"),
                        callback_data=Callback(Kind.ACCEPT, view.booking.id).data(),
                    )
                )
            if view.booking.status in (BookingStatus.PENDING, BookingStatus.ACCEPTED):
                row.append(
                    InlineKeyboardButton(
                        say("bookings.button.cancel", number=number),
                        callback_data=Callback(Kind.CANCEL, view.booking.id).data(),
                    )
                )
            row.extend(booking_buttons(say, view, number, user.id, now))
            if row:
                buttons.append(row)
        buttons.extend(amount_buttons)
        markup = InlineKeyboardMarkup(buttons) if buttons else None
    if message.chat.type == "private":
        await message.reply_text(text, reply_markup=markup)
        return
    # Personal: to the private chat, and one short line in the group.
    reached = await tell_privately(
        context,
        user.id,
        text,
        reply_markup=markup,
        group_chat_id=message.chat_id,
        nudge_in_group=False,
    )
    say = await group_speaker(context, message.chat_id)
    if reached:
        await message.reply_text(say("bookings.private_only"))
    else:
        line, button = await open_private_chat_line(context, say, [user.id])
        await message.reply_text(line, reply_markup=button)


async def cancel_command(update: Update, context: CovoisinContext) -> None:
    """`/annuler 2`: the second line of /resas; without a number, the list with buttons."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not context.args:
        await my_bookings(update, context)
        return
    if (
        is_group(message.chat)
        and not context.args[0].lstrip("n°#").isdigit()
        and (sent_as_group(message) or await is_admin(context, message.chat_id, user.id))
    ):
        # `/annuler clio` in the group: an admin cancelling someone else's booking. For
        # everyone else it stays a number of their own /resas, explained below.
        await admin_cancel_list(update, context)
        return
    say = await personal_speaker(context, user)
    lines = await _upcoming_lines(context, say, user.id)
    arg = context.args[0].lstrip("n°#")
    if not (arg.isascii() and arg.isdigit()) or not 1 <= int(arg) <= len(lines):
        await message.reply_text(say("cancel.usage"))
        return
    # Numbers move when a booking ends or a new one comes: say which one, then cancel.
    view, line = lines[int(arg) - 1]
    confirm = InlineKeyboardButton(
        say("cancel.button.confirm"),
        callback_data=Callback(Kind.CANCEL, view.booking.id).data(),
    )
    await message.reply_text(
        say("cancel.confirm", line=Html(line)), reply_markup=InlineKeyboardMarkup([[confirm]])
    )


async def on_cancel_button(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    callback = parse_callback(query.data)
    if callback is None or callback.kind is not Kind.CANCEL:
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("button.unknown"), show_alert=True)
        return
    if not await _still_in_group(context, query, callback.target):
        return
    reply, cancelled_in = await _cancel(context, query.from_user.id, callback.target)
    await query.answer(reply, show_alert=True)
    if cancelled_in is not None:
        # Only the press that cancelled changes the message: anyone can press a button in
        # the group, and a refused press leaves it as it was for the one it is meant for.
        await close_prompt(query, reply, group_id=cancelled_in)


async def _cancel(
    context: CovoisinContext, user_id: int, booking_id: int
) -> tuple[str, int | None]:
    """Cancel and tell the others; the text for the member who pressed, and the group of
    the booking it cancelled (None when it did not)."""
    user = await context.services.repos.users.get(user_id)
    booking = await context.services.booking.get(booking_id)
    chat_id = booking.chat_id if booking else None
    say = (
        await member_speaker(context, user_id, chat_id)
        if chat_id is not None and user is not None
        else await personal_speaker(context, None)
    )
    result = await context.services.booking.cancel(booking_id, user_id)
    if isinstance(result, ActionRefused):
        if result.reason is ActionRefusalReason.NOT_YOURS:
            return say("button.not_yours"), None
        if result.reason is ActionRefusalReason.NOT_FOUND:
            return say("button.stale"), None
        if result.booking is not None and result.booking.status is BookingStatus.ACTIVE:
            return say("cancel.too_late"), None
        return say("booking.decided.already"), None
    assert isinstance(result, Cancelled)
    await follow(context, [result.booking.id])
    booking, car = result.booking, result.car
    canceller = await first_name(context, user_id)
    by = "borrower" if user_id == booking.borrower_id else "manager"
    await tell_each(
        context,
        booking.chat_id,
        result.notify,
        about_booking(
            f"cancel.notice.by_{by}", booking, car, borrower=canceller, manager=canceller
        ),
    )
    key = "cancel.done_late" if result.late else "cancel.done"
    text = say(key, car=car_title(car.name), when=when_short(say, booking.start, booking.end))
    return text, booking.chat_id


# A group admin cancelling someone else's booking


async def admin_cancel_list(update: Update, context: CovoisinContext) -> None:
    """`/annuler clio` in the group, by an admin: the car's requests and bookings not picked
    up yet, one button each. The group already heard of each request when it was made."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None and context.args
    say = await group_speaker(context, chat.id)
    if await admin_in_group(update, context, say) is None:
        return
    service = context.services.booking
    car = await service.find_car(chat.id, context.args[0])
    if car is None:
        names = ", ".join(car_title(listed.name) for listed in await service.cars(chat.id))
        await message.reply_text(
            say("booking.refusal.unknown_car", name=echo(context.args[0]), names=names or "—")
        )
        return
    now = context.services.clock()
    cancellable = [
        booking
        for booking in await context.services.repos.bookings.open_of_car(car.id, now)
        if booking.status in (BookingStatus.PENDING, BookingStatus.ACCEPTED)
    ]
    if not cancellable:
        await message.reply_text(say("admin.cancel.none", car=car_title(car.name)))
        return
    lines = [say("admin.cancel.pick", car=car_title(car.name))]
    buttons = []
    for number, booking in enumerate(cancellable, start=1):
        borrower = await first_name(context, booking.borrower_id)
        lines.append(f"{number}. {borrower} · {when_short(say, booking.start, booking.end)}")
        buttons.append(
            InlineKeyboardButton(
                say("admin.cancel.button", number=number),
                callback_data=Callback(Kind.ADMIN_CANCEL, booking.id).data(),
            )
        )
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup([buttons]))


async def on_admin_cancel(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return
    service = context.services.booking
    booking = await service.get(callback.target)
    pressed_in = query.message.chat.id if query.message else None
    if booking is None or pressed_in != booking.chat_id:
        # The list is posted in the booking's own group; anywhere else the data was forged.
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("button.stale"), show_alert=True)
        return
    if not await is_admin(context, booking.chat_id, query.from_user.id):
        say = await personal_speaker(context, query.from_user, booking.chat_id)
        await query.answer(say("admin.only"), show_alert=True)
        return
    say = await group_speaker(context, booking.chat_id)
    result = await service.cancel(
        booking.id, query.from_user.id, chat_id=booking.chat_id, is_admin=True
    )
    if isinstance(result, ActionRefused):
        key = (
            "cancel.too_late"
            if result.booking is not None and result.booking.status is BookingStatus.ACTIVE
            else "booking.decided.already"
        )
        await query.answer(say(key), show_alert=True)
        return
    await query.answer()
    await follow(context, [booking.id])
    car = result.car
    # Both sides hear it: the borrower and the car's managers.
    unreached = await tell_each(
        context,
        booking.chat_id,
        result.notify,
        about_booking("admin.cancel.notice", booking, car),
        nudge_in_group=False,
    )
    text = say(
        "admin.cancel.done",
        borrower=await first_name(context, booking.borrower_id),
        car=car_title(car.name),
        when=when_short(say, booking.start, booking.end),
    )
    markup = None
    if unreached:
        line, markup = await open_private_chat_line(context, say, unreached)
        text += "\n" + line
    # The list becomes the answer: one group message for the action.
    await query.edit_message_text(text, reply_markup=markup)


def handlers(bot_username: str) -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler(["book", "reserver"], request_booking, MESSAGE),
        MessageHandler(
            MESSAGE & filters.ChatType.GROUPS & ~filters.COMMAND & filters.Mention(bot_username),
            request_by_mention,
        ),
        CommandHandler(["bookings", "resas"], my_bookings, MESSAGE),
        CommandHandler(["cancel", "annuler"], cancel_command, MESSAGE),
        CallbackQueryHandler(on_decision, pattern=button_of(Kind.ACCEPT, Kind.DECLINE)),
        CallbackQueryHandler(on_cancel_button, pattern=button_of(Kind.CANCEL)),
        CallbackQueryHandler(on_admin_cancel, pattern=button_of(Kind.ADMIN_CANCEL)),
        CallbackQueryHandler(on_charter_accepted, pattern=button_of(Kind.CHARTER)),
        # Someone leaving: told by a chat_member update when the bot is an admin, and by
        # Telegram's service message in the group.
        ChatMemberHandler(member_left, ChatMemberHandler.CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, member_left),
    ]


# The trip under a line of /resas


def booking_buttons(
    say: Speaker, view: BookingView, number: int, viewer_id: int, now: datetime
) -> list[InlineKeyboardButton]:
    """The trip's buttons under a line of /resas: pickup and return for the borrower, the
    no-show for a manager from an hour after the start."""
    booking = view.booking
    if booking.borrower_id == viewer_id:
        if booking.status is BookingStatus.ACCEPTED:
            return [button(say("trip.button.picked_up_n", number=number), Kind.PICKUP, booking.id)]
        if booking.status is BookingStatus.ACTIVE:
            return [button(say("trip.button.returned_n", number=number), Kind.RETURN, booking.id)]
        return []
    if may_mark_no_show(booking, now):
        return [button(say("trip.button.no_show_n", number=number), Kind.NO_SHOW, booking.id)]
    return []


async def open_amounts(
    context: CovoisinContext, say: Speaker, user_id: int
) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """Contributions not confirmed yet between the member and a neighbour: the lines, and
    « Payé » / « Reçu » buttons where it is their turn."""
    lines: list[str] = []
    buttons: list[list[InlineKeyboardButton]] = []
    opened: list[OpenContribution] = await context.services.trips.open_contributions(user_id)
    for item in opened:
        record, trip = item.record, item.trip
        amount = format_amount(record.amount_cents, say.language)
        car = car_title(trip.car.name)
        when = when_short(say, trip.booking.start, trip.booking.end)
        if record.borrower_id == user_id:
            owner = await first_name(context, record.owner_id)
            key = "trip.amounts.to_confirm" if record.paid_at else "trip.amounts.to_pay"
            lines.append(say(key, amount=amount, owner=owner, car=car, when=when))
            if record.paid_at is None:
                buttons.append(
                    [
                        button(
                            say("trip.button.paid_amount", amount=amount),
                            Kind.PAID,
                            record.booking_id,
                        )
                    ]
                )
        else:
            borrower = await first_name(context, record.borrower_id)
            key = "trip.amounts.marked_paid" if record.paid_at else "trip.amounts.owed"
            lines.append(say(key, amount=amount, borrower=borrower, car=car, when=when))
            if record.paid_at is not None:
                buttons.append(
                    [
                        button(
                            say("trip.button.paid_confirm_from", borrower=borrower),
                            Kind.PAID_CONFIRM,
                            record.booking_id,
                        )
                    ]
                )
    if lines:
        lines.insert(0, say("trip.amounts.title"))
    return lines, buttons


# Trusted neighbours, accepted at once


async def tell_auto_accepted(context: CovoisinContext, accepted: Accepted) -> None:
    """The managers learn it was accepted for them, the borrower that it is done."""
    booking, car = accepted.booking, accepted.car
    borrower = await first_name(context, booking.borrower_id)
    messages = []
    for manager_id in accepted.managers:
        say = await member_speaker(context, manager_id, booking.chat_id)
        text = say(
            "reputation.auto.owner",
            borrower=borrower,
            car=car_title(car.name),
            when=when_long(say, booking.start, booking.end),
        )
        line = await profile_line(context, say, booking.chat_id, booking.borrower_id)
        messages.append(Private(manager_id, text + "\n" + line))
    await tell_each_privately(context, messages, group_chat_id=booking.chat_id)


# The charter


_HELD_REQUEST = "charter_request"


@dataclass(frozen=True, slots=True)
class HeldRequest:
    """A request waiting for « J'accepte », as plain data: where it was asked, and its
    words (the car and the time, read again when it goes on)."""

    chat_id: int
    in_group: bool
    car_key: str | None
    first_word: str | None
    when: str


async def ask_charter(
    context: CovoisinContext, message: Message, place: Place, user_id: int, charter: str
) -> None:
    """Before a member's first request: the charter and « J'accepte »; the request waits
    in `user_data` for the answer."""
    if context.user_data is not None:
        mention = place.mention
        held = HeldRequest(
            place.chat_id, place.in_group, mention.car_key, mention.first_word, mention.when
        )
        context.user_data[_HELD_REQUEST] = plain(held)
    say = place.say
    button = InlineKeyboardButton(
        say("reputation.button.accept_charter"),
        callback_data=Callback(Kind.CHARTER, place.chat_id, str(user_id)).data(),
    )
    await message.reply_text(
        say("reputation.charter.show", charter=charter),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


async def accept_charter(update: Update, context: CovoisinContext) -> Place | None:
    """Records the presser's acceptance; the request it held, to go on with, if any."""
    query = update.callback_query
    if query is None:
        return None
    callback = parse_callback(query.data)
    say = await personal_speaker(context, query.from_user)
    if callback is None or callback.option != str(query.from_user.id):
        await query.answer(say("button.not_yours"), show_alert=True)
        return None
    chat_id = callback.target
    if not await is_group_member(context, chat_id, query.from_user.id):
        await query.answer(say("button.left_group"), show_alert=True)
        return None
    await context.services.reputation.accept_charter(chat_id, query.from_user.id)
    say = await personal_speaker(context, query.from_user, chat_id)
    await query.answer()
    await close_prompt(
        query, say("reputation.charter.accepted", name=query.from_user.first_name), group_id=chat_id
    )
    kept = context.user_data.pop(_HELD_REQUEST, None) if context.user_data is not None else None
    held = restored(HeldRequest, kept)
    if held is None or held.chat_id != chat_id:
        return None
    # Answered where it was asked: in the group, or in the private chat.
    speaker = say if not held.in_group else await group_speaker(context, chat_id)
    mention = CarMention(held.car_key, held.first_word, held.when)
    return Place(chat_id, held.in_group, speaker, mention)
