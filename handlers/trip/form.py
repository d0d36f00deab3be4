"""The pickup and return questions, and a manager's problem report, in the private chat.

« J'ai pris la voiture » (from the pickup reminder or /resas) asks the odometer, the fuel
or charge level and an optional photo; « J'ai rendu la voiture » asks the same; « Signaler
un problème » asks what is wrong and an optional photo. Answers stay in `user_data` (plain
data: a restart resumes the form) until the last one and are written at once: /annuler or
half an hour of silence leave nothing behind, and a wrong answer is explained and asked
again, changing nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum

from babel.dates import format_timedelta
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import User as TgUser
from telegram.error import Forbidden
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.trips import (
    FUEL_LEVELS,
    MAX_KM_PER_DAY,
    OdometerProblem,
    ReadingMoment,
    Trip,
    TripRefused,
    parse_odometer,
)
from bot.trips.service import INCIDENT_TEXT_MAX_LENGTH
from handlers.common.buttons import one_button
from handlers.common.context import CovoisinContext
from handlers.common.conversations import (
    FORM_TIMEOUT,
    OpenForms,
    form_conversation,
    plain,
    restored,
)
from handlers.common.jobs import follow
from handlers.common.prompts import rebutton
from handlers.common.render import car_title, moment
from handlers.common.speech import Speaker, personal_speaker
from handlers.trip.reports import (
    contribution_line,
    kilometres,
    left_the_group,
    refusal_answer,
    report_incident,
    report_pickup,
    report_return,
)

log = logging.getLogger(__name__)

MESSAGE = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE & MESSAGE
FILLING = "filling"
SKIP, LOWER_OK, LOWER_RETYPE = "skip", "lowok", "lowno"


class Step(IntEnum):
    ODOMETER = 1
    CONFIRM_LOWER = 2
    FUEL = 3
    PHOTO = 4
    PROBLEM_TEXT = 5
    PROBLEM_PHOTO = 6

    @property
    def key(self) -> str:
        return self.name.lower()


@dataclass(slots=True)
class TripForm:
    """`moment` None: a manager's problem report."""

    booking_id: int
    chat_id: int
    car_name: str
    moment: ReadingMoment | None
    step: Step
    odometer_km: int | None = None
    last_return_km: int | None = None
    confirmed_lower: bool = False
    fuel_quarters: int | None = None
    problem_text: str = ""


_FORM = "trip_form"


def _form(context: CovoisinContext) -> TripForm | None:
    """A copy of the form kept: what changes in it is kept by `_keep`."""
    return restored(TripForm, context.user_data.get(_FORM)) if context.user_data else None


def _keep(context: CovoisinContext, form: TripForm | None) -> None:
    if context.user_data is None:
        return
    if form is None:
        context.user_data.pop(_FORM, None)
    else:
        context.user_data[_FORM] = plain(form)


def _answer(form: TripForm, label: str, option: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label, callback_data=Callback(Kind.TRIP_FORM, form.booking_id, option).data()
    )


def _keyboard(say: Speaker, form: TripForm) -> InlineKeyboardMarkup | None:
    if form.step is Step.FUEL:
        levels = [_answer(form, say(f"trip.fuel.{q}"), f"f{q}") for q in FUEL_LEVELS]
        return InlineKeyboardMarkup([levels])
    if form.step is Step.CONFIRM_LOWER:
        return InlineKeyboardMarkup(
            [
                [_answer(form, say("trip.button.lower_ok"), LOWER_OK)],
                [_answer(form, say("trip.button.lower_retype"), LOWER_RETYPE)],
            ]
        )
    if form.step in (Step.PHOTO, Step.PROBLEM_PHOTO):
        return InlineKeyboardMarkup([[_answer(form, say("trip.button.skip"), SKIP)]])
    return None


def _question(say: Speaker, form: TripForm) -> str:
    car = car_title(form.car_name)
    if form.step is Step.ODOMETER:
        assert form.moment is not None
        return say(f"trip.ask.odometer.{form.moment}", car=car)
    if form.step is Step.CONFIRM_LOWER:
        return say(
            "trip.ask.confirm_lower",
            km=kilometres(say, form.odometer_km or 0),
            last=kilometres(say, form.last_return_km or 0),
        )
    return say(f"trip.ask.{form.step.key}", car=car)


async def _ask(context: CovoisinContext, user_id: int, say: Speaker, form: TripForm) -> None:
    await context.bot.send_message(user_id, _question(say, form), reply_markup=_keyboard(say, form))


async def _ask_again(
    context: CovoisinContext, user_id: int, say: Speaker, form: TripForm, problem: str
) -> object:
    """What went wrong, with the question's buttons again; nothing else changes."""
    await context.bot.send_message(user_id, problem, reply_markup=_keyboard(say, form))
    return None


# Starting


async def _begin(
    query: CallbackQuery, context: CovoisinContext, trip: Trip, form: TripForm
) -> object:
    # Someone who left the group acts there no more, except to say they brought back a
    # car they still have: its owner needs that return more than anyone.
    bringing_back = form.moment is ReadingMoment.RETURN and trip.booking.borrower_id == (
        query.from_user.id
    )
    if not bringing_back and await left_the_group(query, context, trip.booking.chat_id):
        return None
    say = await personal_speaker(context, query.from_user, trip.booking.chat_id)
    _keep(context, form)
    await query.answer()
    await _ask(context, query.from_user.id, say, form)
    return FILLING


async def _start(
    update: Update,
    context: CovoisinContext,
    check: Callable[[int, int], Awaitable[Trip | TripRefused]],
    moment: ReadingMoment | None,
    step: Step,
) -> object:
    """A trip button: the service says whether this presser may start this form now."""
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return None
    trip = await check(callback.target, query.from_user.id)
    if isinstance(trip, TripRefused):
        await refusal_answer(query, context, trip)
        return None
    form = TripForm(trip.booking.id, trip.booking.chat_id, trip.car.name, moment, step)
    return await _begin(query, context, trip, form)


async def start_pickup(update: Update, context: CovoisinContext) -> object:
    trips = context.services.trips
    return await _start(update, context, trips.can_pick_up, ReadingMoment.PICKUP, Step.ODOMETER)


async def start_return(update: Update, context: CovoisinContext) -> object:
    trips = context.services.trips
    return await _start(update, context, trips.can_return, ReadingMoment.RETURN, Step.ODOMETER)


async def start_problem(update: Update, context: CovoisinContext) -> object:
    trips = context.services.trips
    return await _start(update, context, trips.can_check, None, Step.PROBLEM_TEXT)


# Answers


async def on_text(update: Update, context: CovoisinContext) -> object:
    message, user, form = update.effective_message, update.effective_user, _form(context)
    if message is None or user is None or form is None or message.text is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user, form.chat_id)
    if form.step is Step.ODOMETER:
        return await _odometer(context, user, say, form, message.text)
    if form.step is Step.PROBLEM_TEXT:
        text = message.text.strip()
        if not text:
            return await _ask_again(context, user.id, say, form, say("trip.retry.problem_text"))
        if len(text) > INCIDENT_TEXT_MAX_LENGTH:
            return await _ask_again(
                context,
                user.id,
                say,
                form,
                say("trip.retry.too_long", limit=INCIDENT_TEXT_MAX_LENGTH),
            )
        form.problem_text = text
        form.step = Step.PROBLEM_PHOTO
        _keep(context, form)
        await _ask(context, user.id, say, form)
        return None
    return await _ask_again(context, user.id, say, form, say(f"trip.retry.{form.step.key}"))


async def _odometer(
    context: CovoisinContext, user: TgUser, say: Speaker, form: TripForm, text: str
) -> object:
    km = parse_odometer(text)
    if isinstance(km, OdometerProblem):
        return await _ask_again(
            context, user.id, say, form, say(f"trip.odometer.{km}", text=text.strip()[:40])
        )
    trips = context.services.trips
    if form.moment is ReadingMoment.RETURN:
        problem = await trips.check_return_reading(form.booking_id, km)
        if problem is not None:
            pickup = await trips.reading(form.booking_id, ReadingMoment.PICKUP)
            return await _ask_again(
                context,
                user.id,
                say,
                form,
                say(
                    f"trip.odometer.{problem}",
                    text=kilometres(say, km),
                    pickup=kilometres(say, pickup.odometer_km if pickup else 0),
                    limit=kilometres(say, MAX_KM_PER_DAY),
                ),
            )
        form.odometer_km = km
        form.step = Step.FUEL
    else:
        form.odometer_km = km
        trip = await trips.trip(form.booking_id)
        last = await trips.pickup_needs_confirmation(trip.car.id, km) if trip else None
        form.last_return_km = last
        form.confirmed_lower = False
        form.step = Step.FUEL if last is None else Step.CONFIRM_LOWER
    _keep(context, form)
    await _ask(context, user.id, say, form)
    return None


async def on_photo(update: Update, context: CovoisinContext) -> object:
    message, user, form = update.effective_message, update.effective_user, _form(context)
    if message is None or user is None or form is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user, form.chat_id)
    if form.step not in (Step.PHOTO, Step.PROBLEM_PHOTO) or not message.photo:
        return await _ask_again(context, user.id, say, form, say(f"trip.retry.{form.step.key}"))
    # Telegram sends several sizes of one picture; the largest is the one worth keeping.
    largest = max(message.photo, key=lambda size: size.width * size.height)
    return await _finish(context, user, say, form, largest.file_id)


async def on_other(update: Update, context: CovoisinContext) -> object:
    user, form = update.effective_user, _form(context)
    if user is None or form is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user, form.chat_id)
    return await _ask_again(context, user.id, say, form, say(f"trip.retry.{form.step.key}"))


async def on_button(update: Update, context: CovoisinContext) -> object:
    query, form = update.callback_query, _form(context)
    if query is None:
        return None
    callback = parse_callback(query.data)
    user = query.from_user
    say = await personal_speaker(context, user, form.chat_id if form else None)
    if form is None or callback is None or callback.target != form.booking_id:
        await query.answer(say("button.stale"))
        return None
    option = callback.option
    if form.step is Step.FUEL and option in {f"f{q}" for q in FUEL_LEVELS}:
        form.fuel_quarters = int(option[1:])
        form.step = Step.PHOTO
    elif form.step is Step.CONFIRM_LOWER and option == LOWER_OK:
        form.confirmed_lower = True
        form.step = Step.FUEL
    elif form.step is Step.CONFIRM_LOWER and option == LOWER_RETYPE:
        form.step = Step.ODOMETER
    elif form.step in (Step.PHOTO, Step.PROBLEM_PHOTO) and option == SKIP:
        await query.answer()
        await rebutton(query, None, show_choice=True)
        return await _finish(context, user, say, form, None)
    else:
        await query.answer(say("button.stale"))
        return None
    _keep(context, form)
    await query.answer()
    await rebutton(query, None, show_choice=True)
    await _ask(context, user.id, say, form)
    return None


# Saving


async def _finish(
    context: CovoisinContext, user: TgUser, say: Speaker, form: TripForm, photo: str | None
) -> object:
    _keep(context, None)
    trips = context.services.trips
    if form.moment is None:
        incident = await trips.report_problem(form.booking_id, user.id, form.problem_text, photo)
        if isinstance(incident, TripRefused):
            await context.bot.send_message(user.id, say(f"trip.refusal.{incident.reason}"))
            return ConversationHandler.END
        await report_incident(context, incident)
        return ConversationHandler.END
    assert form.odometer_km is not None and form.fuel_quarters is not None
    if form.moment is ReadingMoment.PICKUP:
        picked = await trips.record_pickup(
            form.booking_id,
            user.id,
            form.odometer_km,
            form.fuel_quarters,
            photo,
            form.confirmed_lower,
        )
        if isinstance(picked, TripRefused):
            await context.bot.send_message(user.id, say(f"trip.refusal.{picked.reason}"))
            return ConversationHandler.END
        booking, car = picked.trip.booking, picked.trip.car
        # Planned before anything is sent: a message Telegram refuses must not lose the end
        # reminder and the late alert.
        await follow(context, [booking.id])
        await context.bot.send_message(
            user.id,
            say("trip.picked_up", car=car_title(car.name), end=moment(say, booking.end)),
            reply_markup=one_button(say("trip.button.returned"), Kind.RETURN, booking.id),
        )
        await report_pickup(context, picked.trip, picked.reading)
        return ConversationHandler.END
    returned = await trips.record_return(
        form.booking_id, user.id, form.odometer_km, form.fuel_quarters, photo
    )
    if isinstance(returned, TripRefused):
        await context.bot.send_message(user.id, say(f"trip.refusal.{returned.reason}"))
        return ConversationHandler.END
    # No late alert for a car that is back; the reveal of the feedback instead, planned
    # before anything is sent.
    await follow(context, [returned.trip.booking.id])
    lines = [
        say("trip.returned", car=car_title(returned.trip.car.name)),
        say(
            "trip.report.distance",
            km=kilometres(say, returned.distance_km),
            duration=format_timedelta(returned.duration, locale=say.language),
        ),
    ]
    markup = None
    if returned.contribution is not None:
        lines.append(contribution_line(say, returned.contribution))
        lines.append(say("trip.contribution.how"))
        markup = one_button(say("trip.button.paid"), Kind.PAID, returned.trip.booking.id)
    await context.bot.send_message(user.id, "\n".join(lines), reply_markup=markup)
    await report_return(context, returned)
    await context.bot_data.after_return(context, returned.trip)
    return ConversationHandler.END


# Leaving


async def on_cancel(update: Update, context: CovoisinContext) -> object:
    user, form = update.effective_user, _form(context)
    _keep(context, None)
    if user is not None:
        say = await personal_speaker(context, user, form.chat_id if form else None)
        await context.bot.send_message(user.id, say("trip.form.cancelled"))
    return ConversationHandler.END


async def on_timeout(update: Update, context: CovoisinContext) -> None:
    user, form = update.effective_user, _form(context)
    _keep(context, None)
    if user is None:
        return
    say = await personal_speaker(context, user, form.chat_id if form else None)
    try:
        await context.bot.send_message(user.id, say("trip.form.timed_out"))
    except Forbidden:
        log.info("could not tell %s that their trip form timed out", user.id)


async def on_stale_button(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    say = await personal_speaker(context, query.from_user)
    await query.answer(say("button.stale"))


def handlers(forms: OpenForms) -> list[BaseHandler[Update, CovoisinContext, object]]:
    form_button = button_of(Kind.TRIP_FORM)
    stale: CallbackQueryHandler[CovoisinContext, object] = CallbackQueryHandler(
        on_stale_button, pattern=form_button
    )
    conversation = form_conversation(
        "trip_form",
        forms,
        entry_points=[
            CallbackQueryHandler(start_pickup, pattern=button_of(Kind.PICKUP)),
            CallbackQueryHandler(start_return, pattern=button_of(Kind.RETURN)),
            CallbackQueryHandler(start_problem, pattern=button_of(Kind.PROBLEM)),
        ],
        states={
            FILLING: [
                CallbackQueryHandler(on_button, pattern=form_button),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_text),
                MessageHandler(PRIVATE & filters.PHOTO, on_photo),
                MessageHandler(PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_other),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
        },
        fallbacks=[CommandHandler(["cancel", "annuler"], on_cancel, PRIVATE), stale],
        allow_reentry=True,
        conversation_timeout=FORM_TIMEOUT,
    )
    return [conversation, stale]
