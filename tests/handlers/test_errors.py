"""The last-resort error handler: a fault is apologised for in private, a second tap is not
a fault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.error import BadRequest

from handlers.common.context import CovoisinApp, CovoisinContext
from handlers.common.errors import on_error
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
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


def _group_update(app: CovoisinApp, user: FakeUser, group: FakeChat) -> Update:
    chat = {"id": group.id, "type": "supergroup", "title": group.title}
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    message = {"message_id": 7, "date": 0, "chat": chat, "from": sender, "text": "/reserver x"}
    return Update.de_json({"update_id": 2, "message": message}, app.bot)


async def test_a_fault_in_the_group_is_apologised_for_privately(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    marie = fake.add_user("Marie")
    village = fake.add_group("Village", members=[marie])
    update = _group_update(app, marie, village)
    await on_error(update, CovoisinContext.from_error(update, RuntimeError("boom"), app))
    assert "Désolé" in str((await fake.next_message(chat=marie))["text"])
    assert_said_nothing_more(fake)


async def test_a_fault_in_the_group_with_the_private_chat_closed_gets_one_quiet_line(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    marie = fake.add_user("Marie", started=False)
    village = fake.add_group("Village", members=[marie])
    update = _group_update(app, marie, village)
    await on_error(update, CovoisinContext.from_error(update, RuntimeError("boom"), app))
    said = await fake.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == village.id)
    assert "Désolé, Marie" in said.params["text"]
    assert said.params["disable_notification"] is True
    assert_said_nothing_more(fake)


async def test_a_fault_on_a_button_answers_the_presser_only(
    fake: FakeTelegram, app: CovoisinApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    marie = fake.add_user("Marie")
    village = fake.add_group("Village", members=[marie])
    shown = await app.bot.send_message(village.id, "un message avec un bouton")
    await fake.wait_for_call("sendMessage")

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.bot_data.services.booking, "get", broken)
    query = await fake.forge_callback(marie, shown.to_dict(), "v1:acc:1")
    await fake.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    answer = fake.callback_answer(query)
    assert answer is not None and "Désolé" in str(answer["text"])
    assert answer["show_alert"] is True
    stored = fake.message(village, shown.message_id)
    assert stored is not None and stored["text"] == "un message avec un bouton"
    assert_said_nothing_more(fake)
