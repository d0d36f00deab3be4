"""Stopping the real `python -m bot`: a SIGTERM at any moment, once or several times in a row
(a supervisor signalling the whole process group sends one to each process), ends it with
exit code 0, no traceback, and the database closed; within a few seconds even when a
handler cannot finish, sooner at a second signal."""

from __future__ import annotations

import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import GRACE_SECONDS
from tests.e2e.process import BotProcess
from tests.fakebot import FakeTelegram

pytestmark = pytest.mark.e2e

# A clean stop takes well under a second; a stop that hangs is only ended by the timeout.
QUICK = 5.0
# A stop that waits for the work under way, and gives up on it after GRACE_SECONDS: well
# within Docker's 10 s before its SIGKILL.
BOUNDED = GRACE_SECONDS + 2.0


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


# Telegram out of reach while a handler answers: its message is being retried.
OUTAGES: dict[str, Callable[[FakeTelegram], None]] = {
    # Gateway refusals, retried with pauses of 0.5, 1, 2, 4 s (bot/transport.py), then
    # the error handler's apology, retried as long.
    "gateway down": lambda fake: fake.fail_next(1000, status=502, method="sendMessage"),
    # Telegram asks to wait a minute before the next message.
    "flood wait": lambda fake: fake.fail_next(1, status=429, retry_after=60, method="sendMessage"),
}


async def _busy(fake: FakeTelegram, outage: Callable[[FakeTelegram], None]) -> None:
    """A member's /start, whose answer cannot get through: its handler is at work."""
    outage(fake)
    anne = fake.add_user("Anne")
    await fake.send_private(anne, "/start")
    await fake.wait_for_call("sendMessage", ok=False)


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
async def test_sigterm_while_a_handler_cannot_finish(
    fake: FakeTelegram, bot: BotProcess, outage: Callable[[FakeTelegram], None]
) -> None:
    await _busy(fake, outage)
    assert_stopped_cleanly(bot, await bot.terminate(timeout=BOUNDED))
    assert "database closed" in bot.log()


async def test_a_second_sigterm_ends_the_wait(fake: FakeTelegram, bot: BotProcess) -> None:
    await _busy(fake, OUTAGES["gateway down"])
    since = fake.mark()
    bot.send_sigterm()
    # The updater's last getUpdates: the bot is past it, waiting for the handler.
    await fake.wait_for_call(
        "getUpdates", lambda call: call.params.get("timeout") == 0, since=since
    )
    # Well before the grace is over.
    assert_stopped_cleanly(bot, await bot.terminate(timeout=GRACE_SECONDS - 2))
    assert "database closed" in bot.log()


# `python -m bot` as on Windows, which has no sigwait: asyncio.run takes Ctrl-C itself, by
# cancelling the main task.
WITHOUT_SIGWAIT = (
    sys.executable,
    "-c",
    "import runpy, signal; del signal.sigwait; runpy.run_module('bot', run_name='__main__')",
)


async def test_ctrl_c_without_sigwait(fake: FakeTelegram, tmp_path: Path) -> None:
    bot = BotProcess(fake, tmp_path, command=WITHOUT_SIGWAIT)
    try:
        await bot.start()
        bot.send_signal(signal.SIGINT)
        assert_stopped_cleanly(bot, await bot.exit_code(timeout=QUICK))
        assert "stop signal received" in bot.log()
        assert "database closed" in bot.log()
    finally:
        await bot.ensure_stopped()
