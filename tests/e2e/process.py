"""The real bot, `python -m bot`, started as a separate process against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakebot import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT = 20.0


class BotProcess:
    def __init__(self, fake: FakeTelegram, workdir: Path, **env: str) -> None:
        self.fake = fake
        self.workdir = workdir
        self.db_path = workdir / "data" / "covoisin.sqlite3"
        self.log_path = workdir / "bot.log"
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

    async def launch(self) -> None:
        """Start the process, without waiting for it to be up (to catch it while starting)."""
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.workdir,
                env=self.environment(),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    async def start(self) -> None:
        """Start and wait until the bot polls for updates, or has set its webhook: from then
        on it answers (the fake retries pushes until its server listens)."""
        await self.launch()
        try:
            if self.extra_env.get("BOT_WEBHOOK_URL"):
                await self.fake.wait_webhook(timeout=30)
            else:
                await self.fake.wait_polling(timeout=30)
        except AssertionError as exc:
            raise AssertionError(f"the bot did not start listening:\n{self.log()}") from exc

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def send_sigterm(self, times: int = 1) -> None:
        """SIGTERM, as systemd or Docker would send; `times` in a row, as a supervisor that
        signals the whole process group (or an impatient operator) does."""
        assert self.process is not None
        for _ in range(times):
            self.process.send_signal(signal.SIGTERM)

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
        if self.process is not None and self.process.returncode is None:
            await self.kill()
