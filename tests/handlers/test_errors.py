"""The last-resort error handler: a fault is apologised for in private, a second tap is not
a fault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.error import BadRequest

from handlers.context import CovoisinApp, CovoisinContext
from handlers.errors import on_error
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeTelegram, FakeUser
from tests.inprocess import running_bot


@pytest.fixture
async def app(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[CovoisinApp]:
    async with running_bot(fake, tmp_path) as application:
        yield application


def _private_update(app: CovoisinApp, user: FakeUser) -> Update:
    chat = {"id": user.id, "type": "private", "first_name": user.first_name}
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": "/voitures"}
    return Update.de_json({"update_id": 1, "message": message}, app.bot)


async def test_a_fault_is_apologised_for_privately(fake: FakeTelegram, app: CovoisinApp) -> None:
    marie = fake.add_user("Marie")
    update = _private_update(app, marie)
    await on_error(update, CovoisinContext.from_error(update, RuntimeError("boom"), app))
    assert "Désolé" in str((await fake.next_message(chat=marie))["text"])


async def test_a_button_tapped_twice_is_not_a_fault(fake: FakeTelegram, app: CovoisinApp) -> None:
    marie = fake.add_user("Marie")
    update = _private_update(app, marie)
    error = BadRequest("Message is not modified: specified new message content is the same")
    await on_error(update, CovoisinContext.from_error(update, error, app))
    assert_said_nothing_more(fake)
