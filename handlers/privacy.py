"""A member's own data: `/mesdonnees` sends them, as a JSON file, everything the bot stores
about them; `/oublier` forgets them, after saying what it changes and a confirmation."""

from __future__ import annotations

import json
from collections import defaultdict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.deeplinks import Action, DeepLink, start_url
from bot.forgetting import ForgetPlan, ForgetRefusalReason, ForgetRefused, Forgotten
from handlers.common.context import CovoisinContext
from handlers.common.delivery import (
    Private,
    about_booking,
    about_removed_car,
    tell_each_privately,
    written_for,
)
from handlers.common.jobs import follow
from handlers.common.render import car_title, first_name
from handlers.common.speech import Speaker, group_speaker, personal_speaker

MESSAGE = filters.UpdateType.MESSAGE
YES, NO = "yes", "no"


async def _in_private_only(context: CovoisinContext, message: Message, key: str) -> bool:
    """Personal data is never handled in a group: one short answer there, with the button
    that opens the private chat. True when the message was in a group."""
    if message.chat.type == "private":
        return False
    say = await group_speaker(context, message.chat_id)
    button = InlineKeyboardButton(
        say("delivery.open_private_chat"),
        url=start_url(context.bot.username, DeepLink(Action.INBOX)),
    )
    await message.reply_text(say(key), reply_markup=InlineKeyboardMarkup([[button]]))
    return True


# /mesdonnees


async def my_data(update: Update, context: CovoisinContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if await _in_private_only(context, message, "admin.mydata.in_private"):
        return
    say = await personal_speaker(context, user)
    # A form under way is theirs too: its last answers are written before it is read.
    await context.application.update_persistence()
    data = await context.services.repos.personal_data.about(user.id)
    document = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await message.reply_document(
        document, filename="covoisin.json", caption=say("admin.mydata.caption")
    )


# /oublier


async def forget_me(update: Update, context: CovoisinContext) -> None:
    """What forgetting would change, with « Oui, m'oublier » and « Non »."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if await _in_private_only(context, message, "privacy.forget.in_private"):
        return
    say = await personal_speaker(context, user)
    plan = await context.services.forgetting.plan(user.id)
    if isinstance(plan, ForgetRefused):
        await message.reply_text(await _refusal_text(context, say, user.id, plan))
        return
    await message.reply_text(_plan_text(say, plan), reply_markup=_choice(say, user.id, plan))


def _choice(say: Speaker, user_id: int, plan: ForgetPlan) -> InlineKeyboardMarkup:
    # « Oui » carries what it was said to do: pressed once that has changed (a car listed,
    # a booking made since), it shows the new summary instead of doing more than was said.
    yes = f"{YES}_{plan.cars}_{plan.bookings}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say("privacy.forget.yes"),
                    callback_data=Callback(Kind.FORGET, user_id, yes).data(),
                ),
                InlineKeyboardButton(
                    say("privacy.forget.no"),
                    callback_data=Callback(Kind.FORGET, user_id, NO).data(),
                ),
            ]
        ]
    )


def _agreed_to(option: str | None) -> tuple[int, int] | None:
    """The numbers of cars and bookings a « Oui » was shown with."""
    word, _, counts = (option or "").partition("_")
    cars, _, bookings = counts.partition("_")
    if word != YES or not cars.isdigit() or not bookings.isdigit():
        return None
    return int(cars), int(bookings)


def _plan_text(say: Speaker, plan: ForgetPlan) -> str:
    lines = [say("privacy.forget.confirm.title")]
    if plan.cars:
        lines.append(say.plural("privacy.forget.confirm.cars", plan.cars))
    if plan.bookings:
        lines.append(say.plural("privacy.forget.confirm.bookings", plan.bookings))
    lines.append(say("privacy.forget.confirm.rest"))
    return "\n".join(lines)


async def _refusal_text(
    context: CovoisinContext, say: Speaker, user_id: int, refused: ForgetRefused
) -> str:
    if refused.reason is ForgetRefusalReason.NOTHING:
        return say("privacy.forget.nothing")
    if refused.reason is ForgetRefusalReason.BANNED:
        titles = []
        for chat_id in refused.groups:
            group = await context.services.repos.groups.get(chat_id)
            titles.append(group.title if group else "?")
        return say("privacy.forget.banned", groups=", ".join(titles))
    lines = []
    for view in refused.out:
        car = car_title(view.car.name)
        if view.booking.borrower_id == user_id:
            owner = await first_name(context, view.car.owner_id)
            lines.append(say("privacy.forget.car_out.borrower", car=car, owner=owner))
        else:
            borrower = await first_name(context, view.booking.borrower_id)
            lines.append(say("privacy.forget.car_out.owner", car=car, borrower=borrower))
    return "\n".join(lines)


async def on_forget_button(update: Update, context: CovoisinContext) -> None:
    query = update.callback_query
    if query is None:
        return
    callback = parse_callback(query.data)
    presser = query.from_user
    say = await personal_speaker(context, presser)
    agreed = _agreed_to(callback.option) if callback else None
    if (
        callback is None
        or callback.kind is not Kind.FORGET
        or (agreed is None and callback.option != NO)
    ):
        await query.answer(say("button.unknown"), show_alert=True)
        return
    # Only the member who asked may confirm: the button names them, whoever presses it.
    if callback.target != presser.id:
        await query.answer(say("button.not_yours"), show_alert=True)
        return
    if callback.option == NO:
        await query.answer()
        await query.edit_message_text(say("privacy.forget.kept"))
        return
    plan = await context.services.forgetting.plan(presser.id)
    if isinstance(plan, ForgetPlan) and (plan.cars, plan.bookings) != agreed:
        await query.answer(say("privacy.forget.changed"), show_alert=True)
        await query.edit_message_text(
            _plan_text(say, plan), reply_markup=_choice(say, presser.id, plan)
        )
        return
    result = await context.services.forgetting.forget(presser.id)
    if isinstance(result, ForgetRefused):
        if result.reason is ForgetRefusalReason.NOTHING:
            # A second press: the goodbye it lands on stays as it is.
            await query.answer(say("privacy.forget.already"), show_alert=True)
            return
        # A car went out, or a ban came, since the question: it is no longer valid. The
        # reasons may be long: the alert is short and the message says them.
        await query.answer(say("privacy.forget.not_now"), show_alert=True)
        await query.edit_message_text(await _refusal_text(context, say, presser.id, result))
        return
    # Their forms under way went with the rest in the database; in memory too, so that the
    # next write of the persistence does not bring them back.
    context.application.drop_user_data(presser.id)
    await query.answer()
    await query.edit_message_text(say("privacy.forget.done"))
    await _tell_the_others(context, result, presser.first_name)


async def _tell_the_others(context: CovoisinContext, forgotten: Forgotten, name: str) -> None:
    """The borrowers of their cars and the managers of the cars they asked for, privately;
    `name` is the one the others knew them by, read from Telegram since the bot's copy is
    gone. One call per group: a group hears at most one message, naming those whose
    private chat is closed."""
    # The cancelled bookings expire and remind no more.
    await follow(
        context,
        [*(v.booking.id for v in forgotten.lent), *(w.booking.id for w in forgotten.borrowed)],
    )
    by_group: defaultdict[int, list[Private]] = defaultdict(list)
    for view in forgotten.lent:
        booking = view.booking
        write = about_removed_car(booking, view.car, name)
        by_group[booking.chat_id] += await written_for(
            context, booking.chat_id, [booking.borrower_id], write
        )
    for withdrawn in forgotten.borrowed:
        booking = withdrawn.booking
        write = about_booking("cancel.notice.by_borrower", booking, withdrawn.car, borrower=name)
        by_group[booking.chat_id] += await written_for(
            context, booking.chat_id, withdrawn.managers, write
        )
    for chat_id, messages in by_group.items():
        await tell_each_privately(context, messages, group_chat_id=chat_id)


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler(["mydata", "mesdonnees"], my_data, MESSAGE),
        CommandHandler(["forgetme", "oublier"], forget_me, MESSAGE),
        CallbackQueryHandler(on_forget_button, pattern=button_of(Kind.FORGET)),
    ]
