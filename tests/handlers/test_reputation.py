"""Reputation through the fake Bot API, in process: Marie borrows Paul's Clio twice, both
give feedback, Jean vouches for her, she becomes a trusted neighbour and Paul's Clio takes
her next request at once; the profile is read after every step. Then the refusals: each
answered clearly, nothing stored."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.booking import Accepted, CarDraft, Energy, Requested
from bot.callbacks import Callback, Kind
from bot.dates import Interval
from bot.trips import PickedUp, Returned
from handlers.common.context import CovoisinApp
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import MovableClock, due_kinds, join, running_bot, services_of

Message = dict[str, Any]
NOT_YOURS = "Ce bouton ne vous concerne pas."


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    clock: MovableClock
    village: FakeChat
    paul: FakeUser
    marie: FakeUser
    jean: FakeUser
    luc: FakeUser
    db_path: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))

    def execute(self, sql: str) -> None:
        """A setting written as the admin issue's commands will write it."""
        with sqlite3.connect(self.db_path) as conn:
            conn.execute(sql)

    def counts(self) -> tuple[int, ...]:
        tables = ("ledger", "feedback", "charter_acceptances", "bookings")
        return tuple(self.rows(f"SELECT count(*) FROM {table}")[0][0] for table in tables)


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    clock = MovableClock()
    paul, marie = fake.add_user("Paul", "paul"), fake.add_user("Marie", "marie")
    jean, luc = fake.add_user("Jean", "jean"), fake.add_user("Luc", "luc")
    village = fake.add_group("Saint-Martin", members=[paul, marie, jean, luc])
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for member in (paul, marie, jean, luc):
            await join(app, member, village)
        services = services_of(app)
        car = await services.booking.add_car(
            village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert not isinstance(car, Exception)
        db_path = tmp_path / "data" / "covoisin.sqlite3"
        # Reminders would only add messages here; pickup opens at once.
        with sqlite3.connect(db_path) as conn:
            conn.execute(
                "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) "
                f"VALUES ({village.id}, {30 * 24 * 3600})"
            )
        yield Scene(fake, app, clock, village, paul, marie, jean, luc, db_path)


def _data(message: Message, kind: Kind, option: str | None = None) -> str:
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith(f"v1:{kind}:") and (option is None or data.endswith(f":{option}")):
                return data
    raise AssertionError(f"no {kind} {option} button on {message.get('text')!r}")


async def _press(s: Scene, who: FakeUser, message: Message, data: str) -> Message:
    await s.fake.press_button(who, message, data)
    return await s.fake.next_message(chat=who)


async def _alert(s: Scene, who: FakeUser, message: Message, data: str) -> str:
    mark = s.fake.mark()
    await s.fake.forge_callback(who, message, data)
    answer = await s.fake.wait_for_call("answerCallbackQuery", since=mark)
    return str(answer.params.get("text", ""))


async def _edited(s: Scene, who: FakeUser, message: Message, data: str) -> str:
    mark = s.fake.mark()
    await s.fake.press_button(who, message, data)
    edit = await s.fake.wait_for_call("editMessageText", since=mark)
    return str(edit.params.get("text", "")) + str(edit.params.get("reply_markup", ""))


async def _profile(s: Scene, who: FakeUser, about: str = "") -> str:
    await s.fake.send_text(who, s.village, f"/profil {about}".strip())
    return str((await s.fake.next_message(chat=s.village))["text"])


async def _trip(s: Scene, day: str, km: int) -> tuple[Message, Message, str]:
    """Marie asks for the Clio, Paul accepts, she takes and brings it back; returns both
    feedback prompts (Marie's, Paul's) and the profile line Paul read in his prompt."""
    await s.fake.send_text(s.marie, s.village, f"/reserver clio {day} 10h-12h")
    await s.fake.next_message(chat=s.village, text_contains="Paul va répondre")
    prompt = await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    line = str(prompt["text"]).splitlines()[2]  # under the date
    await s.fake.press_button(s.paul, prompt, _data(prompt, Kind.ACCEPT))
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    await s.fake.next_message(chat=s.marie, text_contains="⏰")
    booking_id = int(s.rows("SELECT max(id) FROM bookings")[0][0])
    services = services_of(s.app)
    picked = await services.trips.record_pickup(booking_id, s.marie.id, km, 4, None)
    assert isinstance(picked, PickedUp), picked
    # The return goes through the bot: the form, then both sides are asked.
    back_button = Callback(Kind.RETURN, booking_id).data()
    await s.fake.send_private(s.marie, "/resas")
    listed = await s.fake.next_message(chat=s.marie, text_contains="Clio")
    question = await _press(s, s.marie, listed, back_button)
    assert "kilomètres" in question["text"]
    await s.fake.send_private(s.marie, str(km + 40))
    fuel = await s.fake.next_message(chat=s.marie)
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, booking_id, "f4").data())
    await _press(s, s.marie, photo, Callback(Kind.TRIP_FORM, booking_id, "skip").data())
    await s.fake.next_message(chat=s.paul, text_contains="a rendu votre Clio")
    asked_marie = await s.fake.next_message(chat=s.marie, text_contains="Votre avis sur Paul")
    asked_paul = await s.fake.next_message(chat=s.paul, text_contains="Votre avis sur Marie")
    assert "caché" in asked_marie["text"]
    return asked_marie, asked_paul, line


async def _answer(
    s: Scene, who: FakeUser, asked: Message, thumb: str, comment: str | None = None
) -> Message:
    """👍 or 👎, the « on time » tag, an optional comment, then « Envoyer »."""
    form = await _edited_message(s, who, asked, _data(asked, Kind.FEEDBACK, thumb))
    tagged = await _edited_message(s, who, form, _data(form, Kind.FEEDBACK, "on_time"))
    assert "✓ À l'heure" in str(tagged["reply_markup"])
    if comment is not None:
        await s.fake.send_private(who, comment)
        kept = await s.fake.next_message(chat=who, text_contains="Commentaire noté")
        return await _edited_message(s, who, kept, _data(kept, Kind.FEEDBACK, "send"))
    return await _edited_message(s, who, tagged, _data(tagged, Kind.FEEDBACK, "send"))


async def _edited_message(s: Scene, who: FakeUser, message: Message, data: str) -> Message:
    """The pressed message as the bot edited it (its new text and buttons)."""
    mark = s.fake.mark()
    await s.fake.press_button(who, message, data)
    edit = await s.fake.wait_for_call("editMessageText", since=mark)
    return {**message, "text": edit.params["text"], "reply_markup": edit.params.get("reply_markup")}


async def _jean_has_lent_once(s: Scene) -> None:
    """Jean lent his Kangoo to Luc last month: a completed trip, so he may vouch."""
    services = services_of(s.app)
    kangoo = await services.booking.add_car(
        s.village.id, s.jean.id, CarDraft(name="Kangoo", seats=5, energy=Energy.DIESEL)
    )
    assert not isinstance(kangoo, Exception)
    start = s.clock() + timedelta(hours=1)
    requested = await services.booking.request(
        s.village.id, s.luc.id, "kangoo", Interval(start, start + timedelta(hours=2))
    )
    assert isinstance(requested, Requested), requested
    accepted = await services.booking.accept(requested.booking.id, s.jean.id)
    assert isinstance(accepted, Accepted)
    await services.trips.record_pickup(requested.booking.id, s.luc.id, 1000, 4, None)
    returned = await services.trips.record_return(requested.booking.id, s.luc.id, 1010, 4, None)
    assert isinstance(returned, Returned)


async def test_marie_becomes_a_trusted_neighbour_and_is_accepted_at_once(s: Scene) -> None:
    profile = await _profile(s, s.marie)
    assert "Marie, membre depuis le" in profile
    assert "0 emprunt, 0 rendu à l'heure" in profile and "👍 0 · 👎 0" in profile
    assert "Personne ne s'en porte garant" in profile

    # First trip: Paul's prompt says it is her first; both answer, the reveal shows both.
    asked_marie, asked_paul, line = await _trip(s, "demain", 45000)
    assert line == "Marie : premier emprunt · 👍 0 · 👎 0"
    profile = await _profile(s, s.paul, "@marie")
    assert "1 emprunt, 1 rendu à l'heure" in profile and "👍 0 · 👎 0" in profile
    sent = await _answer(s, s.marie, asked_marie, "up", "Merci Paul, voiture impeccable.")
    assert "Merci !" in sent["text"]
    # Marie's answer is hidden: Paul's profile does not move yet.
    assert "👍 0 · 👎 0" in await _profile(s, s.paul)
    await _answer(s, s.paul, asked_paul, "up")
    for reader in (s.marie, s.paul):
        reveal = await s.fake.next_message(chat=reader, text_contains="Les avis sur le trajet")
        assert "Marie sur Paul : 👍 · À l'heure" in reveal["text"]
        assert "« Merci Paul, voiture impeccable. »" in reveal["text"]
        assert "Paul sur Marie : 👍 · À l'heure" in reveal["text"]
    profile = await _profile(s, s.marie)
    assert "1 emprunt, 1 rendu à l'heure" in profile and "👍 1 · 👎 0" in profile
    assert "1 prêt de sa voiture" in await _profile(s, s.marie, "@paul")

    # Second trip, same story.
    asked_marie, asked_paul, line = await _trip(s, "après-demain", 45040)
    assert line == "Marie : 1 emprunt, 1 rendu à l'heure · 👍 1 · 👎 0"
    await _answer(s, s.paul, asked_paul, "up")
    await _answer(s, s.marie, asked_marie, "up")
    for reader in (s.marie, s.paul):
        await s.fake.next_message(chat=reader, text_contains="Les avis sur le trajet")
    profile = await _profile(s, s.marie)
    assert "2 emprunts, 2 rendus à l'heure" in profile and "👍 2 · 👎 0" in profile
    assert "Voisin de confiance" not in profile

    # Jean, who lent his car once, vouches for Marie: she is trusted now.
    await _jean_has_lent_once(s)
    await s.fake.send_text(s.jean, s.village, "/garant @marie")
    said = await s.fake.next_message(chat=s.village)
    assert said["text"] == "🤝 Jean se porte garant de Marie."
    profile = await _profile(s, s.luc, "@marie")
    assert "🤝 Garants : Jean" in profile and "Voisin de confiance" in profile

    # Paul lets trusted neighbours have the Clio at once, from its private card.
    await s.fake.send_private(s.paul, "/voitures")
    card = await s.fake.next_message(chat=s.paul)
    switched = await _edited(s, s.paul, card, _data(card, Kind.CAR_AUTO, "on"))
    assert "Ne plus accepter les voisins de confiance" in switched
    assert s.rows("SELECT auto_accept_trusted FROM cars WHERE name = 'Clio'") == [(1,)]

    await s.fake.send_text(s.marie, s.village, "/reserver clio samedi 14h-16h")
    done = await s.fake.next_message(chat=s.village)
    assert done["text"].startswith("✅ C'est réservé : la Clio de Paul pour Marie, samedi")
    told = await s.fake.next_message(chat=s.paul)
    assert "Marie, voisin de confiance, a réservé votre Clio" in told["text"]
    assert "Marie : 2 emprunts, 2 rendus à l'heure · 👍 2 · 👎 0 · 🤝 Jean" in told["text"]
    assert s.rows("SELECT status FROM bookings ORDER BY id DESC LIMIT 1") == [("accepted",)]
    await s.fake.next_message(chat=s.marie, text_contains="⏰")
    profile = await _profile(s, s.marie)
    assert "2 emprunts, 2 rendus à l'heure" in profile and "Voisin de confiance" in profile
    assert_said_nothing_more(s.fake)


async def test_feedback_refusals_change_nothing(s: Scene) -> None:
    asked_marie, asked_paul, _ = await _trip(s, "demain", 45000)
    before = s.counts()
    # Luc forges Marie's button under a message of his own: he was no party to the trip.
    await s.fake.send_private(s.luc, "/profil")
    own = await s.fake.next_message(chat=s.luc)
    alert = await _alert(s, s.luc, own, _data(asked_marie, Kind.FEEDBACK, "up"))
    assert "Seuls la personne qui a emprunté" in alert
    assert s.counts() == before
    # Before the return: Marie's next booking is accepted but not back yet.
    await s.fake.send_text(s.marie, s.village, "/reserver clio après-demain 10h-12h")
    await s.fake.next_message(chat=s.village)
    prompt = await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    await s.fake.press_button(s.paul, prompt, _data(prompt, Kind.ACCEPT))
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    await s.fake.next_message(chat=s.marie, text_contains="⏰")
    before = s.counts()
    early = Callback(Kind.FEEDBACK, 2, "up").data()
    assert "une fois la voiture rendue" in await _alert(s, s.marie, asked_marie, early)
    # A comment over 500 characters is explained and not kept.
    form = await _edited_message(s, s.marie, asked_marie, _data(asked_marie, Kind.FEEDBACK, "up"))
    await s.fake.send_private(s.marie, "x" * 501)
    too_long = await s.fake.next_message(chat=s.marie)
    assert "501 caractères : 500 au plus" in too_long["text"]
    assert s.counts() == before
    await _edited_message(s, s.marie, form, _data(form, Kind.FEEDBACK, "send"))
    after_one = s.counts()
    # A second answer from the same side.
    again = await _alert(s, s.marie, asked_marie, _data(asked_marie, Kind.FEEDBACK, "down"))
    assert "déjà enregistré" in again
    assert s.rows("SELECT side, thumbs_up, comment FROM feedback") == [("borrower", 1, "")]
    assert s.counts() == after_one
    del asked_paul


async def test_vouch_refusals_change_nothing(s: Scene) -> None:
    before = s.counts()
    await s.fake.send_text(s.luc, s.village, "/garant @marie")
    no_trip = await s.fake.next_message(chat=s.village)
    assert "il faut d'abord avoir fait un trajet" in no_trip["text"]
    await _jean_has_lent_once(s)
    before = s.counts()
    await s.fake.send_text(s.jean, s.village, "/garant @jean")
    assert "soi-même" in (await s.fake.next_message(chat=s.village))["text"]
    await s.fake.send_text(s.jean, s.village, "/garant")
    assert "/garant @marie" in (await s.fake.next_message(chat=s.village))["text"]
    await s.fake.send_text(s.jean, s.village, "/garant @personne")
    assert (
        "Je ne connais pas encore @personne" in (await s.fake.next_message(chat=s.village))["text"]
    )
    assert s.counts() == before
    await s.fake.send_text(s.jean, s.village, "/garant @marie")
    await s.fake.next_message(chat=s.village, text_contains="🤝 Jean se porte garant")
    after = s.counts()
    await s.fake.send_text(s.jean, s.village, "/garant @marie")
    assert "déjà garant de Marie" in (await s.fake.next_message(chat=s.village))["text"]
    assert s.counts() == after
    await s.fake.send_text(s.jean, s.village, "/garant retirer @marie")
    withdrawn = await s.fake.next_message(chat=s.village)
    assert withdrawn["text"] == "Jean ne se porte plus garant de Marie."
    assert "Personne ne s'en porte garant" in await _profile(s, s.marie)
    assert_said_nothing_more(s.fake)


async def test_the_charter_comes_before_the_first_request_only(s: Scene) -> None:
    s.execute(
        f"UPDATE group_settings SET charter = 'Rendez la voiture propre.' "
        f"WHERE chat_id = {s.village.id}"
    )
    await s.fake.send_text(s.marie, s.village, "/reserver clio demain 10h-12h")
    charter = await s.fake.next_message(chat=s.village)
    assert "Rendez la voiture propre." in charter["text"]
    assert s.rows("SELECT count(*) FROM bookings") == [(0,)]
    button = _data(charter, Kind.CHARTER)
    assert NOT_YOURS in await _alert(s, s.luc, charter, button)
    assert s.rows("SELECT count(*) FROM charter_acceptances") == [(0,)]
    await s.fake.press_button(s.marie, charter, button)
    await s.fake.next_message(chat=s.village, text_contains="Paul va répondre")
    await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    assert s.rows("SELECT count(*) FROM bookings") == [(1,)]
    # Accepted once: the next request goes straight out.
    await s.fake.send_text(s.marie, s.village, "/reserver clio samedi 10h-12h")
    await s.fake.next_message(chat=s.village, text_contains="Paul va répondre")
    await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    assert s.rows("SELECT count(*) FROM charter_acceptances") == [(1,)]


async def test_a_restart_in_the_middle_of_the_seven_days_reveals_once(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    clock = MovableClock()
    paul, marie = fake.add_user("Paul", "paul"), fake.add_user("Marie", "marie")
    village = fake.add_group("Saint-Martin", members=[paul, marie])
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for member in (paul, marie):
            await join(app, member, village)
        services = services_of(app)
        car = await services.booking.add_car(
            village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert not isinstance(car, Exception)
        start = clock() + timedelta(minutes=30)
        requested = await services.booking.request(
            village.id, marie.id, "clio", Interval(start, start + timedelta(hours=2))
        )
        assert isinstance(requested, Requested)
        booking_id = requested.booking.id
        await services.booking.accept(booking_id, paul.id)
        await services.trips.record_pickup(booking_id, marie.id, 1000, 4, None)
        await services.trips.record_return(booking_id, marie.id, 1030, 4, None)
        await services.reputation.give_feedback(booking_id, paul.id, True, ["clean"])

    # Three days later the bot restarts: the reveal waits for its seventh day.
    clock.advance(timedelta(days=3))
    async with running_bot(fake, tmp_path, clock=clock) as app:
        assert await due_kinds(app) == {(booking_id, "reveal")}
        assert _rows(tmp_path, "SELECT revealed_at IS NULL FROM feedback_rounds") == [(1,)]

    # Down over the seventh day: the reveal runs at start, once, to both.
    clock.advance(timedelta(days=4, minutes=1))
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for reader in (marie, paul):
            reveal = await fake.next_message(chat=reader, text_contains="Les avis sur le trajet")
            assert "Paul sur Marie : 👍 · Propre" in reveal["text"]
            assert "n'a pas répondu en 7 jours" in reveal["text"]
    assert _rows(tmp_path, "SELECT revealed_at IS NOT NULL FROM feedback_rounds") == [(1,)]

    async with running_bot(fake, tmp_path, clock=clock) as app:
        assert await due_kinds(app) == set()
    assert_said_nothing_more(fake)
    profile = _rows(
        tmp_path, "SELECT user_id, thumbs_up FROM ledger WHERE kind = 'feedback_received'"
    )
    assert profile == [(marie.id, 1)]


def _rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "data" / "covoisin.sqlite3") as conn:
        return list(conn.execute(sql))


async def test_a_lost_half_written_answer_asks_again(s: Scene) -> None:
    asked_marie, _, _ = await _trip(s, "demain", 45000)
    form = await _edited_message(s, s.marie, asked_marie, _data(asked_marie, Kind.FEEDBACK, "up"))
    # The bot forgot the draft (as after a restart): the buttons go back to 👍 / 👎.
    assert s.app.user_data[s.marie.id].pop("feedback_draft") is not None
    again = await _edited_message(s, s.marie, form, _data(form, Kind.FEEDBACK, "send"))
    _data(again, Kind.FEEDBACK, "up")
    assert s.rows("SELECT count(*) FROM feedback") == [(0,)]
