"""`python -m bot` with BOT_WEBHOOK_URL set: Telegram pushes updates to the bot's own server."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from tests.e2e.process import ROOT, STOP_TIMEOUT, BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeTelegram, FakeUser

pytestmark = pytest.mark.e2e

SECRET = "Covoisin_webhook-secret-42"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _webhook_env(port: int, **extra: str) -> dict[str, str]:
    return {
        "BOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        # Loopback only: the tests send nothing beyond this machine.
        "BOT_WEBHOOK_LISTEN": "127.0.0.1",
        "BOT_WEBHOOK_PORT": str(port),
        **extra,
    }


@pytest.fixture
async def webhook_bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, tmp_path, **_webhook_env(_free_port(), BOT_WEBHOOK_SECRET=SECRET))
    await process.start()
    try:
        yield process
    finally:
        await process.ensure_stopped()


def _forged_start(user: FakeUser) -> dict[str, Any]:
    """What Telegram would push if `user` sent /start: a stranger can build the same."""
    return {
        "update_id": 999_999,
        "message": {
            "message_id": 999,
            "date": 1_767_225_600,
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_dict(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def _post(url: str, update: dict[str, Any], headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=update, headers=headers) as response,
    ):
        return response.status


async def test_the_village_is_served_through_the_webhook(
    fake: FakeTelegram, webhook_bot: BotProcess
) -> None:
    url = webhook_bot.extra_env["BOT_WEBHOOK_URL"]
    registered = await fake.wait_for_call("setWebhook")
    assert registered.params["url"] == url
    assert registered.params["secret_token"] == SECRET
    # The same updates as when polling: the bot relies on chat_member updates.
    assert "chat_member" in registered.params["allowed_updates"]
    assert "drop_pending_updates" not in registered.params  # pending updates are kept
    async with Bot(fake.token, base_url=fake.base_url) as observer:
        info = await observer.get_webhook_info()
    assert info.url == url and "chat_member" in (info.allowed_updates or ())

    anne, luc = fake.add_user("Anne", "anne"), fake.add_user("Luc", "luc")
    village = fake.add_group("Saint-Martin", members=[luc], admins=[anne], bot_status=None)
    await fake.add_bot_to_group(village, by=anne, as_admin=True)
    assert "Covoisin" in (await fake.next_message(chat=village))["text"]
    await fake.next_message(chat=anne)

    await fake.send_private(luc, "/start")
    assert (await fake.next_message(chat=luc))["text"].startswith("Bonjour Luc")
    asked = await fake.send_text(luc, village, "/aide")
    help_text = await fake.next_message(chat=village)
    assert help_text["reply_to_message"]["message_id"] == asked["message_id"]
    assert "/reserver" in help_text["text"]

    newcomer = fake.add_user("Marie", "marie")
    await fake.add_member(village, newcomer)
    await fake.wait_updates_confirmed()
    assert "chat_member" in {d.kind for d in fake.deliveries if d.ok}

    await fake.send_text(anne, village, "/reglages")
    menu = await fake.next_message(chat=village)
    mark = fake.mark()
    await fake.press_button(anne, menu, text="Langue")
    await fake.wait_for_call("editMessageText", since=mark)
    languages = fake.message(village, int(menu["message_id"]))
    assert languages is not None
    mark = fake.mark()
    await fake.press_button(anne, languages, text="English")
    edit = await fake.wait_for_call("editMessageText", since=mark)
    assert edit.params["text"] == "✅ From now on I will speak English in this group."

    assert not [c for c in fake.calls if c.method == "getUpdates"]
    assert_said_nothing_more(fake)


async def test_a_post_without_the_secret_is_refused_and_does_nothing(
    fake: FakeTelegram, webhook_bot: BotProcess
) -> None:
    url = webhook_bot.extra_env["BOT_WEBHOOK_URL"]
    luc = fake.add_user("Luc")
    await fake.send_private(luc, "/start")  # the bot's server listens once this is answered
    await fake.next_message(chat=luc)

    mallory = fake.add_user("Mallory")
    forged = _forged_start(mallory)
    assert await _post(url, forged, {}) == 403
    assert await _post(url, forged, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}) == 403

    # Updates are handled in order: had a forged one got in, it would be answered first.
    await fake.send_private(luc, "/aide")
    assert "/reserver" in (await fake.next_message(chat=luc))["text"]
    assert_said_nothing_more(fake)
    assert not [c for c in fake.calls if c.params.get("chat_id") == mallory.id]
    assert SECRET not in webhook_bot.log()


async def test_sigterm_shuts_down_cleanly_and_no_secret_is_logged(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    # No BOT_WEBHOOK_SECRET: the bot makes one up at each start.
    bot = BotProcess(fake, tmp_path, **_webhook_env(_free_port()))
    await bot.start()
    try:
        hook = fake.webhook
        assert hook is not None and hook.secret_token is not None
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", hook.secret_token)
        anne = fake.add_user("Anne")
        await fake.send_private(anne, "/start")
        assert (await fake.next_message(chat=anne))["text"].startswith("Bonjour Anne")
        assert await bot.terminate() == 0
    finally:
        await bot.ensure_stopped()
    log = bot.log()
    assert "database closed" in log
    assert hook.secret_token not in log and fake.token not in log


async def test_a_port_already_taken_is_one_clear_line_and_exit_2(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        bot = BotProcess(fake, tmp_path, **_webhook_env(port))
        await bot.start()
        try:
            assert bot.process is not None
            async with asyncio.timeout(STOP_TIMEOUT):
                assert await bot.process.wait() == 2
        finally:
            await bot.ensure_stopped()
    last = bot.log().strip().splitlines()[-1]
    assert last.startswith("covoisin: cannot receive updates on 127.0.0.1 port")
    assert "BOT_WEBHOOK_PORT" in last
    assert "Traceback" not in bot.log() and "database closed" in bot.log()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_WEBHOOK_URL", "http://covoisin.example.org/telegram"),
        ("BOT_WEBHOOK_URL", "https://covoisin.example.org:8080/telegram"),
        ("BOT_WEBHOOK_PORT", "70000"),
        ("BOT_WEBHOOK_PORT", "huit"),
        ("BOT_WEBHOOK_SECRET", "mot de passe"),
    ],
)
def test_a_bad_webhook_setting_is_one_clear_line_and_exit_2(
    tmp_path: Path, name: str, value: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN="1:abc",
        BOT_WEBHOOK_URL="https://covoisin.example.org/telegram",
    )
    env[name] = value
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"covoisin: {name} is invalid: ")
    assert value not in result.stderr and "Traceback" not in result.stderr
