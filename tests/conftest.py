"""Fixtures shared by the whole suite: the fake Bot API server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.fakebot import FakeTelegram, running_fake

# As bot/__init__.py sets it for the bot: every test sees PTB's durations as timedelta,
# whichever module the run happens to import first.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake() as started:
        yield started
