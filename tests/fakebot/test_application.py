"""A real PTB Application polling the fake: in this event loop, and as a separate process."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakebot import FakeChat, FakeTelegram, FakeUser


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Proposer", callback_data="offer")]])
    await update.effective_message.reply_text(
        "Bienvenue sur <b>Covoisin</b>", parse_mode="HTML", reply_markup=keyboard
    )


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("C'est noté")
    await query.edit_message_text(f"{query.from_user.first_name} propose un trajet")


async def conversation(fake: FakeTelegram, alice: FakeUser, group: FakeChat) -> None:
    await fake.wait_polling()
    await fake.send_private(alice, "/start")
    welcome = await fake.next_message(to_user=alice, text_contains="Covoisin")
    assert welcome["entities"] == [{"type": "bold", "offset": 14, "length": 8}]
    query_id = await fake.press_button(alice, welcome, "offer")
    await fake.wait_for_call("answerCallbackQuery")
    assert fake.callback_answer(query_id) == {"text": "C'est noté"}
    await fake.wait_for_call("editMessageText")
    assert fake.messages_in(alice)[-1]["text"] == "Alice propose un trajet"

    await fake.send_text(alice, group, "/start@CovoisinTestBot")
    in_group = await fake.next_message(group)
    assert in_group["reply_to_message"]["text"] == "/start@CovoisinTestBot"


async def test_application_round_trip(fake: FakeTelegram) -> None:
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    alice = fake.add_user("Alice", started=False)
    group = fake.add_group("Village", members=[alice])
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        try:
            await conversation(fake, alice, group)
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.pending_updates == []  # the updater confirmed everything on its way out
    fake.assert_no_bad_requests()


BOT_SCRIPT = textwrap.dedent(
    """
    import os
    from telegram.ext import ApplicationBuilder, CommandHandler

    async def ping(update, context):
        await update.effective_message.reply_text("pong")

    async def stop(update, context):
        await update.effective_message.reply_text("bye")
        context.application.stop_running()

    app = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .build()
    )
    app.add_handler(CommandHandler("ping", ping))
    app.add_handler(CommandHandler("stop", stop))
    app.run_polling(drop_pending_updates=True)
    """
)


async def test_bot_in_another_process(fake: FakeTelegram) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BOT_SCRIPT,
        env={**os.environ, **fake.env()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_polling(timeout=30)
        alice = fake.add_user("Alice")
        await fake.send_private(alice, "/ping")
        assert (await fake.next_message(to_user=alice))["text"] == "pong"
        await fake.send_private(alice, "/stop")
        assert (await fake.next_message(to_user=alice))["text"] == "bye"
        async with asyncio.timeout(15):
            output, _ = await proc.communicate()
        assert proc.returncode == 0, output.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert any(c.method == "deleteWebhook" for c in fake.calls)
