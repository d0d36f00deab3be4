"""`/dispo` and `/indispo`: owners say when their car is free or not; `/libre`: which cars
are free then."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.booking import CarRefusalReason, CarRefused
from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.dates import DateParseError, Interval, parse_availability, parse_interval
from bot.i18n import echo
from handlers.common.context import CovoisinContext
from handlers.common.delivery import open_private_chat_line, tell_privately
from handlers.common.guards import is_group_member, pressed_in_private
from handlers.common.places import Place, place_of_car_command
from handlers.common.render import car_title, first_name, weekly, when_long, when_short
from handlers.common.speech import Speaker, personal_speaker, speaker_for
from storage.models import Car, Window, WindowKind

MESSAGE = filters.UpdateType.MESSAGE


async def post_available(update: Update, context: CovoisinContext) -> None:
    await _post_window(update, context, WindowKind.OPEN)


async def post_unavailable(update: Update, context: CovoisinContext) -> None:
    await _post_window(update, context, WindowKind.BLOCKED)


async def _post_window(update: Update, context: CovoisinContext, kind: WindowKind) -> None:
    found = await place_of_car_command(update, context)
    if found is None:
        return
    message, user, place = found
    say = place.say
    car = await _named_car(context, place)
    if car is None:
        await message.reply_text(say("availability.usage"))
        return
    if user.id not in await context.services.booking.managers(car.id):
        await message.reply_text(say("availability.not_manager", car=car_title(car.name)))
        return
    if not place.mention.when:
        # When an owner is away is nobody else's business: the list goes to them privately.
        private_say = await personal_speaker(context, user, car.chat_id)
        text, markup = await _windows_listing(context, private_say, car)
        if not place.in_group:
            await message.reply_text(text, reply_markup=markup)
        elif await tell_privately(
            context,
            user.id,
            text,
            reply_markup=markup,
            group_chat_id=place.chat_id,
            nudge_in_group=False,
        ):
            await message.reply_text(say("bookings.private_only"))
        else:
            line, button = await open_private_chat_line(context, say, [user.id])
            await message.reply_text(line, reply_markup=button)
        return
    now = context.services.clock().astimezone(say.zone)
    try:
        when = parse_availability(place.mention.when, now)
    except DateParseError as error:
        await message.reply_text(say(error.message_key, text=echo(error.text)))
        return
    result = await context.services.booking.add_window(car.id, user.id, when, kind)
    if isinstance(result, CarRefused):
        await message.reply_text(say("availability.usage"))
        return
    shown = (
        when_long(say, when.start, when.end) if isinstance(when, Interval) else weekly(say, when)
    )
    key = "availability.added.open" if kind is WindowKind.OPEN else "availability.added.blocked"
    await message.reply_text(say(key, car=car_title(car.name), when=shown))


async def _named_car(context: CovoisinContext, place: Place) -> Car | None:
    if place.mention.car_key is None:
        return None
    return await context.services.booking.find_car(place.chat_id, place.mention.car_key)


def _window_text(say: Speaker, window: Window) -> str:
    if window.start is not None and window.end is not None:
        return when_short(say, window.start, window.end)
    return weekly(say, window)


async def _windows_listing(
    context: CovoisinContext, say: Speaker, car: Car
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The car's windows, numbered, each with a delete button: for its managers only."""
    windows = await context.services.booking.windows(car.id)
    if not windows:
        return say("availability.list.none", car=car_title(car.name), car_key=car.name_key), None
    lines = [say("availability.list.title", car=car_title(car.name))]
    buttons = []
    for number, window in enumerate(windows, start=1):
        key = (
            "availability.list.open"
            if window.kind is WindowKind.OPEN
            else "availability.list.blocked"
        )
        lines.append(say(key, number=number, when=_window_text(say, window)))
        buttons.append(
            [
                InlineKeyboardButton(
                    say("availability.button.delete", number=number),
                    callback_data=Callback(Kind.WINDOW_DELETE, window.id).data(),
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def on_delete_window(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    say = await personal_speaker(context, query.from_user)
    callback = parse_callback(query.data)
    if callback is None or callback.kind is not Kind.WINDOW_DELETE:
        await query.answer(say("button.unknown"), show_alert=True)
        return
    if not pressed_in_private(query):
        # A car's windows are listed in its manager's private chat, nowhere else.
        await query.answer(say("button.stale"), show_alert=True)
        return
    # A manager who left the village manages nothing there any more: Telegram says who is in.
    window = await context.services.repos.availability.get(callback.target)
    car = await context.services.booking.car(window.car_id) if window else None
    if car is not None and not await is_group_member(context, car.chat_id, query.from_user.id):
        await query.answer(say("button.left_group"), show_alert=True)
        return
    result = await context.services.booking.delete_window(callback.target, query.from_user.id)
    if isinstance(result, CarRefused):
        stale = result.reason is CarRefusalReason.NOT_FOUND
        await query.answer(say("button.stale" if stale else "button.not_yours"), show_alert=True)
        return
    await query.answer(say("availability.deleted"))
    car = await context.services.booking.car(result.car_id)
    if car is not None and query.message is not None:
        say = await personal_speaker(context, query.from_user, car.chat_id)
        text, markup = await _windows_listing(context, say, car)
        await query.edit_message_text(text, reply_markup=markup)


async def free_cars(update: Update, context: CovoisinContext) -> None:
    """`/libre demain matin`: the cars free for that whole interval."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    say = await speaker_for(update, context)
    text = " ".join(context.args or [])
    if not text:
        await message.reply_text(say("free.usage"))
        return
    if chat.type == "private":
        groups = await context.services.repos.groups.groups_of(user.id)
        chat_ids = [
            group.chat_id
            for group in groups
            if await is_group_member(context, group.chat_id, user.id)
        ]
        if not chat_ids:
            await message.reply_text(say("booking.no_group"))
            return
    else:
        chat_ids = [chat.id]
    now = context.services.clock().astimezone(say.zone)
    try:
        interval = parse_interval(text, now)
    except DateParseError as error:
        await message.reply_text(say(error.message_key, text=echo(error.text)))
        return
    cars = [
        car
        for chat_id in chat_ids
        for car in await context.services.booking.free_cars(chat_id, interval)
    ]
    when = when_long(say, interval.start, interval.end)
    if not cars:
        await message.reply_text(say("free.none", when=when))
        return
    lines = [say("free.title", when=when)]
    for car in cars:
        lines.append(
            say(
                "free.line",
                car=car_title(car.name),
                owner=await first_name(context, car.owner_id),
                car_key=car.name_key,
                when_text=echo(text),
            )
        )
    await message.reply_text("\n".join(lines))


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler(["available", "dispo"], post_available, MESSAGE),
        CommandHandler(["unavailable", "indispo"], post_unavailable, MESSAGE),
        CommandHandler(["free", "libre"], free_cars, MESSAGE),
        CallbackQueryHandler(on_delete_window, pattern=button_of(Kind.WINDOW_DELETE)),
    ]
