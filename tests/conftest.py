"""Fixtures shared by the whole suite: the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakebot import FakeTelegram, running_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake() as started:
        yield started
