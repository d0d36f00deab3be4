"""The README's run line, `python3 scripts/covoisin.py run`: it becomes the bot, so that a
service manager's stop signal, or Ctrl-C, reaches the bot itself and stops it cleanly."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.process import ROOT, BotProcess
from tests.fakebot import FakeTelegram

WRAPPER = ROOT / "scripts" / "covoisin.py"
RUN_LINE = (sys.executable, str(WRAPPER), "run")
QUICK = 5.0

posix_only = pytest.mark.skipif(os.name == "nt", reason="exec and process groups: POSIX")


def _wrapper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("covoisin_wrapper", WRAPPER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_install_for_the_tests_serves_the_bot(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wrapper = _wrapper()
    monkeypatch.setattr(wrapper, "STAMP", tmp_path / ".covoisin-installed")
    assert not wrapper.is_installed("")
    wrapper.STAMP.write_text(wrapper._stamp_for("dev"))
    # `test` installed the project with its dev extra: `run` must not install it again.
    assert wrapper.is_installed("")
    assert wrapper.is_installed("dev")
    wrapper.STAMP.write_text(wrapper._stamp_for(""))
    assert not wrapper.is_installed("dev")


@pytest.fixture
def installed() -> None:
    if not _wrapper().is_installed(""):
        pytest.skip(".venv was not set up by scripts/covoisin.py: `run` would install")


def assert_stopped_cleanly(bot: BotProcess, code: int) -> None:
    log = bot.log()
    assert code == 0, log
    assert "Traceback" not in log, log
    assert "installing" not in log, log
    assert "database closed" in log, log


def _command_line(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


@pytest.mark.e2e
@posix_only
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
@pytest.mark.usefixtures("installed")
async def test_run_becomes_the_bot(fake: FakeTelegram, tmp_path: Path) -> None:
    bot = BotProcess(fake, tmp_path, command=RUN_LINE)
    try:
        await bot.start(own_group=True)
        # The pid a service manager signals and waits for is the bot's, not a wrapper's.
        assert _command_line(bot.pid)[1:3] == [b"-m", b"bot"], _command_line(bot.pid)
        assert_stopped_cleanly(bot, await bot.terminate(timeout=QUICK))
    finally:
        await bot.ensure_stopped()


@pytest.mark.e2e
@posix_only
@pytest.mark.usefixtures("installed")
async def test_ctrl_c_on_the_run_line(fake: FakeTelegram, tmp_path: Path) -> None:
    bot = BotProcess(fake, tmp_path, command=RUN_LINE)
    try:
        await bot.start(own_group=True)
        bot.interrupt_group()
        assert_stopped_cleanly(bot, await bot.exit_code(timeout=QUICK))
        assert "stop signal received" in bot.log()
    finally:
        await bot.ensure_stopped()


# A child that says when it is ready, then waits for Ctrl-C and ends with its own code.
CHILD = """
import sys, threading
try:
    print("ready", flush=True)
    threading.Event().wait()
except KeyboardInterrupt:
    sys.exit(3)
"""


@posix_only
async def test_a_command_run_by_the_wrapper_takes_ctrl_c_itself(tmp_path: Path) -> None:
    # How `run` works on Windows, and the other commands everywhere: the wrapper waits for
    # its child through Ctrl-C and passes on the child's exit code, no traceback of its own.
    wrapper = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('w', {str(WRAPPER)!r})\n"
        "w = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(w)\n"
        f"sys.exit(w.call('-c', {CHILD!r}))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        wrapper,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        async with asyncio.timeout(QUICK):
            assert await process.stdout.readline() == b"ready\n"
            os.killpg(process.pid, signal.SIGINT)
            code = await process.wait()
        errors = (await process.stderr.read()).decode()
        assert "Traceback" not in errors, errors
        assert code == 3
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
