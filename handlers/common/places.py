"""In which group a command acts: the group it was sent in, or, from the private chat,
the member's group that has the car they named."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram import User as TgUser

from bot.request_text import CarMention, find_car
from handlers.common.context import CovoisinContext
from handlers.common.guards import is_group_member
from handlers.common.speech import Speaker, group_speaker, is_group, personal_speaker


@dataclass(frozen=True, slots=True)
class Place:
    """Where a command acts and who reads the answer."""

    chat_id: int
    in_group: bool
    say: Speaker
    mention: CarMention


async def place_of_car_command(
    update: Update, context: CovoisinContext, text: str | None = None
) -> tuple[Message, TgUser, Place] | None:
    """The message, its sender and the place; None after answering when there is none.

    `text` is what names the car and the time: the command's arguments unless given.
    """
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return None
    if text is None:
        text = " ".join(context.args or [])
    booking = context.services.booking
    if is_group(chat):
        keys = {car.name_key for car in await booking.cars(chat.id)}
        return (
            message,
            user,
            Place(chat.id, True, await group_speaker(context, chat.id), find_car(text, keys)),
        )

    groups = await context.services.repos.groups.groups_of(user.id)
    matches = []
    for group in groups:
        keys = {car.name_key for car in await booking.cars(group.chat_id)}
        mention = find_car(text, keys)
        if mention.car_key is not None:
            matches.append((group.chat_id, mention))
    say = await personal_speaker(context, user)
    if not groups:
        await message.reply_text(say("booking.no_group"))
        return None
    if len(matches) > 1:
        await message.reply_text(say("booking.which_group"))
        return None
    chat_id, mention = matches[0] if matches else (groups[0].chat_id, find_car(text, ()))
    if not await is_group_member(context, chat_id, user.id):
        await message.reply_text(say("booking.no_group"))
        return None
    return (
        message,
        user,
        Place(chat_id, False, await personal_speaker(context, user, chat_id), mention),
    )
