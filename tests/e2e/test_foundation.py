"""The real bot process against the fake Bot API: the ground every feature stands on."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.process import BotProcess
from tests.fakebot import FakeTelegram

pytestmark = pytest.mark.e2e


def _rows(bot: BotProcess, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql))


async def test_added_to_a_group_posts_one_welcome_with_a_private_link(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    paul = fake.add_user("Paul", username="paul")
    village = fake.add_group("Saint-Martin", members=[paul], bot_status=None)
    await fake.add_bot_to_group(village, by=paul)

    welcome = await fake.next_message(chat=village)
    assert "Covoisin" in welcome["text"]
    [[button]] = welcome["reply_markup"]["inline_keyboard"]
    assert button["url"] == f"https://t.me/{fake.bot_user.username}?start=group_{village.id}"
    thanks = await fake.next_message(chat=paul)
    assert "Saint-Martin" in thanks["text"]
    assert _rows(bot, "SELECT chat_id, title, active FROM groups") == [
        (village.id, "Saint-Martin", 1)
    ]
    await fake.remove_bot_from_group(village, by=paul)
    await fake.send_private(paul, "/aide")  # updates are handled in order: once this is
    await fake.next_message(chat=paul)  # answered, the removal was handled too
    assert _rows(bot, "SELECT active FROM groups") == [(0,)]


async def test_start_in_private_chat(fake: FakeTelegram, bot: BotProcess) -> None:
    marie = fake.add_user("Marie", username="marie")
    await fake.send_private(marie, "/start")
    reply = await fake.next_message(chat=marie)
    assert reply["text"].startswith("Bonjour Marie")
    english = fake.add_user("John", language_code="en")
    await fake.send_private(english, "/start")
    assert (await fake.next_message(chat=english))["text"].startswith("Hello John")


async def test_help_in_a_group_and_commands_for_other_bots(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    luc = fake.add_user("Luc")
    village = fake.add_group("Villeneuve", members=[luc], bot_status=None)
    await fake.add_bot_to_group(village, by=luc)
    await fake.next_message(chat=village)

    ignored = await fake.send_text(luc, village, "/help@some_other_bot")
    asked = await fake.send_text(luc, village, f"/aide@{fake.bot_user.username}")
    reply = await fake.next_message(chat=village)
    assert reply["reply_to_message"]["message_id"] == asked["message_id"]
    assert reply["reply_to_message"]["message_id"] != ignored["message_id"]
    assert "/reserver clio samedi" in reply["text"]


async def test_private_message_waits_for_a_member_who_never_opened_the_chat(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    jean = fake.add_user("Jean", username="jean", started=False)
    village = fake.add_group("Les Ormes", members=[jean], bot_status=None)
    await fake.add_bot_to_group(village, by=jean)
    welcome = await fake.next_message(chat=village)
    # The thank-you could not reach Jean; the welcome's button is the way in.
    await fake.wait_for_call(
        "sendMessage",
        lambda call: call.status == 403 and call.params["chat_id"] == jean.id,
        ok=False,
    )
    [[button]] = welcome["reply_markup"]["inline_keyboard"]
    payload = button["url"].split("?start=")[1]
    await fake.send_private(jean, f"/start {payload}")
    greeting = await fake.next_message(chat=jean)
    assert "attendait" in greeting["text"]
    waiting = await fake.next_message(chat=jean)
    assert "Les Ormes" in waiting["text"]
    assert _rows(bot, "SELECT count(*) FROM pending_messages WHERE delivered_at IS NULL") == [(0,)]


@pytest.mark.parametrize("status", [429, 502])
async def test_telegram_faults_are_survived(
    fake: FakeTelegram, bot: BotProcess, status: int
) -> None:
    anne = fake.add_user("Anne")
    fake.fail_next(1, status=status, retry_after=1, method="sendMessage")
    await fake.send_private(anne, "/aide")
    reply = await fake.next_message(chat=anne)
    assert "/reserver" in reply["text"]
    failed = [c for c in fake.calls if c.method == "sendMessage" and c.status == status]
    assert len(failed) == 1
    assert len(fake.messages_in(anne)) == 2  # her command and one answer, not two


async def test_sigterm_shuts_down_cleanly(fake: FakeTelegram, bot: BotProcess) -> None:
    assert await bot.terminate() == 0
    assert "database closed" in bot.log()
    # A clean close checkpoints the write-ahead log into the database file.
    assert not (bot.db_path.parent / (bot.db_path.name + "-wal")).exists() or (
        (bot.db_path.parent / (bot.db_path.name + "-wal")).stat().st_size == 0
    )
