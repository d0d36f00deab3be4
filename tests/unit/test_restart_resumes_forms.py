"""A stop and a start of the Application, in process, in the middle of a form: the next
answer continues it where it was. The real process, killed, is tests/e2e/test_restart_forms.py.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from bot.booking import CarDraft, Energy
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeTelegram, FakeUser
from tests.inprocess import join, running_bot, services_of

Message = dict[str, Any]


def _rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "data" / "covoisin.sqlite3") as conn:
        return list(conn.execute(sql))


async def _say(fake: FakeTelegram, user: FakeUser, text: str) -> Message:
    await fake.send_private(user, text)
    return await fake.next_message(chat=user)


async def _press(fake: FakeTelegram, user: FakeUser, message: Message, label: str) -> Message:
    await fake.press_button(user, message, text=label)
    return await fake.next_message(chat=user)


async def test_a_car_form_goes_on_after_a_restart_and_lists_the_car_once(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    paul = fake.add_user("Paul")
    village = fake.add_group("Saint-Martin", members=[paul])
    async with running_bot(fake, tmp_path) as app:
        await join(app, paul, village)
        await _say(fake, paul, "/ajouter")
        await _say(fake, paul, "Clio")
        seats = await _say(fake, paul, "Renault Clio grise")
        assert "places" in seats["text"]
        # What Telegram last said of the group's admins: kept only while the bot runs.
        now = services_of(app).clock()
        app.bot_data.admins.put(village.id, frozenset({paul.id}), now)

    # Stopped between two answers: the answers so far and the question are in the file.
    [(data,)] = _rows(tmp_path, "SELECT data FROM user_data")
    kept = json.loads(data)["car_form"]
    assert (kept["name"], kept["description"], kept["step"]) == ("Clio", "Renault Clio grise", 3)
    assert _rows(tmp_path, "SELECT name, state FROM conversations") == [("car_form", '"filling"')]

    async with running_bot(fake, tmp_path) as app:
        assert app.bot_data.admins.get(village.id, services_of(app).clock()) is None
        # The buttons under the question asked before the restart still answer it.
        energy = await _press(fake, paul, seats, "5")
        parked = await _press(fake, paul, energy, "essence")
        question = await _say(fake, paul, "Devant la mairie")
        for _optional in ("rules", "photo", "contribution", "keys"):
            question = await _press(fake, paul, question, "Passer")
        await fake.press_button(paul, question, text="Sur demande, à tout moment")
        announcement = await fake.next_message(chat=village)
        assert "la Clio de Paul, 5 places, essence" in announcement["text"]
        await fake.next_message(chat=paul, text_contains="C'est fait")
        assert "garée" in parked["text"]
        assert_said_nothing_more(fake)
        [car] = await services_of(app).booking.cars(village.id)
        assert (car.name, car.description, car.energy) == (
            "Clio",
            "Renault Clio grise",
            Energy.PETROL,
        )

    # The form is over: nothing of it is left.
    assert _rows(tmp_path, "SELECT count(*) FROM user_data") == [(0,)]
    assert _rows(tmp_path, "SELECT count(*) FROM conversations") == [(0,)]


async def test_a_charter_held_request_goes_on_after_a_restart(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """The request waiting for « J'accepte » is kept too, as plain data."""
    paul, marie = fake.add_user("Paul"), fake.add_user("Marie")
    village = fake.add_group("Saint-Martin", members=[paul, marie])
    async with running_bot(fake, tmp_path) as app:
        for member in (paul, marie):
            await join(app, member, village)
        car = await services_of(app).booking.add_car(
            village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert not isinstance(car, Exception)
        with sqlite3.connect(tmp_path / "data" / "covoisin.sqlite3") as conn:
            conn.execute(
                "INSERT INTO group_settings (chat_id, charter) "
                f"VALUES ({village.id}, 'Rendez la voiture propre.')"
            )
        await fake.send_text(marie, village, "/reserver clio demain 10h-12h")
        charter = await fake.next_message(chat=village, text_contains="voiture propre")

    async with running_bot(fake, tmp_path) as app:
        await fake.press_button(marie, charter, text="J'accepte")
        await fake.next_message(chat=village, text_contains="Paul va répondre")
        await fake.next_message(chat=paul, text_contains="aimerait emprunter")
        assert _rows(tmp_path, "SELECT borrower_id FROM bookings") == [(marie.id,)]
    assert _rows(tmp_path, "SELECT count(*) FROM user_data") == [(0,)]


async def test_a_form_under_way_is_in_mydata_and_forgetting_erases_it(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    marie = fake.add_user("Marie")
    village = fake.add_group("Saint-Martin", members=[marie])
    async with running_bot(fake, tmp_path) as app:
        await join(app, marie, village)
        await _say(fake, marie, "/ajouter")
        await _say(fake, marie, "Zoé")

        sent = await _say(fake, marie, "/mesdonnees")
        mine = json.loads(fake.file_bytes(str(sent["document"]["file_id"])))
        assert json.loads(mine["user_data"][0]["data"])["car_form"]["name"] == "Zoé"
        [conversation] = mine["conversations"]
        assert (conversation["name"], conversation["state"]) == ("car_form", '"filling"')

        question = await _say(fake, marie, "/oublier")
        mark = fake.mark()
        await fake.press_button(marie, question, text="Oui, m'oublier")
        await fake.wait_for_call("editMessageText", since=mark)
        assert _rows(tmp_path, "SELECT count(*) FROM user_data") == [(0,)]
        assert _rows(tmp_path, "SELECT count(*) FROM conversations") == [(0,)]
        # Nor in memory, where an old answer could still be acted on.
        assert not app.user_data.get(marie.id)
        # Back in the group, she is someone the bot knows again; her old answers stay gone.
        await fake.send_text(marie, village, "/voitures")
        await fake.next_message(chat=village)
        assert _rows(tmp_path, f"SELECT count(*) FROM users WHERE user_id = {marie.id}") == [(1,)]
        await app.update_persistence()
        assert _rows(tmp_path, "SELECT count(*) FROM user_data") == [(0,)]

    # Stopping writes what changed since: nothing of her form comes back.
    assert _rows(tmp_path, "SELECT count(*) FROM user_data") == [(0,)]
    assert _rows(tmp_path, "SELECT count(*) FROM conversations") == [(0,)]
