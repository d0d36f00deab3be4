"""Cars: the group's list, a manager's cards and their buttons, co-managers, removal.

Listing a car and changing its fields is the form in `handlers.cars.form`. Every button here
is checked when pressed: the presser must manage the car (a button can travel: anyone in a
group can press one), and the car must still be in the state the button was made for.
"""

from __future__ import annotations

from babel.lists import format_list
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import User as TgUser
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.booking import Car, CarRefusalReason, CarRefused, name_key
from bot.booking.car_form import Step
from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.i18n import Html, echo
from handlers.cars import form as car_form
from handlers.cars.form import card, card_keyboard, energy_label
from handlers.common.admins import is_admin
from handlers.common.context import CovoisinContext
from handlers.common.conversations import OpenForms
from handlers.common.delivery import (
    Private,
    about_removed_car,
    open_private_chat_line,
    tell_each_privately,
    written_for,
)
from handlers.common.guards import is_group_member
from handlers.common.jobs import follow
from handlers.common.members import named_member
from handlers.common.prompts import rebutton
from handlers.common.render import car_title, first_name
from handlers.common.speech import (
    Speaker,
    group_speaker,
    is_group,
    member_speaker,
    mention,
    personal_speaker,
)

MESSAGE = filters.UpdateType.MESSAGE
YES, NO, BACK = "yes", "no", "back"


def _unknown_car(say: Speaker, name: str, cars: list[Car]) -> str:
    if not cars:
        return say("cars.list.group_empty")
    return say(
        "cars.refusal.unknown_car", name=echo(name), names=", ".join(car.name for car in cars)
    )


# /voitures


async def list_cars(update: Update, context: CovoisinContext) -> None:
    """In a group: its cars in one message. In private: a card per car the member manages."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    service = context.services.booking
    if is_group(chat):
        say = await group_speaker(context, chat.id)
        await message.reply_text(await _group_list(context, say, await service.cars(chat.id)))
        return
    say = await personal_speaker(context, user)
    cars = await service.cars_managed_by(user.id)
    if not cars:
        await message.reply_text(say("cars.list.mine_empty"))
        return
    for car in cars:
        car_say = await personal_speaker(context, user, car.chat_id)
        text, keyboard = await card(context, car_say, car, user.id)
        await message.reply_text(text, reply_markup=keyboard)


async def _group_list(context: CovoisinContext, say: Speaker, cars: list[Car]) -> str:
    if not cars:
        return say("cars.list.group_empty")
    lines = [say("cars.list.group_title")]
    for car in cars:
        status = (
            say("cars.status.paused")
            if car.paused
            else say(f"cars.status.{car.booking_mode.value}")
        )
        lines.append(
            say(
                "cars.list.group_line",
                car=car_title(car.name),
                owner=await first_name(context, car.owner_id),
                seats=Html(say.plural("cars.seats", car.seats)),
                energy=Html(energy_label(say, car.energy)),
                status=Html(status),
            )
        )
    example = next((car for car in cars if car.bookable), None)
    if example is not None:
        lines.append(say("cars.list.group_footer", name=example.name))
    return "\n".join(lines)


# The buttons under a card


async def _pressed_car(
    update: Update, context: CovoisinContext, *, admins_too: bool = False
) -> tuple[Callback, Car, Speaker] | None:
    """The car a button is about, if the presser manages it (or, with `admins_too`, is an
    admin of its group) and it is still listed. With `admins_too` (removing a car), its
    owner may act even after leaving the group: someone who moved away takes their car
    back, its bookings cancelled with notice.

    Otherwise the press is answered with why nothing happens.
    """
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return None
    service = context.services.booking
    car = await service.car(callback.target)
    say = await personal_speaker(context, query.from_user, car.chat_id if car else None)
    message = query.message
    # A car's buttons are on its card in a manager's private chat, or on the removal asked
    # in its own group: on another group's message, the data was forged.
    elsewhere = (
        message is not None
        and is_group(message.chat)
        and message.chat.id != (car.chat_id if car else None)
    )
    if car is None or car.removed_at is not None or elsewhere:
        await query.answer(say("cars.refusal.stale"), show_alert=True)
        return None
    presser = query.from_user.id
    manages = (admins_too and presser == car.owner_id) or (
        presser in await service.managers(car.id)
        and await is_group_member(context, car.chat_id, presser)
    )
    if not manages and not (admins_too and await is_admin(context, car.chat_id, presser)):
        await query.answer(say("cars.refusal.not_manager"))
        return None
    return callback, car, say


async def on_pause(update: Update, context: CovoisinContext) -> None:
    await _set_paused(update, context, paused=True)


async def on_resume(update: Update, context: CovoisinContext) -> None:
    await _set_paused(update, context, paused=False)


async def _set_paused(update: Update, context: CovoisinContext, *, paused: bool) -> None:
    pressed = await _pressed_car(update, context)
    query = update.callback_query
    if pressed is None or query is None:
        return
    _, car, say = pressed
    if car.paused == paused:
        # Pressed on an old card, or by another manager a moment ago.
        await query.answer(say("cars.refusal.stale"))
        return
    result = await context.services.booking.set_paused(car.id, query.from_user.id, paused)
    if isinstance(result, CarRefused):
        await query.answer(say("cars.refusal.stale"))
        return
    done = "cars.paused.answer" if paused else "cars.resumed.answer"
    await _card_changed(query, context, say, result, done)


async def on_auto_accept(update: Update, context: CovoisinContext) -> None:
    """The owner switches the auto-accept of trusted neighbours on or off."""
    pressed = await _pressed_car(update, context)
    query = update.callback_query
    if pressed is None or query is None:
        return
    callback, car, say = pressed
    wanted = callback.option == "on"
    if car.auto_accept_trusted == wanted:
        await query.answer(say("cars.refusal.stale"))
        return
    result = await context.services.booking.set_auto_accept(car.id, query.from_user.id, wanted)
    if isinstance(result, CarRefused):
        await query.answer(say("cars.refusal.not_owner", car=car_title(car.name)))
        return
    done = "reputation.auto.on" if wanted else "reputation.auto.off"
    await _card_changed(query, context, say, result, done)


async def _card_changed(
    query: CallbackQuery, context: CovoisinContext, say: Speaker, car: Car, done: str
) -> None:
    """A change on the card: the presser's short answer (`done`), and the card afresh."""
    await query.answer(say(done, car=car_title(car.name)))
    text, keyboard = await card(context, say, car, query.from_user.id)
    await query.edit_message_text(text, reply_markup=keyboard)


async def on_edit(update: Update, context: CovoisinContext) -> None:
    """« Modifier »: the fields to choose from (the form takes over from there); « Retour »."""
    pressed = await _pressed_car(update, context)
    query = update.callback_query
    if pressed is None or query is None:
        return
    callback, car, say = pressed
    await query.answer()
    if callback.option == BACK:
        await rebutton(query, card_keyboard(say, car, query.from_user.id))
        return
    buttons = [
        InlineKeyboardButton(
            say(f"cars.field.{step.key}"),
            callback_data=Callback(Kind.CAR_EDIT, car.id, step.key).data(),
        )
        for step in Step
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append(
        [
            InlineKeyboardButton(
                say("cars.button.back"), callback_data=Callback(Kind.CAR_EDIT, car.id, BACK).data()
            )
        ]
    )
    await rebutton(query, InlineKeyboardMarkup(rows))


# Removing


def _confirmation(say: Speaker, car: Car) -> tuple[str, InlineKeyboardMarkup]:
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say("cars.remove.yes"),
                    callback_data=Callback(Kind.CAR_REMOVE, car.id, YES).data(),
                ),
                InlineKeyboardButton(
                    say("cars.remove.no"),
                    callback_data=Callback(Kind.CAR_REMOVE, car.id, NO).data(),
                ),
            ]
        ]
    )
    return say("cars.remove.confirm", car=car_title(car.name)), buttons


async def remove_command(update: Update, context: CovoisinContext) -> None:
    """`/retirer clio`: asks to confirm, in the group or in private, with two buttons."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    service = context.services.booking
    wanted = context.args[0] if context.args else ""
    if is_group(chat):
        say = await group_speaker(context, chat.id)
        cars = await service.cars(chat.id)
    else:
        say = await personal_speaker(context, user)
        cars = await service.cars_managed_by(user.id)
    if not wanted:
        example = cars[0].name if cars else "clio"
        await message.reply_text(say("cars.remove.usage", name=example))
        return
    matching = [car for car in cars if car.name_key == name_key(wanted)]
    if not matching:
        if is_group(chat):
            await message.reply_text(_unknown_car(say, wanted, cars))
        else:
            await message.reply_text(say("cars.refusal.not_yours_named", name=echo(wanted)))
        return
    if len(matching) > 1:
        # The same name in two of the member's villages: which one?
        await message.reply_text(
            say("cars.remove.which"), reply_markup=await _choices(context, matching)
        )
        return
    car = matching[0]
    if car.owner_id != user.id and not await is_admin(context, car.chat_id, user.id):
        await message.reply_text(say("cars.refusal.not_owner", car=car_title(car.name)))
        return
    text, buttons = _confirmation(say, car)
    await message.reply_text(text, reply_markup=buttons)


async def _choices(context: CovoisinContext, cars: list[Car]) -> InlineKeyboardMarkup:
    rows = []
    for car in cars:
        group = await context.services.repos.groups.get(car.chat_id)
        label = f"{car_title(car.name)} · {group.title if group else ''}"
        rows.append(
            [InlineKeyboardButton(label, callback_data=Callback(Kind.CAR_REMOVE, car.id).data())]
        )
    return InlineKeyboardMarkup(rows)


async def on_remove(update: Update, context: CovoisinContext) -> None:
    """« Retirer » then « Oui » or « Non »; the car's owner or an admin of its group decides."""
    pressed = await _pressed_car(update, context, admins_too=True)
    query = update.callback_query
    if pressed is None or query is None:
        return
    callback, car, say = pressed
    presser = query.from_user
    by_admin = car.owner_id != presser.id
    if by_admin and not await is_admin(context, car.chat_id, presser.id):
        await query.answer(say("cars.refusal.not_owner", car=car_title(car.name)))
        return
    message = query.message
    in_group = message is not None and is_group(message.chat)
    if in_group and message is not None:
        say = await group_speaker(context, message.chat.id)
    if callback.option is None:
        await query.answer()
        text, buttons = _confirmation(say, car)
        await query.edit_message_text(text, reply_markup=buttons)
    elif callback.option == NO:
        await query.answer()
        if in_group:
            await query.edit_message_text(say("cars.remove.kept", car=car_title(car.name)))
        else:
            text, keyboard = await card(context, say, car, presser.id)
            await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await _remove(update, context, car, presser, in_group, by_admin)


async def _remove(
    update: Update,
    context: CovoisinContext,
    car: Car,
    presser: TgUser,
    in_group: bool,
    by_admin: bool,
) -> None:
    query = update.callback_query
    assert query is not None
    result = await context.services.booking.remove_car(
        car.id, presser.id, is_admin=by_admin, chat_id=car.chat_id
    )
    if isinstance(result, CarRefused):
        say = await personal_speaker(context, presser, car.chat_id)
        refusal = (
            "cars.refusal.not_owner"
            if result.reason is CarRefusalReason.NOT_OWNER
            else "cars.refusal.stale"
        )
        await query.answer(say(refusal, car=car_title(car.name)))
        return
    await query.answer()
    await follow(context, (booking.id for booking in result.cancelled))
    notices: list[Private] = []
    for booking in result.cancelled:
        write = about_removed_car(booking, car, presser.first_name)
        notices += await written_for(context, car.chat_id, [booking.borrower_id], write)
    group = await context.services.repos.groups.get(car.chat_id)
    group_title = group.title if group else ""
    if by_admin:
        # Both sides are told: the borrowers above, and the owner who did not choose it.
        owner_say = await member_speaker(context, car.owner_id, car.chat_id)
        notices.append(
            Private(
                car.owner_id,
                owner_say("admin.removed.owner", car=car_title(car.name), group=group_title),
            )
        )
    unreached = await tell_each_privately(
        context, notices, group_chat_id=car.chat_id, nudge_in_group=False
    )
    group_say = await group_speaker(context, car.chat_id)
    announcement = group_say(
        "cars.removed.group",
        car=car_title(car.name),
        owner=await first_name(context, car.owner_id),
    )
    # One group message for the removal: borrowers whose private chat is closed are named
    # in it, with the button that opens it.
    open_chat = None
    if unreached:
        line, open_chat = await open_private_chat_line(context, group_say, unreached)
        announcement += "\n" + line
    if in_group:
        # The question becomes the answer: still one message in the group.
        await query.edit_message_text(announcement, reply_markup=open_chat)
    else:
        say = await personal_speaker(context, presser, car.chat_id)
        done = [say("cars.removed.private", car=car_title(car.name), group=group_title)]
        if result.cancelled:
            done.append(say.plural("cars.removed.cancelled", len(result.cancelled)))
        await query.edit_message_text("\n".join(done))
        await context.bot.send_message(car.chat_id, announcement, reply_markup=open_chat)


# Co-managers


async def add_comanager(update: Update, context: CovoisinContext) -> None:
    """`/cogerant clio` in reply to a neighbour's message, or `/cogerant clio @marie`."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    if not is_group(chat):
        say = await personal_speaker(context, user)
        await message.reply_text(say("cars.comanager.in_group"))
        return
    say = await group_speaker(context, chat.id)
    args = context.args or []
    if not args:
        await message.reply_text(say("cars.comanager.usage"))
        return
    service = context.services.booking
    car = await service.find_car(chat.id, args[0])
    if car is None:
        await message.reply_text(_unknown_car(say, args[0], await service.cars(chat.id)))
        return
    target = await named_member(context, message, chat.id, args[1:])
    if target is None:
        await message.reply_text(say("cars.comanager.usage"))
        return
    if isinstance(target, str):
        await message.reply_text(say("cars.comanager.unknown", username=target, name=car.name))
        return
    await message.reply_text(await _share(context, say, car, user, target))


async def _share(
    context: CovoisinContext, say: Speaker, car: Car, owner: TgUser, target: tuple[int, str]
) -> str:
    """Make `target` a manager of the car; the one line the group reads about it."""
    target_id, target_name = target
    title = car_title(car.name)
    if car.owner_id != owner.id:
        # Checked before asking Telegram about the neighbour; the service checks it again.
        return say("cars.refusal.not_owner", car=title)
    service = context.services.booking
    if target_id in await service.managers(car.id):
        return say("cars.comanager.already", member=target_name, car=title)
    # Telegram knows who is in the group right now; the bot's records only whom it has met.
    if not await is_group_member(context, car.chat_id, target_id):
        return say("cars.comanager.not_member", member=target_name, car=title)
    repos, now = context.services.repos, context.services.clock()
    await repos.groups.add_member(car.chat_id, target_id, now)
    result = await service.add_manager(car.id, owner.id, target_id, car.chat_id)
    if isinstance(result, CarRefused):
        if result.reason is CarRefusalReason.NOT_OWNER:
            return say("cars.refusal.not_owner", car=title)
        if result.reason is CarRefusalReason.NOT_MEMBER:
            return say("cars.comanager.not_member", member=target_name, car=title)
        return say("cars.refusal.gone")
    names = [await first_name(context, manager) for manager in result if manager != target_id]
    return say(
        "cars.comanager.added",
        member=mention(target_id, target_name),
        car=title,
        managers=format_list(names, locale=say.language),
    )


def handlers(forms: OpenForms) -> list[BaseHandler[Update, CovoisinContext, object]]:
    return [
        *car_form.handlers(forms),
        CommandHandler(["cars", "voitures"], list_cars, MESSAGE),
        CommandHandler(["removecar", "retirer"], remove_command, MESSAGE),
        CommandHandler(["comanager", "cogerant"], add_comanager, MESSAGE),
        CallbackQueryHandler(on_pause, pattern=button_of(Kind.CAR_PAUSE)),
        CallbackQueryHandler(on_resume, pattern=button_of(Kind.CAR_RESUME)),
        CallbackQueryHandler(
            on_auto_accept, pattern=button_of(Kind.CAR_AUTO, options=("on", "off"))
        ),
        CallbackQueryHandler(
            on_remove, pattern=button_of(Kind.CAR_REMOVE, options=(None, YES, NO))
        ),
        CallbackQueryHandler(on_edit, pattern=button_of(Kind.CAR_EDIT, options=(None, BACK))),
    ]
