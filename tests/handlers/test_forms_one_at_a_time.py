"""Two private forms open at once, through the fake Bot API: a member's text goes to the form
they opened (or answered) last, and the other one waits for its button to be pressed again.

Anne is an admin of the village and borrows Paul's Clio: the charter question, a car form
and the pickup reading can all be waiting for her text at the same time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ConversationHandler

from bot.booking import CarDraft, Energy
from bot.callbacks import Callback, Kind
from handlers.common.context import CovoisinApp
from handlers.common.conversations import CURRENT_FORM
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import join, running_bot, services_of

Message = dict[str, Any]
CHARTER_BUTTON = "📜 Modifier la charte"
CHARTER_SAVED = "C'est noté"
FUEL = "niveau de carburant"


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    village: FakeChat
    anne: FakeUser
    paul: FakeUser
    db_path: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))

    def charter(self) -> list[tuple[Any, ...]]:
        return self.rows("SELECT charter FROM group_settings WHERE charter IS NOT NULL")

    def readings(self) -> list[tuple[Any, ...]]:
        return self.rows("SELECT moment, odometer_km FROM trip_readings")


def _db_path(app: CovoisinApp) -> Path:
    return services_of(app).settings.db_path


async def _village(fake: FakeTelegram, app: CovoisinApp) -> tuple[FakeChat, FakeUser, FakeUser]:
    anne, paul = fake.add_user("Anne", "anne"), fake.add_user("Paul")
    village = fake.add_group("Saint-Martin", members=[paul], admins=[anne])
    for member in (anne, paul):
        await join(app, member, village)
    car = await services_of(app).booking.add_car(
        village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
    )
    assert not isinstance(car, Exception)
    with sqlite3.connect(_db_path(app)) as conn:
        # The pickup reminder is due as soon as the booking is accepted.
        conn.execute(
            f"INSERT INTO group_settings (chat_id, pickup_reminder_seconds) "
            f"VALUES ({village.id}, {3 * 24 * 3600})"
        )
    return village, anne, paul


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    async with running_bot(fake, tmp_path) as app:
        village, anne, paul = await _village(fake, app)
        yield Scene(fake, app, village, anne, paul, _db_path(app))


def _data(message: Message, kind: Kind) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith(f"v1:{kind}:"):
                return data
    raise AssertionError(f"no {kind} button on {message.get('text')!r}")


async def _charter_asked(fake: FakeTelegram, village: FakeChat, anne: FakeUser) -> Message:
    """Anne presses « Modifier la charte » under /reglages; returns the settings menu."""
    await fake.send_text(anne, village, "/reglages")
    menu = await fake.next_message(chat=village)
    await fake.press_button(anne, menu, text=CHARTER_BUTTON)
    await fake.next_message(chat=anne, text_contains="texte de la charte")
    return menu


async def _pickup_asked(
    fake: FakeTelegram, village: FakeChat, anne: FakeUser, paul: FakeUser
) -> None:
    """Anne books the Clio, Paul accepts, Anne presses « J'ai pris la voiture »: the
    odometer question waits for her text."""
    await fake.send_text(anne, village, "/reserver clio demain 10h-12h")
    await fake.next_message(chat=village)
    prompt = await fake.next_message(chat=paul)
    await fake.press_button(paul, prompt, _data(prompt, Kind.ACCEPT))
    await fake.next_message(chat=anne, text_contains="d'accord")
    reminder = await fake.next_message(chat=anne, text_contains="⏰")
    await fake.press_button(anne, reminder, _data(reminder, Kind.PICKUP))
    await fake.next_message(chat=anne, text_contains="kilomètres au compteur")


async def _say(s: Scene, text: str) -> Message:
    await s.fake.send_private(s.anne, text)
    return await s.fake.next_message(chat=s.anne)


async def _finish_pickup(s: Scene, fuel: Message) -> None:
    await s.fake.press_button(s.anne, fuel, Callback(Kind.TRIP_FORM, 1, "f2").data())
    photo = await s.fake.next_message(chat=s.anne, text_contains="photo")
    await s.fake.press_button(s.anne, photo, Callback(Kind.TRIP_FORM, 1, "skip").data())
    await s.fake.next_message(chat=s.anne)
    await s.fake.next_message(chat=s.paul, text_contains="a pris votre Clio")


async def test_a_reading_typed_after_an_unanswered_charter_question_is_a_reading(
    s: Scene,
) -> None:
    menu = await _charter_asked(s.fake, s.village, s.anne)
    await _pickup_asked(s.fake, s.village, s.anne, s.paul)

    fuel = await _say(s, "45210")
    assert FUEL in str(fuel["text"])
    assert s.charter() == []
    assert_said_nothing_more(s.fake)

    # The charter button pressed again: the question is Anne's current form again, while
    # the pickup waits on its buttons.
    await s.fake.press_button(s.anne, menu, text=CHARTER_BUTTON)
    await s.fake.next_message(chat=s.anne, text_contains="texte de la charte")
    assert CHARTER_SAVED in str((await _say(s, "On rend la voiture propre."))["text"])
    await s.fake.next_message(chat=s.village, text_contains="La charte du groupe a été mise à jour")
    assert s.charter() == [("On rend la voiture propre.",)]

    await _finish_pickup(s, fuel)
    assert s.readings() == [("pickup", 45210)]
    # Both forms are over: nothing is left of them.
    assert CURRENT_FORM not in s.app.user_data.get(s.anne.id, {})
    assert "Je ne sais pas encore" in str((await _say(s, "merci"))["text"])
    assert_said_nothing_more(s.fake)


async def test_annuler_in_the_group_is_not_taken_by_the_charter_question(s: Scene) -> None:
    await _pickup_asked(s.fake, s.village, s.anne, s.paul)
    await _say(s, "/annuler")  # the pickup form is over; the booking stays
    await _charter_asked(s.fake, s.village, s.anne)

    await s.fake.send_text(s.anne, s.village, "/annuler 1")
    answer = str((await s.fake.next_message(chat=s.village))["text"])
    assert answer.startswith("Annuler celle-ci ?")
    assert "la charte reste" not in answer
    assert_said_nothing_more(s.fake)
    # The question is still open in private.
    assert CHARTER_SAVED in str((await _say(s, "Soyez ponctuels."))["text"])
    await s.fake.next_message(chat=s.village, text_contains="La charte du groupe a été mise à jour")
    assert s.charter() == [("Soyez ponctuels.",)]


async def test_a_half_filled_car_form_does_not_swallow_a_reading(s: Scene) -> None:
    asked = await _say(s, "/ajouter")
    assert "Quel petit nom" in str(asked["text"])
    await _pickup_asked(s.fake, s.village, s.anne, s.paul)

    fuel = await _say(s, "45210")
    assert FUEL in str(fuel["text"])
    await _finish_pickup(s, fuel)
    assert s.readings() == [("pickup", 45210)]

    # The pickup over, the car form, still at its first question, takes her text again.
    described = await _say(s, "Zoé")
    assert "Décrivez-la en une ligne" in str(described["text"])
    assert s.app.user_data[s.anne.id]["car_form"]["name"] == "Zoé"
    assert_said_nothing_more(s.fake)


async def test_a_newer_form_timing_out_hands_the_text_back_to_the_older_one(s: Scene) -> None:
    await _pickup_asked(s.fake, s.village, s.anne, s.paul)
    await _charter_asked(s.fake, s.village, s.anne)
    # PTB schedules the timeout once the button's handler has returned, after its message.
    await s.app.update_queue.join()
    [charter] = [
        handler
        for handler in s.app.handlers[0]
        if isinstance(handler, ConversationHandler) and handler.name == "settings_text"
    ]
    # Its 30 minutes are up: the job PTB scheduled for then runs now.
    await charter.timeout_jobs[(s.anne.id,)].run(s.app)
    assert CURRENT_FORM not in s.app.user_data[s.anne.id]

    assert FUEL in str((await _say(s, "45210"))["text"])
    assert s.charter() == []
    assert_said_nothing_more(s.fake)


async def test_the_current_form_is_kept_across_a_restart(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with running_bot(fake, tmp_path) as app:
        village, anne, paul = await _village(fake, app)
        await _charter_asked(fake, village, anne)
        await _pickup_asked(fake, village, anne, paul)

    async with running_bot(fake, tmp_path) as app:
        s = Scene(fake, app, village, anne, paul, _db_path(app))
        assert app.user_data[anne.id][CURRENT_FORM] == "trip_form"
        assert FUEL in str((await _say(s, "45210"))["text"])
        assert s.charter() == []
        assert_said_nothing_more(fake)
