"""`/ajouter` · `/addcar`: listing a car, one question at a time, in the private chat.

The same questions change one field of a listed car (« Modifier » under `/voitures`).
Answers are kept in `user_data` (as plain data: a restart resumes the form) and the car is
written once, after the last one: `/annuler` or half an hour of silence leave nothing
behind. What the questions are and what an answer means is `bot.booking.car_form`'s; this
module asks them, hands it what was typed or pressed, and tells what went wrong. It also
says what a car looks like (the summary its managers see, the card with its buttons, the
group's announcement), since the form ends by showing it and `handlers.cars.listing`
shows it too.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace

from babel.lists import format_list
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import User as TgUser
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.booking import BookingMode, Car, CarRefusalReason, CarRefused, Energy
from bot.booking.car_form import CarForm, FormProblem, FormProblemReason, Step
from bot.callbacks import Callback, Kind, button_of, parse_callback
from bot.contribution import MAX_PER_DAY_CENTS, MAX_PER_KM_CENTS, format_amount
from bot.deeplinks import Action, DeepLink, parse_payload, start_url
from bot.i18n import Html, echo
from handlers.common.context import CovoisinContext
from handlers.common.conversations import (
    FORM_TIMEOUT,
    OpenForms,
    form_conversation,
    plain,
    restored,
)
from handlers.common.delivery import deliver_pending
from handlers.common.guards import is_group_member
from handlers.common.prompts import rebutton
from handlers.common.render import car_title, first_name
from handlers.common.speech import Speaker, group_speaker, personal_speaker

log = logging.getLogger(__name__)

MESSAGE = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE & MESSAGE
SKIP = "skip"
SEAT_BUTTONS = ((2, 3, 4), (5, 6, 7))

# Where the conversation is; which question is pending is the form's own business.
CHOOSING_GROUP, FILLING = "choosing_group", "filling"
# The group picked in the private chat is for this feature only: other features may offer
# their own group choice with the same kind of button.
PICK_OPTION = "addcar"

_FORM = "car_form"


def _form(context: CovoisinContext) -> CarForm | None:
    """The form kept; the form an answer makes is kept by `_keep`."""
    return restored(CarForm, context.user_data.get(_FORM)) if context.user_data else None


def _keep(context: CovoisinContext, form: CarForm | None) -> None:
    if context.user_data is None:
        return
    if form is None:
        context.user_data.pop(_FORM, None)
    else:
        context.user_data[_FORM] = plain(form)


# What a car looks like


def _in_sentence(text: str) -> str:
    """« Devant la mairie » after « garée » reads « garée devant la mairie »; names stay."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def energy_label(say: Speaker, energy: Energy) -> str:
    return say(f"cars.energy.{energy.value}")


def mode_label(say: Speaker, mode: BookingMode) -> str:
    return say(f"cars.mode.{mode.value}")


def contribution_text(say: Speaker, per_km_cents: int | None, per_day_cents: int | None) -> Html:
    """« 0,30 €/km et 10,00 € par jour »; empty when nothing is suggested."""
    parts = []
    if per_km_cents is not None:
        parts.append(
            say("cars.contribution.per_km", amount=format_amount(per_km_cents, say.language))
        )
    if per_day_cents is not None:
        parts.append(
            say("cars.contribution.per_day", amount=format_amount(per_day_cents, say.language))
        )
    return Html(format_list(parts, locale=say.language) if parts else "")


def basics(say: Speaker, car: Car) -> Html:
    """« 5 places, essence, garée devant la mairie »."""
    return Html(
        say(
            "cars.summary.basics",
            seats=Html(say.plural("cars.seats", car.seats)),
            energy=Html(energy_label(say, car.energy)),
            place=_in_sentence(car.parked_at),
        )
    )


def summary(say: Speaker, car: Car, group_title: str, managers: list[str]) -> str:
    """Everything about the car, for its managers (key instructions included)."""
    lines = [say("cars.summary.title", car=car_title(car.name), group=group_title)]
    if car.description:
        lines.append(html.escape(car.description, quote=False))
    lines.append(basics(say, car))
    if car.rules:
        lines.append(say("cars.summary.rules", rules=car.rules))
    contribution = contribution_text(
        say, car.contribution_per_km_cents, car.contribution_per_day_cents
    )
    if contribution:
        lines.append(say("cars.summary.contribution", amount=contribution))
    if car.key_instructions:
        lines.append(say("cars.summary.keys", keys=car.key_instructions))
    lines.append(say(f"cars.summary.mode.{car.booking_mode.value}"))
    if car.photo_file_id:
        lines.append(say("cars.summary.photo"))
    if len(managers) > 1:
        lines.append(say("cars.summary.managers", names=format_list(managers, locale=say.language)))
    if car.paused:
        lines.append(say("cars.summary.paused"))
    return "\n".join(lines)


def card_keyboard(say: Speaker, car: Car, viewer_id: int) -> InlineKeyboardMarkup:
    """Under a car in its manager's private chat; removing it is its owner's decision."""
    pause = (
        InlineKeyboardButton(
            say("cars.button.resume"), callback_data=Callback(Kind.CAR_RESUME, car.id).data()
        )
        if car.paused
        else InlineKeyboardButton(
            say("cars.button.pause"), callback_data=Callback(Kind.CAR_PAUSE, car.id).data()
        )
    )
    edit = InlineKeyboardButton(
        say("cars.button.edit"), callback_data=Callback(Kind.CAR_EDIT, car.id).data()
    )
    rows = [[pause, edit]]
    if car.owner_id == viewer_id:
        auto = "off" if car.auto_accept_trusted else "on"
        rows.append(
            [
                InlineKeyboardButton(
                    say(f"reputation.button.auto_{auto}"),
                    callback_data=Callback(Kind.CAR_AUTO, car.id, auto).data(),
                )
            ]
        )
        remove = InlineKeyboardButton(
            say("cars.button.remove"), callback_data=Callback(Kind.CAR_REMOVE, car.id).data()
        )
        rows.append([remove])
    return InlineKeyboardMarkup(rows)


async def card(
    context: CovoisinContext, say: Speaker, car: Car, viewer_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """A car as its manager sees it in private, with its buttons."""
    group = await context.services.repos.groups.get(car.chat_id)
    names = [
        await first_name(context, manager_id)
        for manager_id in await context.services.booking.managers(car.id)
    ]
    text = summary(say, car, group.title if group else "", names)
    return text, card_keyboard(say, car, viewer_id)


# Asking


def _keyboard(say: Speaker, form: CarForm) -> InlineKeyboardMarkup | None:
    step = form.step

    def answer(label: str, option: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=Callback(Kind.FORM, int(step), option).data()
        )

    if step is Step.SEATS:
        return InlineKeyboardMarkup(
            [[answer(str(seats), str(seats)) for seats in row] for row in SEAT_BUTTONS]
        )
    if step is Step.ENERGY:
        energies = [answer(energy_label(say, energy), energy.value) for energy in Energy]
        return InlineKeyboardMarkup([energies[:2], energies[2:]])
    if step is Step.MODE:
        return InlineKeyboardMarkup(
            [[answer(mode_label(say, mode), mode.value)] for mode in BookingMode]
        )
    if step.optional:
        label = say("cars.button.clear") if form.editing else say("cars.button.skip")
        return InlineKeyboardMarkup([[answer(label, SKIP)]])
    return None


def _question(say: Speaker, form: CarForm) -> str:
    lines = [say(f"cars.ask.{form.step.key}")]
    if form.step.optional:
        lines.append(say("cars.ask.clear_hint" if form.editing else "cars.ask.skip_hint"))
    if form.editing:
        lines.append(say("cars.edit.cancel_hint"))
    return "\n".join(lines)


async def _ask(
    context: CovoisinContext, user_id: int, say: Speaker, form: CarForm, before: str = ""
) -> None:
    text = _question(say, form)
    await context.bot.send_message(
        user_id, f"{before}\n\n{text}" if before else text, reply_markup=_keyboard(say, form)
    )


async def _ask_again(
    context: CovoisinContext, user_id: int, say: Speaker, form: CarForm, problem: FormProblem
) -> None:
    """What went wrong, with an example; the buttons of the question come back with it."""
    await context.bot.send_message(
        user_id, _problem_text(say, problem), reply_markup=_keyboard(say, form)
    )


# Reading the answers


def _energy_names(context: CovoisinContext) -> dict[Energy, list[str]]:
    """What each energy is called in each of our languages, for one typed, not pressed."""
    translator = context.services.translator
    return {
        energy: [
            translator.text(language, f"cars.energy.{energy.value}")
            for language in translator.catalogs
        ]
        for energy in Energy
    }


async def _read_text(
    context: CovoisinContext, form: CarForm, text: str, user: TgUser
) -> CarForm | FormProblem:
    """The form with a typed answer taken; the problem to tell otherwise."""
    answer = form.read_answer(text, _energy_names(context))
    if isinstance(answer, CarForm) and form.step is Step.NAME:
        taken = await context.services.booking.find_car(answer.chat_id, answer.name)
        return answer.name_clash(taken, user.first_name) or answer
    return answer


def _read_option(form: CarForm, option: str | None) -> CarForm | None:
    """The form with a pressed answer taken; None if it is not one of this question's."""
    if option is None:
        return None
    return form.skipped() if option == SKIP else form.read_choice(option)


def _problem_text(say: Speaker, problem: FormProblem) -> str:
    reason = problem.reason
    if reason is FormProblemReason.NAME_INVALID:
        return say("cars.retry.name_invalid", name=echo(problem.text), limit=problem.limit)
    if reason is FormProblemReason.NAME_TAKEN:
        return say("cars.retry.name_taken", name=problem.text, suggestion=problem.suggestion)
    if reason is FormProblemReason.TOO_LONG:
        return say("cars.retry.too_long", limit=problem.limit)
    if problem.contribution is not None:
        return say(
            f"cars.retry.contribution.{problem.contribution.value}",
            text=echo(problem.text),
            per_km=format_amount(MAX_PER_KM_CENTS, say.language),
            per_day=format_amount(MAX_PER_DAY_CENTS, say.language),
        )
    return say(f"cars.retry.{problem.step.key}")


# Starting


async def addcar_in_group(update: Update, context: CovoisinContext) -> None:
    """In the group: one message, with the link that opens the private chat on this group."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    say = await group_speaker(context, chat.id)
    button = InlineKeyboardButton(
        say("cars.add.go_private_button"),
        url=start_url(context.bot.username, DeepLink(Action.ADD_CAR, chat.id)),
    )
    await message.reply_text(
        say("cars.add.go_private"), reply_markup=InlineKeyboardMarkup([[button]])
    )


async def start_in_private(update: Update, context: CovoisinContext) -> object:
    """`/ajouter` in the private chat: the member's group, or a choice among theirs."""
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    _keep(context, None)
    # Telegram knows who is in a group now: a group they left is not offered, nor named.
    groups = [
        group
        for group in await context.services.repos.groups.groups_of(user.id)
        if await is_group_member(context, group.chat_id, user.id)
    ]
    if len(groups) == 1:
        return await _begin(context, user, groups[0].chat_id)
    say = await personal_speaker(context, user)
    if not groups:
        await context.bot.send_message(user.id, say("cars.add.no_group"))
        return ConversationHandler.END
    buttons = [
        [
            InlineKeyboardButton(
                group.title,
                callback_data=Callback(Kind.PICK_GROUP, group.chat_id, PICK_OPTION).data(),
            )
        ]
        for group in groups
    ]
    await context.bot.send_message(
        user.id, say("cars.add.pick_group"), reply_markup=InlineKeyboardMarkup(buttons)
    )
    return CHOOSING_GROUP


async def start_from_link(update: Update, context: CovoisinContext) -> object:
    """`/start addcar_<group>`: the button under `/ajouter` in a group."""
    user = update.effective_user
    link = parse_payload(context.args[0]) if context.args else None
    if user is None or link is None or link.argument is None:
        return ConversationHandler.END
    services = context.services
    # This is also the member's first /start: what /start does for everyone happens here too.
    await services.repos.users.mark_started(user.id, services.clock())
    await deliver_pending(context, user.id)
    _keep(context, None)
    return await _begin(context, user, link.argument)


async def group_picked(update: Update, context: CovoisinContext) -> object:
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    if query is None or callback is None:
        return None
    if not await is_group_member(context, callback.target, query.from_user.id):
        # A group they left since, or a forged id: the choice stays open for the others.
        say = await personal_speaker(context, query.from_user)
        await query.answer(say("cars.add.not_member"), show_alert=True)
        return None
    await query.answer()
    await rebutton(query, None, show_choice=True)
    return await _begin(context, query.from_user, callback.target)


async def group_not_picked(update: Update, context: CovoisinContext) -> object:
    """Text while the group buttons wait: point at them."""
    user = update.effective_user
    if user is not None:
        say = await personal_speaker(context, user)
        await context.bot.send_message(user.id, say("cars.add.pick_group_hint"))
    return None


async def _begin(context: CovoisinContext, user: TgUser, chat_id: int) -> object:
    group = await context.services.repos.groups.get(chat_id)
    # The link or button names a group by its id, which anyone can type: until Telegram
    # says this person is in it, nothing about it is told, its title included.
    if group is None or not await is_group_member(context, chat_id, user.id):
        say = await personal_speaker(context, user)
        await context.bot.send_message(user.id, say("cars.add.not_member"))
        return ConversationHandler.END
    say = await personal_speaker(context, user, chat_id)
    if not group.active:
        await context.bot.send_message(user.id, say("cars.add.group_unknown"))
        return ConversationHandler.END
    if await context.services.moderation.is_banned(chat_id, user.id):
        await context.bot.send_message(user.id, say("admin.ban.cannot_list", group=group.title))
        return ConversationHandler.END
    form = CarForm(chat_id=chat_id, group_title=group.title)
    _keep(context, form)
    await _ask(context, user.id, say, form, before=say("cars.add.intro", group=group.title))
    return FILLING


async def start_edit(update: Update, context: CovoisinContext) -> object:
    """« Modifier » then a field, under a car in its manager's private chat."""
    query = update.callback_query
    callback = parse_callback(query.data) if query else None
    step = Step.from_key(callback.option) if callback else None
    if query is None or callback is None or step is None:
        return None
    user = query.from_user
    car = await context.services.booking.car(callback.target)
    say = await personal_speaker(context, user, car.chat_id if car else None)
    if car is None or car.removed_at is not None:
        await query.answer(say("cars.refusal.stale"))
        return None
    if user.id not in await context.services.booking.managers(car.id) or not (
        await is_group_member(context, car.chat_id, user.id)
    ):
        await query.answer(say("cars.refusal.not_manager"))
        return None
    group = await context.services.repos.groups.get(car.chat_id)
    form = CarForm.for_car(car, group.title if group else "", step)
    _keep(context, form)
    await query.answer()
    # The card's buttons go: the car is shown afresh, with them, once the change is saved.
    await rebutton(query, None)
    await _ask(context, user.id, say, form)
    return FILLING


# Answering


async def on_text(update: Update, context: CovoisinContext) -> object:
    message, user, form = update.effective_message, update.effective_user, _form(context)
    if message is None or user is None or form is None or message.text is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user, form.chat_id)
    answer = await _read_text(context, form, message.text, user)
    return await _take(context, user, say, form, answer)


async def on_photo(update: Update, context: CovoisinContext) -> object:
    message, user, form = update.effective_message, update.effective_user, _form(context)
    if message is None or user is None or form is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user, form.chat_id)
    if not message.photo:
        return await _not_expected(context, user, say, form)
    # Telegram sends several sizes of one picture; the largest is the one worth showing.
    largest = max(message.photo, key=lambda size: size.width * size.height)
    return await _take(context, user, say, form, form.read_photo(largest.file_id))


async def on_other(update: Update, context: CovoisinContext) -> object:
    """A sticker, a file, a voice message...: not an answer to any question."""
    user, form = update.effective_user, _form(context)
    if user is None or form is None:
        return ConversationHandler.END
    say = await personal_speaker(context, user, form.chat_id)
    return await _not_expected(context, user, say, form)


async def _not_expected(
    context: CovoisinContext, user: TgUser, say: Speaker, form: CarForm
) -> object:
    problem = FormProblem(FormProblemReason.NOT_AN_ANSWER, form.step)
    await _ask_again(context, user.id, say, form, problem)
    return None


async def on_button(update: Update, context: CovoisinContext) -> object:
    query, form = update.callback_query, _form(context)
    if query is None:
        return None
    callback = parse_callback(query.data)
    user = query.from_user
    say = await personal_speaker(context, user, form.chat_id if form else None)
    # A button left on an earlier question (or an earlier form) is not this question's answer.
    if form is None or callback is None or callback.target != form.step:
        await query.answer(say("cars.refusal.stale"))
        return None
    answered = _read_option(form, callback.option)
    if answered is None:
        await query.answer(say("cars.refusal.stale"))
        return None
    await query.answer()
    await rebutton(query, None, show_choice=True)
    return await _answered(context, user, say, answered)


async def _take(
    context: CovoisinContext,
    user: TgUser,
    say: Speaker,
    form: CarForm,
    answer: CarForm | FormProblem,
) -> object:
    """The form with an answer taken goes on; a problem is told, and the question stays."""
    if isinstance(answer, FormProblem):
        await _ask_again(context, user.id, say, form, answer)
        return None
    return await _answered(context, user, say, answer)


async def _answered(context: CovoisinContext, user: TgUser, say: Speaker, form: CarForm) -> object:
    following = form.advanced()
    if following is None:
        save = _save_new if form.editing is None else _save_change
        return await save(context, user, say, form)
    _keep(context, following)
    await _ask(context, user.id, say, following)
    return FILLING


# Saving


async def _name_taken_meanwhile(
    context: CovoisinContext, user: TgUser, say: Speaker, form: CarForm
) -> object:
    """Someone took the name between the question and the save: ask only for another."""
    form = replace(form, step=Step.NAME)
    _keep(context, form)
    await _ask_again(
        context, user.id, say, form, FormProblem.name_taken(form.name, user.first_name)
    )
    return FILLING


async def _save_new(context: CovoisinContext, user: TgUser, say: Speaker, form: CarForm) -> object:
    # The form may have taken a while: someone who left the village, or was banned
    # meanwhile, lists nothing there.
    if not await is_group_member(context, form.chat_id, user.id):
        _keep(context, None)
        await context.bot.send_message(user.id, say("cars.form.no_longer_member"))
        return ConversationHandler.END
    if await context.services.moderation.is_banned(form.chat_id, user.id):
        _keep(context, None)
        await context.bot.send_message(
            user.id, say("admin.ban.cannot_list", group=form.group_title)
        )
        return ConversationHandler.END
    result = await context.services.booking.add_car(form.chat_id, user.id, form.draft())
    if isinstance(result, CarRefused):
        if result.reason is CarRefusalReason.NAME_TAKEN:
            return await _name_taken_meanwhile(context, user, say, form)
        log.warning("car form refused at save: %s", result.reason)
        _keep(context, None)
        await context.bot.send_message(user.id, say("cars.form.not_saved"))
        return ConversationHandler.END
    _keep(context, None)
    await _announce(context, result, user.first_name)
    text, keyboard = await card(context, say, result, user.id)
    await context.bot.send_message(
        user.id,
        say(
            "cars.added.private",
            car=car_title(result.name),
            group=form.group_title,
            summary=Html(text),
        ),
        reply_markup=keyboard,
    )
    return ConversationHandler.END


async def _announce(context: CovoisinContext, car: Car, owner_name: str) -> None:
    """One message in the group, with the car's photo when there is one."""
    say = await group_speaker(context, car.chat_id)
    text = say(
        "cars.added.group",
        car=car_title(car.name),
        owner=owner_name,
        details=basics(say, car),
        name=car.name,
    )
    try:
        if car.photo_file_id:
            await context.bot.send_photo(car.chat_id, car.photo_file_id, caption=text)
        else:
            await context.bot.send_message(car.chat_id, text)
    except (BadRequest, Forbidden):
        # The bot left the group meanwhile: the car is listed, its owner is told in private.
        log.info("could not announce car %s in group %s", car.id, car.chat_id)


async def _save_change(
    context: CovoisinContext, user: TgUser, say: Speaker, form: CarForm
) -> object:
    assert form.editing is not None
    if not await is_group_member(context, form.chat_id, user.id):
        # They left while the form was open: a car of that group is theirs to change no more.
        _keep(context, None)
        await context.bot.send_message(user.id, say("cars.refusal.not_manager"))
        return ConversationHandler.END
    result = await context.services.booking.update_car(form.editing, user.id, form.draft())
    if isinstance(result, CarRefused) and result.reason is CarRefusalReason.NAME_TAKEN:
        return await _name_taken_meanwhile(context, user, say, form)
    _keep(context, None)
    if isinstance(result, CarRefused):
        refusal = (
            "cars.refusal.not_manager"
            if result.reason is CarRefusalReason.NOT_MANAGER
            else "cars.refusal.gone"
        )
        await context.bot.send_message(user.id, say(refusal))
        return ConversationHandler.END
    text, keyboard = await card(context, say, result, user.id)
    await context.bot.send_message(
        user.id, say("cars.edit.saved", summary=Html(text)), reply_markup=keyboard
    )
    return ConversationHandler.END


# Leaving


async def on_cancel(update: Update, context: CovoisinContext) -> object:
    user, form = update.effective_user, _form(context)
    if user is None:
        return ConversationHandler.END
    _keep(context, None)
    say = await personal_speaker(context, user, form.chat_id if form else None)
    cancelled = "cars.form.edit_cancelled" if form and form.editing else "cars.form.cancelled"
    await context.bot.send_message(user.id, say(cancelled))
    return ConversationHandler.END


async def on_timeout(update: Update, context: CovoisinContext) -> None:
    user, form = update.effective_user, _form(context)
    _keep(context, None)
    if user is None:
        return
    say = await personal_speaker(context, user, form.chat_id if form else None)
    timed_out = "cars.form.edit_timed_out" if form and form.editing else "cars.form.timed_out"
    try:
        await context.bot.send_message(user.id, say(timed_out))
    except Forbidden:
        log.info("could not tell %s that their car form timed out", user.id)


async def on_stale_button(update: Update, context: CovoisinContext) -> None:
    """A form button from a form that is over: say so, change nothing."""
    query = update.callback_query
    if query is None:
        return
    say = await personal_speaker(context, query.from_user)
    await query.answer(say("cars.refusal.stale"))


def handlers(forms: OpenForms) -> list[BaseHandler[Update, CovoisinContext, object]]:
    form_button = button_of(Kind.FORM)
    picked = button_of(Kind.PICK_GROUP, options=(PICK_OPTION,))
    cancel = CommandHandler(["cancel", "annuler"], on_cancel, PRIVATE)
    stale: CallbackQueryHandler[CovoisinContext, object] = CallbackQueryHandler(
        on_stale_button, pattern=lambda data: form_button(data) or picked(data)
    )
    fields = [step.key for step in Step]
    conversation = form_conversation(
        "car_form",
        forms,
        entry_points=[
            CommandHandler(["addcar", "ajouter"], start_in_private, PRIVATE),
            CommandHandler(
                "start",
                start_from_link,
                PRIVATE & filters.Regex(rf"^/start(@\w+)?\s+{Action.ADD_CAR.value}_-?\d+\s*$"),
            ),
            CallbackQueryHandler(
                start_edit, pattern=button_of(Kind.CAR_EDIT, options=tuple(fields))
            ),
        ],
        states={
            CHOOSING_GROUP: [
                CallbackQueryHandler(group_picked, pattern=picked),
                MessageHandler(PRIVATE & ~filters.COMMAND, group_not_picked),
            ],
            FILLING: [
                CallbackQueryHandler(on_button, pattern=form_button),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_text),
                MessageHandler(PRIVATE & filters.PHOTO, on_photo),
                MessageHandler(PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_other),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
        },
        fallbacks=[cancel, stale],
        allow_reentry=True,
        conversation_timeout=FORM_TIMEOUT,
    )
    return [
        conversation,
        CommandHandler(["addcar", "ajouter"], addcar_in_group, filters.ChatType.GROUPS & MESSAGE),
        stale,
    ]
