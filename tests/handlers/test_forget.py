"""`/oublier` through the fake Bot API, in process.

Paul lends his Clio in Saint-Martin and his Twingo in Saint-Paul, borrowed Jean's Kangoo
last time (with feedback and a contribution), has another Kangoo booking and request
coming, vouches for Marie and is vouched for by Jean. He asks to be forgotten: everyone
concerned is told privately, nothing about him is left, and his neighbours' history still
counts what happened, with « ancien membre » where his name was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.booking import Accepted, Car, CarDraft, Energy, Requested
from bot.callbacks import Callback, Kind
from bot.dates import Interval
from bot.trips import PickedUp
from handlers.common.context import CovoisinApp
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import (
    MovableClock,
    assert_due_follows_database,
    due_kinds,
    join,
    running_bot,
    services_of,
)

Message = dict[str, Any]
NOT_YOURS = "Ce bouton ne vous concerne pas."


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    clock: MovableClock
    village: FakeChat
    saint_paul: FakeChat
    paul: FakeUser
    marie: FakeUser
    jean: FakeUser
    luc: FakeUser
    clio: Car
    twingo: Car
    kangoo: Car
    db_path: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))

    def snapshot(self) -> list[list[tuple[Any, ...]]]:
        """Every table that a forgetting would change."""
        tables = ("users", "members", "cars", "bookings", "ledger", "feedback", "car_managers")
        return [self.rows(f"SELECT * FROM {table} ORDER BY 1, 2") for table in tables]

    async def about_paul(self) -> dict[str, list[dict[str, object]]]:
        return await services_of(self.app).repos.personal_data.about(self.paul.id)


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    clock = MovableClock()
    paul, marie = fake.add_user("Paul", "paul"), fake.add_user("Marie", "marie")
    jean = fake.add_user("Jean", "jean")
    # Luc never opened the private chat: what he is told waits for him.
    luc = fake.add_user("Luc", "luc", started=False)
    village = fake.add_group("Saint-Martin", members=[paul, marie, jean])
    saint_paul = fake.add_group("Saint-Paul", members=[paul, luc])
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for member in (paul, marie, jean):
            await join(app, member, village)
        for member in (paul, luc):
            await join(app, member, saint_paul)
        services = services_of(app)
        cars = []
        for group, owner, draft in (
            (village, paul, CarDraft("Clio", 5, Energy.PETROL, key_instructions="sous le pot")),
            (saint_paul, paul, CarDraft("Twingo", 4, Energy.PETROL, parked_at="chez Paul")),
            (village, jean, CarDraft("Kangoo", 5, Energy.DIESEL, contribution_per_km_cents=30)),
        ):
            car = await services.booking.add_car(group.id, owner.id, draft)
            assert isinstance(car, Car), car
            cars.append(car)
        db_path = tmp_path / "data" / "covoisin.sqlite3"
        # Reminders would only add messages here.
        with sqlite3.connect(db_path) as conn:
            for group in (village, saint_paul):
                conn.execute(
                    "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) "
                    f"VALUES ({group.id}, {30 * 24 * 3600})"
                )
        clio, twingo, kangoo = cars
        yield Scene(
            fake,
            app,
            clock,
            village,
            saint_paul,
            paul,
            marie,
            jean,
            luc,
            clio,
            twingo,
            kangoo,
            db_path,
        )


def _data(message: Message, kind: Kind, option: str | None = None) -> str:
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            # « Oui » carries the counts it was shown with: `yes` matches `yes_2_5`.
            shown = data.rsplit(":", 1)[-1].split("_")[0]
            if data.startswith(f"v1:{kind}:") and (option is None or shown == option):
                return data
    raise AssertionError(f"no {kind} {option} button on {message.get('text')!r}")


async def _book(
    s: Scene, car: Car, who: FakeUser, days: int, accept: bool = True
) -> Requested | Accepted:
    """A request for `car` in `days` days and an hour, for two hours, accepted by its owner
    unless said."""
    services = services_of(s.app)
    start = s.clock() + timedelta(days=days, hours=1)
    requested = await services.booking.request(
        car.chat_id, who.id, car.name, Interval(start, start + timedelta(hours=2))
    )
    assert isinstance(requested, Requested), requested
    if not accept:
        return requested
    accepted = await services.booking.accept(requested.booking.id, car.owner_id)
    assert isinstance(accepted, Accepted), accepted
    return accepted


async def _alert(s: Scene, who: FakeUser, message: Message, data: str) -> str:
    mark = s.fake.mark()
    await s.fake.forge_callback(who, message, data)
    answer = await s.fake.wait_for_call("answerCallbackQuery", since=mark)
    return str(answer.params.get("text", ""))


async def _edited(s: Scene, who: FakeUser, message: Message, data: str) -> Message:
    """The pressed message as the bot edited it (its new text and buttons)."""
    mark = s.fake.mark()
    await s.fake.press_button(who, message, data)
    edit = await s.fake.wait_for_call("editMessageText", since=mark)
    return {**message, "text": edit.params["text"], "reply_markup": edit.params.get("reply_markup")}


async def _in_group(s: Scene, who: FakeUser, text: str, group: FakeChat | None = None) -> Message:
    chat = group or s.village
    await s.fake.send_text(who, chat, text)
    return await s.fake.next_message(chat=chat)


async def _private(s: Scene, who: FakeUser, text: str) -> Message:
    await s.fake.send_private(who, text)
    return await s.fake.next_message(chat=who)


async def _past_trip(s: Scene) -> tuple[Message, int]:
    """Paul borrowed Jean's Kangoo and brought it back through the bot; he answered the
    feedback with a comment. Returns Jean's feedback question, and the booking."""
    trip = await _book(s, s.kangoo, s.paul, days=1)
    booking_id = trip.booking.id
    picked = await services_of(s.app).trips.record_pickup(booking_id, s.paul.id, 1000, 4, None)
    assert isinstance(picked, PickedUp)
    listed = await _private(s, s.paul, "/resas")
    await s.fake.press_button(s.paul, listed, Callback(Kind.RETURN, booking_id).data())
    await s.fake.next_message(chat=s.paul, text_contains="kilomètres")
    fuel = await _private(s, s.paul, "1040")
    await s.fake.press_button(s.paul, fuel, Callback(Kind.TRIP_FORM, booking_id, "f4").data())
    photo = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, photo, Callback(Kind.TRIP_FORM, booking_id, "skip").data())
    await s.fake.next_message(chat=s.paul, text_contains="rendue")
    await s.fake.next_message(chat=s.jean, text_contains="Paul a rendu votre Kangoo")
    asked_paul = await s.fake.next_message(chat=s.paul, text_contains="Votre avis sur Jean")
    asked_jean = await s.fake.next_message(chat=s.jean, text_contains="Votre avis sur Paul")
    up = await _edited(s, s.paul, asked_paul, _data(asked_paul, Kind.FEEDBACK, "up"))
    await s.fake.send_private(s.paul, "Merci Jean, Kangoo impeccable")
    await s.fake.next_message(chat=s.paul, text_contains="Commentaire noté")
    await _edited(s, s.paul, up, _data(up, Kind.FEEDBACK, "send"))
    return asked_jean, booking_id


async def _paul_lives_in_two_villages(s: Scene) -> tuple[Message, int]:
    asked_jean, past = await _past_trip(s)
    await _book(s, s.clio, s.marie, days=2)
    await _book(s, s.clio, s.marie, days=3, accept=False)
    await _book(s, s.twingo, s.luc, days=2)
    await _book(s, s.kangoo, s.paul, days=4)
    await _book(s, s.kangoo, s.paul, days=5, accept=False)
    assert "se porte garant" in (await _in_group(s, s.paul, "/garant @marie"))["text"]
    assert "se porte garant" in (await _in_group(s, s.jean, "/garant @paul"))["text"]
    return asked_jean, past


async def test_paul_is_forgotten_and_his_neighbours_history_stays_true(s: Scene) -> None:
    asked_jean, past = await _paul_lives_in_two_villages(s)
    before = await s.about_paul()
    assert {"users", "members", "cars", "bookings", "ledger", "feedback"} <= set(before)

    # In the group, one short answer: this is done in private.
    in_group = await _in_group(s, s.paul, "/oublier")
    assert "en privé" in in_group["text"]
    assert "url" in str(in_group["reply_markup"])

    question = await _private(s, s.paul, "/oublier")
    assert "retirer vos 2 voitures" in question["text"]
    assert "annuler 5 demandes ou réservations" in question["text"]
    assert "« ancien membre »" in question["text"]
    yes = _data(question, Kind.FORGET, "yes")
    assert yes == Callback(Kind.FORGET, s.paul.id, "yes_2_5").data()

    # Refusals: someone else's confirmation, a forged one, an unknown answer, « Non ».
    snapshot = s.snapshot()
    hello = await _private(s, s.marie, "/resas")
    assert await _alert(s, s.marie, hello, yes) == NOT_YOURS
    forged = Callback(Kind.FORGET, s.marie.id, "yes_2_5").data()
    assert await _alert(s, s.paul, question, forged) == NOT_YOURS
    assert "Je ne reconnais pas" in await _alert(s, s.paul, question, f"v1:forget:{s.paul.id}:all")
    kept = await _edited(s, s.paul, question, _data(question, Kind.FORGET, "no"))
    assert kept["text"] == "D'accord, je ne change rien."
    assert s.snapshot() == snapshot
    assert await s.about_paul() == before

    question = await _private(s, s.paul, "/oublier")
    forgetting = s.fake.mark()
    done = await _edited(s, s.paul, question, _data(question, Kind.FORGET, "yes"))
    assert done["text"].startswith("👋 C'est fait : je ne garde plus rien sur vous.")
    assert done["reply_markup"] is None

    # The borrowers of his cars and the owner of the car he had asked for are told.
    told_marie = [(await s.fake.next_message(chat=s.marie))["text"] for _ in range(2)]
    assert "Paul a retiré la Clio : votre réservation pour" in told_marie[0]
    assert "Paul a retiré la Clio : votre demande pour" in told_marie[1]
    for _ in range(2):
        told_jean = (await s.fake.next_message(chat=s.jean))["text"]
        assert "Paul a annulé sa réservation : la Kangoo" in told_jean
    # Luc's private chat is closed: his notice waits, Saint-Paul hears one line about it.
    nudge = await s.fake.next_message(chat=s.saint_paul)
    assert "Luc" in nudge["text"] and "Paul" not in nudge["text"]
    assert s.rows(f"SELECT count(*) FROM pending_messages WHERE user_id = {s.luc.id}") == [(1,)]
    to_groups = [
        call.params["chat_id"]
        for call in s.fake.calls[forgetting:]
        if call.method == "sendMessage" and int(call.params["chat_id"]) < 0
    ]
    assert to_groups == [s.saint_paul.id]

    # A second press (a double tap lands after the first) changes nothing more.
    snapshot = s.snapshot()
    assert "C'est déjà fait" in await _alert(s, s.paul, question, yes)
    assert s.snapshot() == snapshot

    # Nothing about Paul is left, even once he writes to the bot again.
    assert await s.about_paul() == {}
    sent = await _private(s, s.paul, "/mesdonnees")
    document = sent["document"]
    assert isinstance(document, dict)
    assert json.loads(s.fake.file_bytes(str(document["file_id"]))) == {}
    assert await s.about_paul() == {}
    assert "rien à oublier" in (await _private(s, s.paul, "/oublier"))["text"]

    statuses = s.rows("SELECT status, count(*) FROM bookings GROUP BY status ORDER BY status")
    assert statuses == [("cancelled", 5), ("returned", 1)]
    assert s.rows("SELECT name, removed_at IS NOT NULL, key_instructions, parked_at FROM cars") == [
        ("Clio", 1, None, ""),
        ("Twingo", 1, None, ""),
        ("Kangoo", 0, None, ""),
    ]
    assert s.rows("SELECT comment FROM feedback") == [("",)]

    # Jean still lent his Kangoo once; Paul's vouch for Marie is withdrawn.
    jean = (await _in_group(s, s.jean, "/profil"))["text"]
    assert "1 prêt de sa voiture" in jean
    marie = (await _in_group(s, s.marie, "/profil"))["text"]
    assert "Personne ne s'en porte garant" in marie
    assert "Je ne connais pas encore @paul" in (await _in_group(s, s.jean, "/profil @paul"))["text"]
    # Jean's open contribution names a former member.
    owed = (await _private(s, s.jean, "/resas"))["text"]
    assert "ancien membre doit 12,00" in owed

    # Jean's feedback on the trip: the reveal shows Paul's answer as a former member's, to
    # Jean alone.
    up = await _edited(s, s.jean, asked_jean, _data(asked_jean, Kind.FEEDBACK, "up"))
    await _edited(s, s.jean, up, _data(up, Kind.FEEDBACK, "send"))
    reveal = (await s.fake.next_message(chat=s.jean, text_contains="Les avis"))["text"]
    assert "ancien membre sur Jean : 👍" in reveal
    assert "Jean sur ancien membre : 👍" in reveal
    assert "Merci Jean" not in reveal
    assert s.rows(f"SELECT count(*) FROM feedback WHERE booking_id = {past}") == [(2,)]

    # Nobody was written to who does not exist.
    s.fake.assert_no_bad_requests()
    assert_said_nothing_more(s.fake)


async def test_forgetting_waits_while_a_car_is_on_the_road(s: Scene) -> None:
    services = services_of(s.app)
    lent = await _book(s, s.clio, s.marie, days=0)
    borrowed = await _book(s, s.kangoo, s.paul, days=1)
    for trip, who in ((lent, s.marie), (borrowed, s.paul)):
        picked = await services.trips.record_pickup(trip.booking.id, who.id, 1000, 4, None)
        assert isinstance(picked, PickedUp), picked
    snapshot, before = s.snapshot(), await s.about_paul()

    refused = (await _private(s, s.paul, "/oublier"))["text"]
    assert "Votre Clio est encore chez Marie : attendez son retour" in refused
    assert "La Kangoo de Jean est encore chez vous : rendez-la d'abord" in refused
    assert s.snapshot() == snapshot and await s.about_paul() == before
    assert_said_nothing_more(s.fake)


async def test_a_car_taken_after_the_question_stops_the_confirmation(s: Scene) -> None:
    lent = await _book(s, s.clio, s.marie, days=0)
    question = await _private(s, s.paul, "/oublier")
    assert "annuler 1 demande ou réservation" in question["text"]
    picked = await services_of(s.app).trips.record_pickup(lent.booking.id, s.marie.id, 10, 4, None)
    assert isinstance(picked, PickedUp)
    snapshot, before = s.snapshot(), await s.about_paul()

    mark = s.fake.mark()
    alert = await _alert(s, s.paul, question, _data(question, Kind.FORGET, "yes"))
    assert alert == "Pas tout de suite : je vous explique dans le message."
    # The question is no longer valid: it becomes the answer, without its buttons.
    edit = await s.fake.wait_for_call("editMessageText", since=mark)
    assert "Votre Clio est encore chez Marie" in edit.params["text"]
    assert "reply_markup" not in edit.params
    assert s.snapshot() == snapshot and await s.about_paul() == before
    assert_said_nothing_more(s.fake)


async def test_someone_the_bot_never_met_has_nothing_to_forget(s: Scene) -> None:
    stranger = s.fake.add_user("Zoé")
    await s.fake.send_private(stranger, "/start")
    await s.fake.next_message(chat=stranger)
    assert "rien à oublier" in (await _private(s, stranger, "/oublier"))["text"]
    assert await services_of(s.app).repos.personal_data.about(stranger.id) == {}
    menu = s.fake.commands("all_private_chats", "fr")
    assert menu is not None and "oublier" in [command["command"] for command in menu]
    help_text = (await _private(s, stranger, "/aide"))["text"]
    assert "/oublier — que je vous oublie" in help_text
    assert_said_nothing_more(s.fake)


async def test_the_cancelled_bookings_expire_and_remind_no_more(s: Scene) -> None:
    asked = (await _in_group(s, s.marie, "/reserver clio après-demain 10h-12h"))["text"]
    assert "Paul va répondre" in asked
    prompt = await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    await s.fake.press_button(s.paul, prompt, _data(prompt, Kind.ACCEPT))
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    await s.fake.next_message(chat=s.marie, text_contains="⏰")
    await _in_group(s, s.marie, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    assert {(2, "expiry"), (2, "pending"), (1, "end")} <= await due_kinds(s.app)

    question = await _private(s, s.paul, "/oublier")
    await _edited(s, s.paul, question, _data(question, Kind.FORGET, "yes"))
    for _ in range(2):
        await s.fake.next_message(chat=s.marie, text_contains="Paul a retiré la Clio")
    assert await due_kinds(s.app) == set()
    await assert_due_follows_database(s.app)
    assert_said_nothing_more(s.fake)


async def test_a_booking_made_after_the_question_shows_the_new_summary_first(s: Scene) -> None:
    question = await _private(s, s.paul, "/oublier")
    await _book(s, s.clio, s.marie, days=3, accept=False)
    snapshot, before = s.snapshot(), await s.about_paul()

    mark = s.fake.mark()
    alert = await _alert(s, s.paul, question, _data(question, Kind.FORGET, "yes"))
    assert alert == "Des choses ont changé depuis : voici ce que je ferais maintenant."
    edit = await s.fake.wait_for_call("editMessageText", since=mark)
    assert edit.params["text"] != question["text"]  # one booking more to cancel
    assert s.snapshot() == snapshot and await s.about_paul() == before
    renewed = s.fake.message(s.paul, int(question["message_id"]))
    assert renewed is not None
    done = await _edited(s, s.paul, renewed, _data(renewed, Kind.FORGET, "yes"))
    assert done["text"].startswith("👋 C'est fait")


async def test_a_suspended_member_cannot_escape_the_ban_by_being_forgotten(s: Scene) -> None:
    await services_of(s.app).moderation.ban(s.village.id, s.marie.id, s.paul.id)
    snapshot, before = s.snapshot(), await s.about_paul()
    refused = await _private(s, s.paul, "/oublier")
    assert "ont suspendu vos emprunts" in refused["text"]
    assert s.village.title in refused["text"]
    assert "reply_markup" not in refused or not refused["reply_markup"]
    assert s.snapshot() == snapshot and await s.about_paul() == before
