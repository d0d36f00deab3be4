"""Odd or unexpected updates: ignored or answered politely, never a crash, nothing stored."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.process import BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeTelegram

pytestmark = pytest.mark.e2e

ODD_TEXTS = [
    "x" * 4096,
    "\u202eevil\u202c \u200b\u200d 👩‍👩‍👧‍👦 \ufeff",
    "<script>alert(1)</script> & &amp; <b>",
    "\x00\x01 NUL and control",
    "🚗" * 1000,
    "Ｆｕｌｌｗｉｄｔｈ ﬁ ligature Ω",
]


def _snapshot(bot: BotProcess) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(bot.db_path) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}


@pytest.mark.parametrize("text", ODD_TEXTS)
async def test_odd_private_text_gets_a_polite_answer(
    fake: FakeTelegram, bot: BotProcess, text: str
) -> None:
    zoe = fake.add_user("Zoé")
    await fake.send_private(zoe, "/start")
    await fake.next_message(chat=zoe)
    before = _snapshot(bot)
    await fake.send_private(zoe, text)
    reply = await fake.next_message(chat=zoe)
    assert "/aide" in reply["text"]
    assert _snapshot(bot) == before
    fake.assert_no_bad_requests()


async def test_unknown_commands(fake: FakeTelegram, bot: BotProcess) -> None:
    paul = fake.add_user("Paul")
    village = fake.add_group("Village", members=[paul])
    await fake.send_private(paul, "/start")
    await fake.next_message(chat=paul)
    await fake.send_private(paul, "/frobnicate now")
    assert "/aide" in (await fake.next_message(chat=paul))["text"]

    # In the group a bare unknown command may be another bot's: silence.
    # Addressed to us by name, it gets the hint.
    await fake.send_text(paul, village, "/frobnicate")
    addressed = await fake.send_text(paul, village, f"/frobnicate@{fake.bot_user.username}")
    hint = await fake.next_message(chat=village)
    assert hint["reply_to_message"]["message_id"] == addressed["message_id"]
    assert_said_nothing_more(fake)


async def test_edits_channel_posts_and_empty_updates_are_ignored(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    luc = fake.add_user("Luc")
    village = fake.add_group("Village", members=[luc])
    channel = fake.add_channel("Infos", bot_status="administrator")
    asked = await fake.send_text(luc, village, "/aide")
    await fake.next_message(chat=village)
    before = _snapshot(bot)

    await fake.edit_text(asked, "/aide encore")
    await fake.channel_post(channel, "/aide")
    await fake.send_raw_update(
        {
            "poll_answer": {
                "poll_id": "1",
                "option_ids": [0],
                "option_persistent_ids": ["a"],
                "user": fake.user(luc.id).to_dict(),
            }
        }
    )
    sync = await fake.send_text(luc, village, "/aide")
    reply = await fake.next_message(chat=village)
    assert reply["reply_to_message"]["message_id"] == sync["message_id"]
    assert_said_nothing_more(fake)
    assert _snapshot(bot) == before


async def test_anonymous_admin_is_answered_but_not_recorded(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    luc = fake.add_user("Luc")
    village = fake.add_group("Village", members=[luc])
    await fake.send_as_chat(village, "/aide")
    reply = await fake.next_message(chat=village)
    assert "/reserver" in reply["text"]
    with sqlite3.connect(bot.db_path) as conn:
        # Nobody but the former-member placeholder (storage/migrations/0007_forget.sql).
        assert list(conn.execute("SELECT user_id FROM users")) == [(0,)]


async def test_names_with_markup_are_shown_as_written(fake: FakeTelegram, bot: BotProcess) -> None:
    odd = fake.add_user("<b>Zoé & Co</b> \u202e🚗")
    village = fake.add_group("L'<Étang> & co", members=[odd], bot_status=None)
    await fake.add_bot_to_group(village, by=odd)
    await fake.next_message(chat=village)
    thanks = await fake.next_message(chat=odd)
    assert "<b>Zoé & Co</b>" in thanks["text"]
    assert "L'<Étang> & co" in thanks["text"]
    fake.assert_no_bad_requests()
