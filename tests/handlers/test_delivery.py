"""Telling a member privately: the DM, or the group nudge and the deep link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.context import CovoisinApp, CovoisinContext
from handlers.delivery import tell_privately
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeTelegram
from tests.inprocess import running_bot, services_of


@pytest.fixture
async def app(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[CovoisinApp]:
    async with running_bot(fake, tmp_path) as application:
        yield application


async def _tell(app: CovoisinApp, user_id: int, text: str, group_id: int) -> bool:
    context = CovoisinContext(app)  # what a job would receive
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Oui", callback_data="v1:test:1")]])
    return await tell_privately(context, user_id, text, reply_markup=markup, group_chat_id=group_id)


async def test_an_open_private_chat_gets_the_message(fake: FakeTelegram, app: CovoisinApp) -> None:
    marie = fake.add_user("Marie")
    village = fake.add_group("Village", members=[marie])
    assert await _tell(app, marie.id, "Bonjour", village.id) is True
    message = await fake.next_message(chat=marie)
    assert message["text"] == "Bonjour"
    assert not fake.messages_in(village)


async def test_closed_chat_nudges_once_in_the_group_then_delivers_in_order(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    marie = fake.add_user("Marie", started=False)
    village = fake.add_group("Village", members=[marie])
    await services_of(app).repos.users.seen(marie.id, "Marie", None, "fr", services_of(app).clock())
    await services_of(app).repos.groups.upsert_active(
        village.id, "Village", "fr", "Europe/Paris", services_of(app).clock()
    )

    assert await _tell(app, marie.id, "Premier", village.id) is False
    assert await _tell(app, marie.id, "Second", village.id) is False
    nudge = await fake.next_message(chat=village)
    assert "Marie" in nudge["text"]
    assert_said_nothing_more(fake)  # one nudge, not two

    [[button]] = nudge["reply_markup"]["inline_keyboard"]
    await fake.send_private(marie, "/start " + button["url"].split("?start=")[1])
    greeting = await fake.next_message(chat=marie)
    assert "2 messages" in greeting["text"]
    first = await fake.next_message(chat=marie)
    second = await fake.next_message(chat=marie)
    assert (first["text"], second["text"]) == ("Premier", "Second")
    # The buttons come along: the pending Accept of an owner still works.
    assert first["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v1:test:1"

    await fake.send_private(marie, "/start")
    again = await fake.next_message(chat=marie)
    assert "attendait" not in again["text"]
    assert_said_nothing_more(fake)
