"""`/export` in the private chat: an admin of a group receives its data as CSV files."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Kind, button_of
from bot.export import to_csv
from handlers.common.admins import administered_groups, group_choice, picked_group
from handlers.common.context import CovoisinContext
from handlers.common.speech import member_speaker, personal_speaker
from storage.export import ExportTable

PRIVATE = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE


async def export_command(update: Update, context: CovoisinContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    say = await personal_speaker(context, user)
    groups = await administered_groups(context, user.id)
    if not groups:
        await message.reply_text(say("admin.export.none"))
        return
    if len(groups) == 1:
        await _send_export(context, user.id, groups[0].chat_id)
        return
    await message.reply_text(
        say("admin.export.pick"), reply_markup=group_choice(groups, Kind.EXPORT)
    )


async def on_export_pick(update: Update, context: CovoisinContext) -> None:
    picked = await picked_group(update, context)
    if picked is None:
        return
    query, chat_id = picked
    group = await context.services.repos.groups.get(chat_id)
    say = await member_speaker(context, query.from_user.id, chat_id)
    # The choice becomes the answer, so the buttons cannot be pressed twice by mistake.
    await query.edit_message_text(say("admin.export.chosen", group=group.title if group else ""))
    await _send_export(context, query.from_user.id, chat_id)


async def _send_export(context: CovoisinContext, user_id: int, chat_id: int) -> None:
    repos = context.services.repos
    group = await repos.groups.get(chat_id)
    title = group.title if group else ""
    say = await member_speaker(context, user_id, chat_id)
    former = say("privacy.former_member")
    for table in ExportTable:
        sheet = await repos.export.sheet(table, chat_id, former)
        await context.bot.send_document(
            user_id,
            to_csv(sheet.columns, sheet.rows, say.zone, sheet.instants),
            filename=f"{table.value}.csv",
            caption=say(f"admin.export.caption.{table.value}", group=title, count=len(sheet.rows)),
        )


def handlers() -> list[BaseHandler[Update, CovoisinContext, None]]:
    return [
        CommandHandler("export", export_command, PRIVATE),
        CallbackQueryHandler(on_export_pick, pattern=button_of(Kind.EXPORT)),
    ]
