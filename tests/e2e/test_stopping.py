"""Stopping the real `python -m bot`: a SIGTERM at any moment, once or several times in a row
(a supervisor signalling the whole process group sends one to each process), ends it with
exit code 0, no traceback, and the database closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.process import BotProcess
from tests.fakebot import FakeTelegram

pytestmark = pytest.mark.e2e

# A clean stop takes well under a second; a stop that hangs is only ended by the timeout.
QUICK = 5.0


@pytest.fixture
async def process(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotProcess]:
    bot = BotProcess(fake, tmp_path)
    try:
        yield bot
    finally:
        await bot.ensure_stopped()


def assert_stopped_cleanly(bot: BotProcess, code: int) -> None:
    log = bot.log()
    assert code == 0, log
    assert "Traceback" not in log, log


@pytest.mark.parametrize(
    ("step", "times"),
    [
        # Telegram unreachable: the first getMe, in PTB's initialize, is being retried.
        ("getMe", 1),
        ("getMe", 2),
        # post_init, with the database open: the menus are being published.
        ("setMyCommands", 1),
        ("setMyCommands", 2),
        # PTB's updater half started: it removes any webhook before polling.
        ("deleteWebhook", 1),
    ],
)
async def test_sigterm_while_starting(
    fake: FakeTelegram, process: BotProcess, step: str, times: int
) -> None:
    # Every attempt fails with a 502 (which is retried) until the bot is stopped.
    fake.fail_next(1000, status=502, method=step)
    await process.launch()
    await fake.wait_for_call(step, ok=False, timeout=30)
    assert_stopped_cleanly(process, await process.terminate(times, timeout=QUICK))
    if step != "getMe":
        assert "database closed" in process.log()
    assert not fake.unconsumed_calls("getUpdates")  # it never started polling


async def test_two_sigterms_at_once_while_running(bot: BotProcess) -> None:
    assert_stopped_cleanly(bot, await bot.terminate(2, timeout=QUICK))
    assert "database closed" in bot.log()


async def test_a_second_sigterm_while_stopping(fake: FakeTelegram, bot: BotProcess) -> None:
    anne = fake.add_user("Anne")
    await fake.send_private(anne, "/start")
    await fake.next_message(chat=anne)
    since = fake.mark()
    bot.send_sigterm()
    # Stopping, PTB's updater confirms the updates it fetched with one getUpdates without
    # a long poll: the second signal lands in the middle of the stop.
    await fake.wait_for_call(
        "getUpdates", lambda call: call.params.get("timeout") == 0, since=since
    )
    assert_stopped_cleanly(bot, await bot.terminate(timeout=QUICK))
    assert "database closed" in bot.log()
