"""The trip in Telegram: reminders, the managers' reports and buttons, the contribution.

A reminder is a moment of the bookings' timer (bot/schedule.py plans it from the database,
handlers/jobs.py wakes for it); `send_reminder` re-reads its booking and claims the
reminder before sending (`TripService.claim_reminder`), so none is sent twice. The pickup
and return questions themselves are in `handlers.trip.form`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import Kind, button_of, parse_callback
from bot.contribution import format_amount
from bot.trips import (
    IncidentView,
    OpenContribution,
    ReminderKind,
    Returned,
    Trip,
    TripRefused,
)
from handlers.common.buttons import button, one_button
from handlers.common.context import CovoisinContext
from handlers.common.delivery import (
    Private,
    Written,
    about_booking,
    tell_each,
    tell_each_privately,
    tell_privately,
    written_for,
)
from handlers.common.guards import is_group_member
from handlers.common.jobs import arm, follow
from handlers.common.prompts import close_prompt
from handlers.common.render import car_title, first_name, moment, when_long, when_short
from handlers.common.speech import Speaker, member_speaker, personal_speaker
from storage.models import Booking, ContributionRecord, Reading

log = logging.getLogger(__name__)

PHOTO_CAPTION_LIMIT = 1024
# A pickup reminder Telegram could not take is tried again after this long.
REMINDER_RETRY = timedelta(minutes=1)


# What the trip's messages say


def kilometres(say: Speaker, km: int) -> str:
    return format_decimal(km, locale=say.language)


def reading_text(say: Speaker, reading: Reading) -> str:
    """« Compteur : 12 345 km · carburant : ½ »."""
    return say(
        "trip.reading",
        km=kilometres(say, reading.odometer_km),
        fuel=say(f"trip.fuel.{reading.fuel_quarters}"),
    )


def contribution_line(say: Speaker, record: ContributionRecord) -> str:
    return say.plural(
        "trip.contribution.suggested",
        record.days,
        amount=format_amount(record.amount_cents, say.language),
        km=kilometres(say, record.distance_km),
    )


async def send_photo_privately(
    context: CovoisinContext, user_id: int, file_id: str | None, caption: str
) -> None:
    """The photo of a report, after its text; a member who cannot be reached has the text
    waiting for them, the photo stays in the records."""
    if file_id is None:
        return
    # Telegram refuses captions over 1,024 characters; the full text came just before.
    if len(caption) > PHOTO_CAPTION_LIMIT:
        caption = caption[: PHOTO_CAPTION_LIMIT - 1].rstrip() + "…"
    try:
        await context.bot.send_photo(user_id, file_id, caption=caption)
    except (Forbidden, BadRequest) as error:
        log.info("report photo not sent to %s: %s", user_id, error)


async def still_members(context: CovoisinContext, chat_id: int, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` still in the group: someone who left hears nothing more of it."""
    return [uid for uid in user_ids if await is_group_member(context, chat_id, uid)]


async def left_the_group(query: CallbackQuery, context: CovoisinContext, chat_id: int) -> bool:
    """Answers the press and returns True when the presser is no longer in the group."""
    if await is_group_member(context, chat_id, query.from_user.id):
        return False
    say = await personal_speaker(context, query.from_user)
    await query.answer(say("button.left_group"), show_alert=True)
    return True


async def _tell_with_photos(
    context: CovoisinContext, chat_id: int, messages: list[Private], photo: str | None
) -> None:
    """One action's private messages (one group message at most for those unreachable),
    then the photo to those who got the text."""
    unreached = await tell_each_privately(context, messages, group_chat_id=chat_id)
    for message in messages:
        if message.user_id not in unreached:
            await send_photo_privately(context, message.user_id, photo, message.text)


async def refusal_answer(
    query: CallbackQuery, context: CovoisinContext, refused: TripRefused
) -> None:
    say = await personal_speaker(
        context, query.from_user, refused.booking.chat_id if refused.booking else None
    )
    await query.answer(say(f"trip.refusal.{refused.reason}"), show_alert=True)


# Reminders


async def send_reminder(context: CovoisinContext, booking_id: int, kind_name: str) -> None:
    """A moment of the bookings' timer (handlers/jobs.py) whose kind is a reminder's."""
    kind = ReminderKind(kind_name)
    trip = await context.services.trips.claim_reminder(booking_id, kind)
    if trip is None:
        return  # no longer useful, or already sent before a restart
    if kind is ReminderKind.PICKUP:
        try:
            await _remind_pickup(context, trip)
        except (BadRequest, NetworkError) as error:
            if isinstance(error, TimedOut):
                raise  # Telegram may have delivered it: sending again could repeat the keys
            # Nothing was delivered (the limiter already retried passing faults): the keys
            # must not be lost, so the reminder is freed and tried again a little later.
            log.warning("pickup reminder of %s not sent (%s), retrying", booking_id, error)
            await context.services.trips.release_reminder(booking_id, kind)
            later = context.services.clock() + REMINDER_RETRY
            arm(context, await context.services.schedule.again_at(booking_id, kind, later))
        return
    messages: list[Private] = []
    if kind is ReminderKind.END:
        messages = [await _borrower_reminder(context, trip, "trip.reminder.end")]
    elif kind is ReminderKind.OVERDUE:
        messages = [
            await _borrower_reminder(context, trip, "trip.reminder.overdue"),
            *await _managers_reminder(context, trip, "trip.reminder.overdue_managers", None),
        ]
    elif kind is ReminderKind.NO_SHOW:
        messages = await _managers_reminder(context, trip, "trip.reminder.no_show", Kind.NO_SHOW)
    else:
        messages = await _managers_reminder(context, trip, "trip.reminder.pending", None)
    chat_id = trip.booking.chat_id
    present = await still_members(context, chat_id, [m.user_id for m in messages])
    # One action, one group message at most for those whose private chat is closed.
    await tell_each_privately(
        context, [m for m in messages if m.user_id in present], group_chat_id=chat_id
    )


async def _remind_pickup(context: CovoisinContext, trip: Trip) -> None:
    """To the borrower only, with where the car is and the key instructions: the one
    message that ever carries them."""
    booking, car = trip.booking, trip.car
    if not await is_group_member(context, booking.chat_id, booking.borrower_id):
        # They left the village group: the keys are not theirs to have any more.
        log.info("pickup reminder of %s withheld: the borrower left", booking.id)
        return
    say = await member_speaker(context, booking.borrower_id, booking.chat_id)
    lines = [
        say(
            "trip.reminder.pickup",
            car=car_title(car.name),
            owner=await first_name(context, car.owner_id),
            when=when_long(say, booking.start, booking.end),
        )
    ]
    if car.parked_at:
        lines.append(say("trip.reminder.parked", place=car.parked_at))
    without_keys = "\n".join(lines)
    if car.key_instructions:
        lines.append(say("trip.reminder.keys", keys=car.key_instructions))
    markup = one_button(say("trip.button.picked_up"), Kind.PICKUP, booking.id)
    try:
        await context.bot.send_message(booking.borrower_id, "\n".join(lines), reply_markup=markup)
    except Forbidden:
        # Kept for later, the reminder would carry the keys to another time: it waits
        # without them, and the borrower asks the owner.
        await tell_privately(
            context,
            booking.borrower_id,
            without_keys + "\n" + say("trip.reminder.keys_from_owner"),
            reply_markup=markup,
            group_chat_id=booking.chat_id,
        )


async def _borrower_reminder(context: CovoisinContext, trip: Trip, key: str) -> Private:
    booking, car = trip.booking, trip.car
    say = await member_speaker(context, booking.borrower_id, booking.chat_id)
    text = say(
        key,
        car=car_title(car.name),
        owner=await first_name(context, car.owner_id),
        end=moment(say, booking.end),
    )
    markup = one_button(say("trip.button.returned"), Kind.RETURN, booking.id)
    return Private(booking.borrower_id, text, markup)


async def _managers_reminder(
    context: CovoisinContext, trip: Trip, key: str, action: Kind | None
) -> list[Private]:
    booking, car = trip.booking, trip.car
    borrower = await first_name(context, booking.borrower_id)

    def write(say: Speaker) -> Written:
        text = say(
            key,
            borrower=borrower,
            car=car_title(car.name),
            when=when_short(say, booking.start, booking.end),
            end=moment(say, booking.end),
        )
        return text, one_button(say("trip.button.no_show"), action, booking.id) if action else None

    return await written_for(context, booking.chat_id, trip.managers, write)


# Reports after the form (called by handlers.trip.form)


async def report_pickup(context: CovoisinContext, trip: Trip, reading: Reading) -> None:
    booking, car = trip.booking, trip.car
    borrower = await first_name(context, booking.borrower_id)
    readers = await still_members(context, booking.chat_id, list(trip.managers))
    messages = await written_for(
        context,
        booking.chat_id,
        readers,
        lambda say: (
            say("trip.report.pickup", borrower=borrower, car=car_title(car.name))
            + "\n"
            + reading_text(say, reading)
        ),
    )
    await _tell_with_photos(context, booking.chat_id, messages, reading.photo_file_id)


async def report_return(context: CovoisinContext, returned: Returned) -> None:
    booking, car = returned.trip.booking, returned.trip.car
    borrower = await first_name(context, booking.borrower_id)

    def write(say: Speaker) -> Written:
        lines = [
            say("trip.report.return", borrower=borrower, car=car_title(car.name)),
            reading_text(say, returned.reading),
            say(
                "trip.report.distance",
                km=kilometres(say, returned.distance_km),
                duration=format_timedelta(returned.duration, locale=say.language),
            ),
        ]
        if returned.contribution is not None:
            lines.append(contribution_line(say, returned.contribution))
        markup = InlineKeyboardMarkup(
            [
                [
                    button(say("trip.button.all_good"), Kind.ALL_GOOD, booking.id),
                    button(say("trip.button.problem"), Kind.PROBLEM, booking.id),
                ]
            ]
        )
        return "\n".join(lines), markup

    readers = await still_members(context, booking.chat_id, list(returned.trip.managers))
    messages = await written_for(context, booking.chat_id, readers, write)
    await _tell_with_photos(context, booking.chat_id, messages, returned.reading.photo_file_id)


async def report_incident(context: CovoisinContext, view: IncidentView) -> None:
    """Both sides get the incident with the button that marks it resolved."""
    booking, car, incident = view.trip.booking, view.trip.car, view.incident
    reporter = await first_name(context, incident.opened_by)
    involved = list(dict.fromkeys([booking.borrower_id, *view.trip.managers]))

    def write(say: Speaker) -> Written:
        text = say(
            "trip.incident.opened",
            reporter=reporter,
            car=car_title(car.name),
            when=when_short(say, booking.start, booking.end),
            text=incident.text,
        )
        return text, one_button(say("trip.button.resolve"), Kind.RESOLVE, incident.id)

    readers = await still_members(context, booking.chat_id, involved)
    messages = await written_for(context, booking.chat_id, readers, write)
    await _tell_with_photos(context, booking.chat_id, messages, incident.photo_file_id)


# Buttons


async def on_trip_button(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    callback = parse_callback(query.data)
    actions = {
        Kind.ALL_GOOD: _all_good,
        Kind.RESOLVE: _resolve,
        Kind.NO_SHOW: _no_show,
        Kind.PAID: _paid,
        Kind.PAID_CONFIRM: _paid_confirmed,
    }
    if callback is None or callback.kind not in actions:
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("button.unknown"), show_alert=True)
        return
    booking_id = callback.target
    if callback.kind is Kind.RESOLVE:  # the others name a booking, this one an incident
        incident = await context.services.repos.trips.incident(callback.target)
        booking_id = incident.booking_id if incident else 0
    booking = await context.services.booking.get(booking_id)
    # Whoever left the village has no say on its cars any more, whatever the button.
    if booking is not None and await left_the_group(query, context, booking.chat_id):
        return
    await actions[callback.kind](query, context, callback.target)


async def _closed(
    query: CallbackQuery,
    context: CovoisinContext,
    result: Trip | IncidentView | OpenContribution | TripRefused,
    key: str,
    **values: str,
) -> Booking | None:
    """The press's outcome: refused (answered with why, the prompt left as it was), or done
    (answered, and the prompt closed with `key`); the booking when done."""
    if isinstance(result, TripRefused):
        await refusal_answer(query, context, result)
        return None
    booking = result.booking if isinstance(result, Trip) else result.trip.booking
    say = await personal_speaker(context, query.from_user, booking.chat_id)
    await query.answer()
    await close_prompt(query, say(key, **values), group_id=booking.chat_id)
    return booking


async def _all_good(query: CallbackQuery, context: CovoisinContext, booking_id: int) -> None:
    result = await context.services.trips.all_good(booking_id, query.from_user.id)
    booking = await _closed(query, context, result, "trip.checked.all_good")
    if booking is None or isinstance(result, TripRefused):
        return
    manager, car = await first_name(context, query.from_user.id), car_title(result.car.name)
    await tell_each(
        context,
        booking.chat_id,
        [booking.borrower_id],
        lambda say: say("trip.checked.all_good_borrower", manager=manager, car=car),
    )


async def _resolve(query: CallbackQuery, context: CovoisinContext, incident_id: int) -> None:
    result = await context.services.trips.resolve_incident(incident_id, query.from_user.id)
    booking = await _closed(query, context, result, "trip.incident.resolved")
    if booking is None or isinstance(result, TripRefused):
        return
    who, car = await first_name(context, query.from_user.id), car_title(result.trip.car.name)
    others = [
        member
        for member in dict.fromkeys([booking.borrower_id, *result.trip.managers])
        if member != query.from_user.id
    ]
    await tell_each(
        context,
        booking.chat_id,
        await still_members(context, booking.chat_id, others),
        lambda say: say("trip.incident.resolved_by", who=who, car=car),
    )


async def _no_show(query: CallbackQuery, context: CovoisinContext, booking_id: int) -> None:
    result = await context.services.trips.mark_no_show(booking_id, query.from_user.id)
    borrower = await first_name(context, result.booking.borrower_id) if result.booking else ""
    booking = await _closed(query, context, result, "trip.no_show.done", borrower=borrower)
    if booking is None or isinstance(result, TripRefused):
        return
    await follow(context, [booking.id])
    write = about_booking("trip.no_show.borrower", booking, result.car)
    await tell_each(context, booking.chat_id, [booking.borrower_id], write)


async def _paid(query: CallbackQuery, context: CovoisinContext, booking_id: int) -> None:
    result = await context.services.trips.mark_paid(booking_id, query.from_user.id)
    booking = await _closed(query, context, result, "trip.paid.marked")
    if booking is None or isinstance(result, TripRefused):
        return
    borrower, car = await first_name(context, booking.borrower_id), result.trip.car
    amount = result.record.amount_cents

    def write(say: Speaker) -> Written:
        text = say(
            "trip.paid.tell_manager",
            borrower=borrower,
            amount=format_amount(amount, say.language),
            car=car_title(car.name),
        )
        return text, one_button(say("trip.button.paid_confirm"), Kind.PAID_CONFIRM, booking.id)

    managers = await still_members(context, booking.chat_id, list(result.trip.managers))
    await tell_each(context, booking.chat_id, managers, write)


async def _paid_confirmed(query: CallbackQuery, context: CovoisinContext, booking_id: int) -> None:
    result = await context.services.trips.confirm_paid(booking_id, query.from_user.id)
    booking = await _closed(query, context, result, "trip.paid.confirmed")
    if booking is None or isinstance(result, TripRefused):
        return
    manager, car = await first_name(context, query.from_user.id), car_title(result.trip.car.name)
    amount = result.record.amount_cents
    await tell_each(
        context,
        booking.chat_id,
        [booking.borrower_id],
        lambda say: say(
            "trip.paid.confirmed_borrower",
            manager=manager,
            amount=format_amount(amount, say.language),
            car=car,
        ),
    )


# /resas


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CallbackQueryHandler(
            on_trip_button,
            pattern=button_of(
                Kind.ALL_GOOD, Kind.RESOLVE, Kind.NO_SHOW, Kind.PAID, Kind.PAID_CONFIRM
            ),
        ),
    ]
