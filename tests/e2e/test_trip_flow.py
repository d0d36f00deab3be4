"""The trip of the issue through the real `python -m bot` process, with reminder offsets of
a few seconds written in the group's settings; then restarts around a reminder."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.process import BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser

pytestmark = pytest.mark.e2e

Message = dict[str, Any]
KEYS = "Boîte aux lettres, code 1234"
# How long after the accept the pickup reminder is due.
LEAD_SECONDS = 2
REMINDER_TIMEOUT = 20.0


def _rows(bot: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql, params))


def _callback(message: Message, starts: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button.get("callback_data", "").startswith(starts):
                return str(button["callback_data"])
    raise AssertionError(f"no {starts} button on {message['text']!r}")


async def _village(fake: FakeTelegram, bot: BotProcess) -> tuple[FakeUser, FakeUser, FakeChat]:
    """Paul's Clio in Saint-Martin, listed with its key instructions."""
    paul, marie = fake.add_user("Paul"), fake.add_user("Marie")
    village = fake.add_group("Saint-Martin", members=[paul, marie], bot_status=None)
    await fake.add_bot_to_group(village, by=paul)
    await fake.next_message(chat=village)
    await fake.next_message(chat=paul)
    for member in (paul, marie):
        await fake.send_private(member, "/start")
        await fake.next_message(chat=member)
    # The car form has its own end-to-end story; here the car is written as it would save it.
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute(
            """
            INSERT INTO cars (chat_id, owner_id, name, name_key, seats, energy, parked_at,
                key_instructions, contribution_per_km_cents, contribution_per_day_cents,
                created_at)
            VALUES (?, ?, 'Clio', 'clio', 5, 'petrol', 'devant la mairie', ?, 30, 500,
                '2026-01-01T00:00:00+00:00')
            """,
            (village.id, paul.id, KEYS),
        )
        conn.execute(
            "INSERT INTO car_managers VALUES (1, ?, '2026-01-01T00:00:00+00:00')", (paul.id,)
        )
    return paul, marie, village


async def _accepted_soon(
    fake: FakeTelegram, bot: BotProcess, paul: FakeUser, marie: FakeUser, village: FakeChat
) -> None:
    """Marie's request for tomorrow, accepted by Paul, with the pickup reminder due
    LEAD_SECONDS after the accept."""
    await fake.send_text(marie, village, "/reserver clio demain 10h-12h")
    await fake.next_message(chat=village)
    prompt = await fake.next_message(chat=paul)
    [(start,)] = _rows(bot, "SELECT start_at FROM bookings")
    lead = datetime.fromisoformat(start) - datetime.now(UTC)
    offset = int(lead.total_seconds()) - LEAD_SECONDS
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute(
            "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) VALUES (?, ?)",
            (village.id, offset),
        )
    await fake.press_button(paul, prompt, _callback(prompt, "v1:acc:"))
    await fake.next_message(chat=marie, text_contains="d'accord")


async def _answer(fake: FakeTelegram, user: FakeUser, text: str) -> Message:
    await fake.send_private(user, text)
    return await fake.next_message(chat=user)


async def _press(fake: FakeTelegram, user: FakeUser, message: Message, starts: str) -> Message:
    await fake.press_button(user, message, _callback(message, starts))
    return await fake.next_message(chat=user)


async def test_marie_borrows_the_clio_from_reminder_to_payment(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    paul, marie, village = await _village(fake, bot)
    await _accepted_soon(fake, bot, paul, marie, village)

    reminder = await fake.next_message(chat=marie, timeout=REMINDER_TIMEOUT)
    assert "⏰" in reminder["text"] and "devant la mairie" in reminder["text"]
    assert f"🔑 {KEYS}" in reminder["text"]

    await _press(fake, marie, reminder, "v1:pick:")
    fuel = await _answer(fake, marie, "45210")
    photo = await _press(fake, marie, fuel, "v1:trip:1:f2")
    done = await _press(fake, marie, photo, "v1:trip:1:skip")
    assert "bonne route" in done["text"]
    report = await fake.next_message(chat=paul)
    assert "Marie a pris votre Clio" in report["text"]

    await _press(fake, marie, done, "v1:ret:")
    fuel = await _answer(fake, marie, "45330")
    photo = await _press(fake, marie, fuel, "v1:trip:1:f4")
    back = await _press(fake, marie, photo, "v1:trip:1:skip")
    assert "120 km" in back["text"] and "41,00" in back["text"]
    report = await fake.next_message(chat=paul)
    assert "Marie a rendu votre Clio" in report["text"]
    # Both sides are asked for their feedback (tests/handlers/test_reputation.py).
    await fake.next_message(chat=marie, text_contains="Votre avis sur Paul")
    await fake.next_message(chat=paul, text_contains="Votre avis sur Marie")

    await fake.press_button(paul, report, _callback(report, "v1:ok:"))
    assert "Paul confirme" in (await fake.next_message(chat=marie))["text"]
    await fake.press_button(marie, back, _callback(back, "v1:paid:"))
    asked = await fake.next_message(chat=paul)
    assert "41,00" in asked["text"]
    await fake.press_button(paul, asked, _callback(asked, "v1:paidok:"))
    assert "Paul confirme avoir reçu 41,00" in (await fake.next_message(chat=marie))["text"]
    assert_said_nothing_more(fake)

    # The keys went to Marie, once, in the reminder: to no one else, at no other time.
    with_keys = [c for c in fake.calls if c.ok and "code 1234" in str(c.params)]
    assert [(c.method, c.params["chat_id"]) for c in with_keys] == [("sendMessage", marie.id)]
    assert _rows(bot, "SELECT status FROM bookings") == [("returned",)]
    assert _rows(bot, "SELECT moment, odometer_km FROM trip_readings ORDER BY moment") == [
        ("pickup", 45210),
        ("return", 45330),
    ]
    assert _rows(bot, "SELECT amount_cents, confirmed_by FROM contributions") == [(4100, paul.id)]
    fake.assert_no_bad_requests()


async def test_a_kill_before_the_reminder_fires_delivers_it_once_after_restart(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    paul, marie, village = await _village(fake, bot)
    await _accepted_soon(fake, bot, paul, marie, village)
    # The reminder is scheduled, LEAD_SECONDS away: the bot dies now.
    await bot.kill()
    assert _rows(bot, "SELECT count(*) FROM reminders_sent") == [(0,)]
    await bot.start()
    reminder = await fake.next_message(chat=marie, timeout=REMINDER_TIMEOUT)
    assert f"🔑 {KEYS}" in reminder["text"]
    assert _rows(bot, "SELECT kind FROM reminders_sent") == [("pickup",)]
    # Another full restart: the reminder is not sent again.
    await bot.terminate()
    await bot.start()
    assert "/" in (await _answer(fake, marie, "/aide"))["text"]
    assert_said_nothing_more(fake)
    # Rebuilt at the first restart: pickup, no-show, end, overdue; at the second, no pickup.
    assert bot.log().count("4 expiries, reminders and reveals planned") == 1
    assert bot.log().count("3 expiries, reminders and reveals planned") == 1


async def test_a_kill_right_after_a_reminder_was_sent_does_not_repeat_it(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    paul, marie, village = await _village(fake, bot)
    await _accepted_soon(fake, bot, paul, marie, village)
    await fake.next_message(chat=marie, timeout=REMINDER_TIMEOUT, text_contains="⏰")
    await bot.kill()
    await bot.start()
    assert "/" in (await _answer(fake, marie, "/aide"))["text"]
    assert_said_nothing_more(fake)
    assert _rows(bot, "SELECT kind FROM reminders_sent") == [("pickup",)]
    # What was rebuilt: the no-show prompt, the end reminder and the overdue alert; no pickup.
    assert bot.log().count("3 expiries, reminders and reveals planned") == 1
