"""`/bannir` and `/debannir`: group admins keep a member from booking and listing cars."""

from __future__ import annotations

from telegram import Chat, Message, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.booking.service import Withdrawn
from handlers.common.admins import admin_in_group, is_admin
from handlers.common.context import CovoisinContext
from handlers.common.delivery import (
    Private,
    about_booking,
    open_private_chat_line,
    tell_each_privately,
    tell_privately,
    written_for,
)
from handlers.common.jobs import follow
from handlers.common.members import named_member
from handlers.common.render import car_title, first_name, in_messages, moment
from handlers.common.speech import Speaker, group_speaker, member_speaker, mention

MESSAGE = filters.UpdateType.MESSAGE & filters.ChatType.GROUPS


async def _target(update: Update, context: CovoisinContext, usage: str) -> tuple[int, str] | None:
    """The member named by reply or @username, or None after saying how to name one."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    say = await group_speaker(context, chat.id)
    found = await named_member(context, message, chat.id, context.args or [])
    if found is None:
        await message.reply_text(say(usage))
        return None
    if isinstance(found, str):
        await message.reply_text(say("admin.unknown_username", username=found))
        return None
    return found


async def _admin_about(
    update: Update, context: CovoisinContext, usage: str
) -> tuple[Message, Chat, Speaker, int, int, str] | None:
    """`/bannir` or `/debannir`: the message, the group, its speaker, the admin's id and
    the member meant (id and name); None once the sender was told why not."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    say = await group_speaker(context, chat.id)
    admin_id = await admin_in_group(update, context, say)
    target = await _target(update, context, usage) if admin_id is not None else None
    if admin_id is None or target is None:
        return None
    return message, chat, say, admin_id, *target


async def ban(update: Update, context: CovoisinContext) -> None:
    asked = await _admin_about(update, context, "admin.ban.usage")
    if asked is None:
        return
    message, chat, say, admin_id, user_id, name = asked
    if await is_admin(context, chat.id, user_id):
        await message.reply_text(say("admin.ban.admin", name=name))
        return
    result = await context.services.moderation.ban(chat.id, admin_id, user_id)
    if not result.newly:
        await message.reply_text(say("admin.ban.already", name=name))
        return
    await follow(context, (withdrawn.booking.id for withdrawn in result.withdrawn))
    notices = [await _banned_notice(context, chat.id, chat.title or "", user_id)]
    notices += [await _manager_notice(context, w) for w in result.withdrawn]
    # The group hears once: the reply below names whoever must open their private chat.
    unreached = await tell_each_privately(
        context,
        [n for batch in notices for n in batch],
        group_chat_id=chat.id,
        nudge_in_group=False,
    )
    text = say("admin.ban.done", name=mention(user_id, name))
    if result.withdrawn:
        text += "\n" + say.plural("admin.ban.withdrawn", len(result.withdrawn))
    markup = None
    if unreached:
        line, markup = await open_private_chat_line(context, say, list(dict.fromkeys(unreached)))
        text += "\n" + line
    await message.reply_text(text, reply_markup=markup)


async def _banned_notice(
    context: CovoisinContext, chat_id: int, group: str, user_id: int
) -> list[Private]:
    say = await member_speaker(context, user_id, chat_id)
    return [Private(user_id, say("admin.ban.notice.member", group=group))]


async def _manager_notice(context: CovoisinContext, withdrawn: Withdrawn) -> list[Private]:
    booking = withdrawn.booking
    borrower = await first_name(context, booking.borrower_id)
    write = about_booking("admin.ban.notice.manager", booking, withdrawn.car, borrower=borrower)
    return await written_for(context, booking.chat_id, withdrawn.managers, write)


async def unban(update: Update, context: CovoisinContext) -> None:
    asked = await _admin_about(update, context, "admin.unban.usage")
    if asked is None:
        return
    message, chat, say, admin_id, user_id, name = asked
    result = await context.services.moderation.unban(chat.id, admin_id, user_id)
    key = "admin.unban.done" if result.newly else "admin.unban.not_banned"
    await message.reply_text(say(key, name=name))


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler(["ban", "bannir"], ban, MESSAGE),
        CommandHandler(["unban", "debannir"], unban, MESSAGE),
        CommandHandler("incidents", incidents, MESSAGE),
    ]


async def incidents(update: Update, context: CovoisinContext) -> None:
    """`/incidents` in the group, by an admin: the open incidents, privately (what went
    wrong with a neighbour's car is not for the whole village), and one line in the group."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    group_say = await group_speaker(context, chat.id)
    if await admin_in_group(update, context, group_say) is None:
        return
    say = await member_speaker(context, user.id, chat.id)
    repos = context.services.repos
    lines = []
    for incident in await repos.trips.unresolved_in_group(chat.id):
        booking = await repos.bookings.get(incident.booking_id)
        car = await repos.cars.get(booking.car_id) if booking else None
        if booking is None or car is None:
            continue
        lines.append(
            say(
                "admin.incidents.line",
                when=moment(say, incident.opened_at),
                car=car_title(car.name),
                owner=await first_name(context, car.owner_id),
                borrower=await first_name(context, booking.borrower_id),
                text=incident.text,
            )
        )
    title = chat.title or ""
    if lines:
        texts = in_messages([say("admin.incidents.title", group=title), *lines])
    else:
        texts = [say("admin.incidents.none", group=title)]
    reached = await tell_privately(
        context, user.id, texts[0], group_chat_id=chat.id, nudge_in_group=False
    )
    for text in texts[1:]:
        # A long list goes in several messages, each as long as Telegram takes.
        await tell_privately(context, user.id, text, group_chat_id=chat.id, nudge_in_group=False)
    if reached:
        await message.reply_text(group_say("admin.incidents.sent"))
    else:
        line, button = await open_private_chat_line(context, group_say, [user.id])
        await message.reply_text(line, reply_markup=button)
