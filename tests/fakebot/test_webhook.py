"""Webhooks: setWebhook's rules, getUpdates refused meanwhile, updates pushed in order with the
secret header and retried until the bot answers 2xx; and a PTB Application in webhook mode."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakebot import FakeTelegram

SECRET = "s3cret_Token-42"


@dataclass
class Receiver:
    """A stand-in for the bot's webhook server: records every POST, answers `statuses` in
    turn (then 200), and can hold requests until `release` is set."""

    url: str = ""
    received: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    active: int = 0
    most_active: int = 0

    def __post_init__(self) -> None:
        self.release.set()

    async def handle(self, request: web.Request) -> web.Response:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            self.received.append(
                (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
            )
            await self.release.wait()
            return web.Response(status=self.statuses.pop(0) if self.statuses else 200)
        finally:
            self.active -= 1

    @property
    def update_ids(self) -> list[int]:
        return [update["update_id"] for update, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/hook", recv.handle)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    recv.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield recv
    finally:
        await runner.cleanup()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_updates_are_pushed_in_order_with_the_secret(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    alice = fake.add_user("Alice")
    await fake.send_private(alice, "/start")  # queued before the webhook: delivered too
    receiver.release.clear()  # hold the first push while more updates are queued
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    await fake.send_private(alice, "un")
    await fake.send_private(alice, "deux")
    receiver.release.set()
    await fake.wait_updates_confirmed()

    assert [u["message"]["text"] for u, _ in receiver.received] == ["/start", "un", "deux"]
    assert {secret for _, secret in receiver.received} == {SECRET}
    assert receiver.most_active == 1  # one at a time, as order requires
    assert all(d.ok for d in fake.deliveries)
    assert fake.webhook is not None and fake.webhook.secret_token == SECRET


async def test_get_updates_is_refused_while_a_webhook_is_set(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET, max_connections=5)
    info = await bot.get_webhook_info()
    assert (info.url, info.max_connections, info.pending_update_count) == (receiver.url, 5, 0)
    assert "secret" not in str(info.to_dict())  # Telegram never shows it back
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()

    assert await bot.delete_webhook()
    assert fake.webhook is None
    assert (await bot.get_webhook_info()).url == ""
    alice = fake.add_user("Alice")
    await fake.send_private(alice, "/start")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "/start"
    assert receiver.received == []


async def test_a_waiting_long_poll_gets_conflict_when_a_webhook_is_set(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_polling()
    async with Bot(fake.token, base_url=fake.base_url) as other:
        await other.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="webhook is active"):
        await poll


async def test_failed_pushes_are_retried_and_reported(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    receiver.statuses = [500, 403]
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    alice = fake.add_user("Alice")
    await fake.send_private(alice, "/start")
    await fake.send_private(alice, "ensuite")
    await fake.wait_updates_confirmed()

    first, second = receiver.update_ids[0], receiver.update_ids[-1]
    assert receiver.update_ids == [first, first, first, second]
    assert [d.status for d in fake.deliveries] == [500, 403, 200, 200]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert info.last_error_date is not None
    assert info.pending_update_count == 0


async def test_a_bot_not_listening_yet_gets_its_updates_once_it_listens(
    fake: FakeTelegram, bot: Bot
) -> None:
    """A bot sets its webhook before its server listens (PTB does): pushes are retried."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    await bot.set_webhook(url)
    alice = fake.add_user("Alice")
    await fake.send_private(alice, "/start")
    async with fake._updates_cond:  # the first refused push has been recorded
        await fake._updates_cond.wait_for(lambda: bool(fake.deliveries))
    assert fake.deliveries[0].error == "Connection refused"
    assert (await bot.get_webhook_info()).last_error_message == "Connection refused"

    received: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        received.append((await request.json())["update_id"])
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await fake.wait_updates_confirmed()
    finally:
        await runner.cleanup()
    assert len(received) == 1


async def test_allowed_updates_and_drop_pending(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    anne, luc = fake.add_user("Anne"), fake.add_user("Luc")
    group = fake.add_group("Village", members=[anne], bot_status="administrator")
    await fake.send_private(anne, "/start")
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    await fake.add_member(group, luc)  # chat_member + service message
    await fake.wait_updates_confirmed()
    assert [next(k for k in u if k != "update_id") for u, _ in receiver.received] == ["message"]

    await bot.set_webhook(receiver.url, allowed_updates=["chat_member", "message"])
    await fake.remove_member(group, luc)
    await fake.wait_updates_confirmed()
    kinds = [next(k for k in u if k != "update_id") for u, _ in receiver.received[1:]]
    assert kinds == ["chat_member", "message"]
    assert sorted((await bot.get_webhook_info()).allowed_updates) == ["chat_member", "message"]


@pytest.mark.parametrize(
    ("url", "secret", "error"),
    [
        ("http://covoisin.example.org/hook", None, "An HTTPS URL must be provided for webhook"),
        ("covoisin.example.org/hook", None, "An HTTPS URL must be provided for webhook"),
        ("https://covoisin.example.org:8080/", None, "only on ports 80, 88, 443 or 8443"),
        ("https://covoisin.example.org/hook", None, "only delivers to this machine"),
        ("http://127.0.0.1:1/hook", "a+b", "secret token contains unallowed characters"),
        ("http://127.0.0.1:1/hook", "a" * 257, "secret token is too long"),
    ],
)
async def test_set_webhook_is_refused_as_telegram_would(
    fake: FakeTelegram, bot: Bot, url: str, secret: str | None, error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.set_webhook(url, secret_token=secret)
    assert fake.webhook is None
    assert [c.status for c in fake.errors] == [400]


async def test_an_empty_url_removes_the_webhook(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url)
    await bot.set_webhook("")
    assert fake.webhook is None
    assert await bot.get_updates() == ()


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="yes")]])
    await update.effective_message.reply_text("Partant ?", reply_markup=keyboard)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_text("Noté")


async def test_ptb_application_in_webhook_mode(fake: FakeTelegram) -> None:
    """PTB's own webhook server, in this event loop: the usual helpers work unchanged."""
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("trajet", reply))
    app.add_handler(CallbackQueryHandler(answer))
    alice = fake.add_user("Alice")
    port = _free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token=SECRET,
            allowed_updates=Update.ALL_TYPES,
        )
        try:
            hook = await fake.wait_webhook()
            assert (hook.url, hook.secret_token) == (f"http://127.0.0.1:{port}/tg", SECRET)
            await fake.send_private(alice, "/trajet")
            question = await fake.next_message(to_user=alice)
            await fake.press_button(alice, question, "yes")
            await fake.wait_for_call("editMessageText")
            assert fake.messages_in(alice)[-1]["text"] == "Noté"
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.pending_updates == []
    assert not any(c.method == "getUpdates" for c in fake.calls)
    fake.assert_no_bad_requests()
