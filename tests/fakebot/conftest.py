"""Fixtures for the fake server's own tests (the project's fixtures live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tests.fakebot import FakeTelegram, running_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake() as started:
        yield started


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A real python-telegram-bot Bot talking to the fake: proves both agree on the protocol."""
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b
