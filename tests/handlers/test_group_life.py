"""Group life and the bot's own plumbing: migration, menus, errors."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from handlers.common.context import CovoisinApp, CovoisinContext
from tests.fakebot import FakeTelegram
from tests.inprocess import running_bot


@pytest.fixture
async def app(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[CovoisinApp]:
    async with running_bot(fake, tmp_path) as application:
        yield application


def _rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "data" / "covoisin.sqlite3") as conn:
        return list(conn.execute(sql))


async def test_a_group_upgraded_to_a_supergroup_keeps_its_members(
    fake: FakeTelegram, app: CovoisinApp, tmp_path: Path
) -> None:
    paul = fake.add_user("Paul")
    village = fake.add_group("Village", members=[paul], supergroup=False, bot_status=None)
    await fake.add_bot_to_group(village, by=paul)
    await fake.next_message(chat=village)
    await fake.send_text(paul, village, "/aide")
    await fake.next_message(chat=village)

    upgraded = await fake.migrate_to_supergroup(village)
    await fake.send_text(paul, upgraded, "/aide")
    await fake.next_message(chat=upgraded)
    assert _rows(tmp_path, "SELECT chat_id FROM groups") == [(upgraded.id,)]
    assert _rows(tmp_path, "SELECT chat_id, user_id FROM members") == [(upgraded.id, paul.id)]


async def test_menus_are_set_per_language_and_kind_of_chat(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    french_private = fake.commands("all_private_chats", "fr")
    english_group = fake.commands("all_group_chats", "en")
    default_group = fake.commands("all_group_chats", "")
    assert french_private is not None
    assert english_group is not None
    assert default_group is not None
    assert {"reserver", "ajouter", "aide", "resas"} <= {c["command"] for c in french_private}
    assert {"book", "addcar", "help"} <= {c["command"] for c in english_group}
    assert "start" not in {c["command"] for c in english_group}
    assert "reserver" in {c["command"] for c in default_group}  # the default language: fr


async def test_a_failing_handler_is_logged_the_member_told_and_the_bot_goes_on(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    async def broken(update: Update, context: CovoisinContext) -> None:
        raise RuntimeError("boom")

    app.add_handler(CommandHandler("casse", broken), group=-2)
    marie = fake.add_user("Marie")
    await fake.send_private(marie, "/casse")
    sorry = await fake.next_message(chat=marie)
    assert "quelque chose s'est mal passé" in sorry["text"]
    # The other handler groups still run: /casse is also an unknown command.
    assert "Je ne connais pas cette commande" in (await fake.next_message(chat=marie))["text"]
    await fake.send_private(marie, "/aide")
    assert "/reserver" in (await fake.next_message(chat=marie))["text"]
