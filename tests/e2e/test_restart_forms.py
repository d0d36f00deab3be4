"""A restart of the real `python -m bot` in the middle of a form: stopped by SIGTERM (as
systemd or Docker stop it) or killed (a crash, a power cut), the bot starts again on the
same database and the member's next answer continues the form where it was."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest

from tests.e2e.process import BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser

pytestmark = pytest.mark.e2e

Message = dict[str, Any]
# Far more than the persistence's update interval: a bound, not a pause.
STORED_TIMEOUT = 10.0


def _rows(bot: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql, params))


def _kept(bot: BotProcess, user: FakeUser, form: str) -> dict[str, Any] | None:
    """The form the database holds for `user`, as the bot last wrote it."""
    rows = _rows(bot, "SELECT data FROM user_data WHERE user_id = ?", (user.id,))
    return json.loads(rows[0][0]).get(form) if rows else None


async def _until_stored(bot: BotProcess, user: FakeUser, form: str, **expected: object) -> None:
    """Wait until the bot has written the form with these answers: only then is a kill
    after the answer a test of what was stored, not of how fast it is written."""
    async with asyncio.timeout(STORED_TIMEOUT):
        while True:
            kept = _kept(bot, user, form)
            if kept is not None and all(kept.get(k) == v for k, v in expected.items()):
                return
            await asyncio.sleep(0.05)


async def _answer(fake: FakeTelegram, user: FakeUser, text: str) -> Message:
    await fake.send_private(user, text)
    return await fake.next_message(chat=user)


async def _press(fake: FakeTelegram, user: FakeUser, message: Message, label: str) -> Message:
    await fake.press_button(user, message, text=label)
    return await fake.next_message(chat=user)


async def _car_form_half_answered(fake: FakeTelegram) -> tuple[FakeUser, FakeChat, Message]:
    paul = fake.add_user("Paul")
    village = fake.add_group("Saint-Martin", members=[paul], bot_status=None)
    await fake.add_bot_to_group(village, by=paul)
    await fake.next_message(chat=village)
    await fake.next_message(chat=paul)
    assert "petit nom" in (await _answer(fake, paul, "/ajouter"))["text"]
    await _answer(fake, paul, "Clio")
    seats = await _answer(fake, paul, "Renault Clio grise")
    assert "places" in seats["text"]
    return paul, village, seats


async def _car_form_finished(
    fake: FakeTelegram, bot: BotProcess, paul: FakeUser, village: FakeChat, seats: Message
) -> None:
    """The question asked before the restart is answered after it, and so on to the end."""
    energy = await _press(fake, paul, seats, "5")
    parked = await _press(fake, paul, energy, "essence")
    assert "garée" in parked["text"]
    question = await _answer(fake, paul, "Devant la mairie")
    for _optional in ("rules", "photo", "contribution", "keys"):
        question = await _press(fake, paul, question, "Passer")
    await fake.press_button(paul, question, text="Sur demande, à tout moment")
    announcement = await fake.next_message(chat=village)
    assert "la Clio de Paul, 5 places, essence" in announcement["text"]
    await fake.next_message(chat=paul, text_contains="C'est fait")
    assert_said_nothing_more(fake)
    assert _rows(bot, "SELECT name, description, seats, energy FROM cars") == [
        ("Clio", "Renault Clio grise", 5, "petrol")
    ]
    fake.assert_no_bad_requests()


async def test_a_car_form_goes_on_after_sigterm(fake: FakeTelegram, bot: BotProcess) -> None:
    paul, village, seats = await _car_form_half_answered(fake)
    # A stop flushes what the bot holds: no need to wait for its periodic write.
    assert await bot.terminate() == 0
    assert _kept(bot, paul, "car_form") is not None
    await bot.start()
    await _car_form_finished(fake, bot, paul, village, seats)


async def test_a_car_form_goes_on_after_a_kill(fake: FakeTelegram, bot: BotProcess) -> None:
    paul, village, seats = await _car_form_half_answered(fake)
    await _until_stored(bot, paul, "car_form", name="Clio", description="Renault Clio grise")
    await bot.kill()
    await bot.start()
    await _car_form_finished(fake, bot, paul, village, seats)
    # The form is over: once written, nothing of it is left.
    assert await bot.terminate() == 0
    assert _rows(bot, "SELECT count(*) FROM user_data") == [(0,)]
    assert _rows(bot, "SELECT count(*) FROM conversations") == [(0,)]


async def test_a_pickup_reading_goes_on_after_a_kill(fake: FakeTelegram, bot: BotProcess) -> None:
    paul, marie = fake.add_user("Paul"), fake.add_user("Marie")
    village = fake.add_group("Saint-Martin", members=[paul, marie], bot_status=None)
    await fake.add_bot_to_group(village, by=paul)
    await fake.next_message(chat=village)
    await fake.next_message(chat=paul)
    for member in (paul, marie):
        await _answer(fake, member, "/start")
    # Marie speaks in the group: the bot knows she is a member.
    await fake.send_text(marie, village, "/voitures")
    await fake.next_message(chat=village)
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute(
            """
            INSERT INTO cars (chat_id, owner_id, name, name_key, seats, energy, parked_at,
                created_at)
            VALUES (?, ?, 'Clio', 'clio', 5, 'petrol', 'devant la mairie',
                '2026-01-01T00:00:00+00:00')
            """,
            (village.id, paul.id),
        )
        conn.execute(
            "INSERT INTO car_managers VALUES (1, ?, '2026-01-01T00:00:00+00:00')", (paul.id,)
        )
        # The pickup reminder, and with it « J'ai pris la voiture », comes at the accept.
        conn.execute(
            "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) VALUES (?, ?)",
            (village.id, 3 * 24 * 3600),
        )
    await fake.send_text(marie, village, "/reserver clio demain 10h-12h")
    await fake.next_message(chat=village)
    prompt = await fake.next_message(chat=paul)
    await fake.press_button(paul, prompt, text="✅ Accepter")
    await fake.next_message(chat=marie, text_contains="d'accord")
    reminder = await fake.next_message(chat=marie, text_contains="⏰")
    await _press(fake, marie, reminder, "🚗 J'ai pris la voiture")
    fuel = await _answer(fake, marie, "45210")
    await _until_stored(bot, marie, "trip_form", odometer_km=45210)

    await bot.kill()
    await bot.start()
    photo = await _press(fake, marie, fuel, "½")
    done = await _press(fake, marie, photo, "Passer")
    assert "bonne route" in done["text"]
    await fake.next_message(chat=paul, text_contains="Marie a pris votre Clio")
    assert _rows(bot, "SELECT moment, odometer_km, fuel_quarters FROM trip_readings") == [
        ("pickup", 45210, 2)
    ]
    assert _rows(bot, "SELECT status FROM bookings") == [("active",)]
    fake.assert_no_bad_requests()
