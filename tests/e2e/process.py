"""The real bot, `python -m bot`, started as a separate process against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.fakebot import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT = 20.0
BOT_COMMAND = (sys.executable, "-m", "bot")


class BotProcess:
    """`command` starts the bot some other way (the README's run line...)."""

    def __init__(
        self,
        fake: FakeTelegram,
        workdir: Path,
        *,
        command: Sequence[str] = BOT_COMMAND,
        **env: str,
    ) -> None:
        self.fake = fake
        self.workdir = workdir
        self.db_path = workdir / "data" / "covoisin.sqlite3"
        self.log_path = workdir / "bot.log"
        self.command = tuple(command)
        self.own_group = False
        self.extra_env = env
        self.process: asyncio.subprocess.Process | None = None

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update(self.fake.env())
        env.update(
            BOT_DB_PATH=str(self.db_path),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    async def launch(self, *, own_group: bool = False) -> None:
        """Start the process, without waiting for it to be up (to catch it while starting).
        With `own_group`, it leads a process group of its own, as a terminal's foreground
        job does, so that `interrupt_group` is a Ctrl-C typed in that terminal."""
        self.own_group = own_group
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                cwd=self.workdir,
                env=self.environment(),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=self.own_group,
            )

    async def start(self, *, own_group: bool = False) -> None:
        """Start and wait until the bot polls for updates, or has set its webhook: from then
        on it answers (the fake retries pushes until its server listens)."""
        await self.launch(own_group=own_group)
        try:
            if self.extra_env.get("BOT_WEBHOOK_URL"):
                await self.fake.wait_webhook(timeout=30)
            else:
                await self.fake.wait_polling(timeout=30)
        except AssertionError as exc:
            raise AssertionError(f"the bot did not start listening:\n{self.log()}") from exc

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def send_sigterm(self, times: int = 1) -> None:
        """SIGTERM, as systemd or Docker would send; `times` in a row, as a supervisor that
        signals the whole process group (or an impatient operator) does."""
        self.send_signal(signal.SIGTERM, times)

    def send_signal(self, signum: int, times: int = 1) -> None:
        assert self.process is not None
        for _ in range(times):
            self.process.send_signal(signum)

    def interrupt_group(self) -> None:
        """Ctrl-C: the terminal sends SIGINT to every process of its foreground group."""
        assert self.own_group, "the process must lead a group of its own"
        os.killpg(self.pid, signal.SIGINT)

    async def exit_code(self, timeout: float = STOP_TIMEOUT) -> int:  # noqa: ASYNC109 (asyncio.timeout inside)
        assert self.process is not None
        async with asyncio.timeout(timeout):
            return await self.process.wait()

    async def terminate(self, times: int = 1, timeout: float = STOP_TIMEOUT) -> int:  # noqa: ASYNC109
        """SIGTERM (`times` in a row) and the exit code."""
        self.send_sigterm(times)
        return await self.exit_code(timeout)

    async def kill(self) -> int:
        assert self.process is not None
        self.process.kill()
        return await self.process.wait()

    async def ensure_stopped(self) -> None:
        if self.process is None:
            return
        if self.own_group:
            # The whole group: with whatever the process started, should it outlive it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        if self.process.returncode is None:
            await self.kill()
