"""`/journal` in the private chat: an admin reads the latest admin actions of their group.

The whole log is in `/export`; this is the quick look a secretary needs to answer "who
banned Marie, and when?" without opening a spreadsheet.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Kind, button_of
from bot.moderation.service import GroupSetting
from bot.settings import SUPPORTED_LANGUAGES
from handlers.admin.group_settings import setting_shown, zone_shown
from handlers.common.admins import administered_groups, group_choice, picked_group
from handlers.common.context import CovoisinContext
from handlers.common.render import car_title, first_name, moment, when_short
from handlers.common.speech import Speaker, member_speaker, personal_speaker
from storage.models import AuditAction, AuditEntry

PRIVATE = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
# Enough to see the last weeks of a village's moderation in one message.
SHOWN = 20


async def journal_command(update: Update, context: CovoisinContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    groups = await administered_groups(context, user.id)
    if not groups:
        say = await personal_speaker(context, user)
        await message.reply_text(say("journal.none"))
        return
    if len(groups) == 1:
        await message.reply_text(await _journal(context, user.id, groups[0].chat_id))
        return
    say = await personal_speaker(context, user)
    await message.reply_text(say("journal.pick"), reply_markup=group_choice(groups, Kind.JOURNAL))


async def on_journal_pick(update: Update, context: CovoisinContext) -> None:
    picked = await picked_group(update, context)
    if picked is None:
        return
    query, chat_id = picked
    # The choice becomes the journal itself, so the buttons cannot be pressed twice.
    await query.edit_message_text(await _journal(context, query.from_user.id, chat_id))


async def _journal(context: CovoisinContext, user_id: int, chat_id: int) -> str:
    repos = context.services.repos
    group = await repos.groups.get(chat_id)
    title = group.title if group else ""
    say = await member_speaker(context, user_id, chat_id)
    entries = await repos.moderation.audit_log(chat_id)
    if not entries:
        return say("journal.empty", group=title)
    latest = list(reversed(entries[-SHOWN:]))
    if len(latest) == len(entries):
        heading = say.plural("journal.title.all", len(entries), group=title)
    else:
        heading = say("journal.title.latest", group=title, count=len(latest), total=len(entries))
    lines = [heading]
    lines += [await _line(context, say, entry) for entry in latest]
    return "\n".join(lines)


async def _line(context: CovoisinContext, say: Speaker, entry: AuditEntry) -> str:
    repos = context.services.repos
    admin = await first_name(context, entry.admin_id)
    when = moment(say, entry.at)
    key = f"journal.{entry.action.value}"
    if entry.action is AuditAction.CHANGE_SETTING:
        return say(key, when=when, admin=admin, detail=_setting_change(say, entry.detail))
    # Bans name the member; a removed car its owner; a cancelled booking its borrower.
    member = await first_name(context, entry.target_id) if entry.target_id is not None else "?"
    car = await repos.cars.get(entry.car_id) if entry.car_id else None
    booking = await repos.bookings.get(entry.booking_id) if entry.booking_id else None
    return say(
        key,
        when=when,
        admin=admin,
        member=member,
        car=car_title(car.name) if car else "?",
        dates=when_short(say, booking.start, booking.end) if booking else "",
    )


def _setting_change(say: Speaker, detail: str) -> str:
    """« délai de réponse à une demande → 12 heures » for `request_expiry_minutes=720`."""
    name, _, value = detail.partition("=")
    if name == "charter":
        return say("journal.setting.charter_removed" if value else "journal.setting.charter")
    if name == "language" and value in SUPPORTED_LANGUAGES:
        shown = say(f"admin.settings.language.{value}")
    elif name == "timezone":
        shown = zone_shown(say, value)
    elif name in set(GroupSetting) and value.isdigit():
        shown = setting_shown(say, GroupSetting(name), int(value))
    else:
        return detail  # written by a version that knew other settings: shown as stored
    return say("journal.setting.changed", setting=say(f"journal.setting.{name}"), value=shown)


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler(["journal", "auditlog"], journal_command, PRIVATE),
        CallbackQueryHandler(on_journal_pick, pattern=button_of(Kind.JOURNAL)),
    ]
