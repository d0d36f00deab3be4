"""Requests, private decisions, refusals, cancellation and expiry, through the fake Bot API."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram import Update

from bot.booking import BookingMode, CarDraft, Energy
from bot.callbacks import Callback, Kind
from bot.dates import parse_interval
from bot.trips.service import TripRefused
from handlers.common.context import CovoisinApp, CovoisinContext
from handlers.common.guards import has_left
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import (
    MovableClock,
    assert_due_follows_database,
    due_kinds,
    join,
    run_due,
    running_bot,
    services_of,
)


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    clock: MovableClock
    village: FakeChat
    paul: FakeUser
    marie: FakeUser
    luc: FakeUser
    db_path: Path

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    clock = MovableClock()
    paul, marie, luc = fake.add_user("Paul"), fake.add_user("Marie"), fake.add_user("Luc")
    village = fake.add_group("Saint-Martin", members=[paul, marie, luc])
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for member in (paul, marie, luc):
            await join(app, member, village)
        car = await services_of(app).booking.add_car(
            village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert not isinstance(car, Exception)
        yield Scene(
            fake, app, clock, village, paul, marie, luc, tmp_path / "data" / "covoisin.sqlite3"
        )


def _buttons(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def _request(s: Scene, who: FakeUser, text: str) -> dict[str, object]:
    await s.fake.send_text(who, s.village, f"/reserver {text}")
    return await s.fake.next_message(chat=s.village)


async def test_request_accept_and_the_borrower_is_told(s: Scene) -> None:
    ack = await _request(s, s.marie, "clio demain 10h-12h")
    assert "Marie demande la Clio de Paul" in str(ack["text"])
    prompt = await s.fake.next_message(chat=s.paul)
    assert "Marie aimerait emprunter votre Clio" in str(prompt["text"])
    accept, _decline = _buttons(prompt)
    assert s.rows("SELECT status FROM bookings") == [("pending",)]

    await s.fake.press_button(s.paul, prompt, accept)
    told = await s.fake.next_message(chat=s.marie)
    assert "Paul est d'accord" in str(told["text"])
    assert s.rows("SELECT status FROM bookings") == [("accepted",)]
    await s.fake.wait_for_call("editMessageText")
    closed = s.fake.message(s.paul, int(str(prompt["message_id"])))
    assert closed is not None
    assert "Vous avez accepté" in closed["text"]
    assert "reply_markup" not in closed
    assert_said_nothing_more(s.fake)


async def test_overlap_is_refused_with_free_slots_and_nothing_stored(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.next_message(chat=s.marie)

    refusal = await _request(s, s.luc, "clio demain 11h-13h")
    text = str(refusal["text"])
    assert "déjà prêtée" in text
    assert "10:00–12:00" in text
    assert "/reserver clio" in text  # a slot that works
    assert s.rows("SELECT count(*) FROM bookings") == [(1,)]
    assert_said_nothing_more(s.fake)


async def test_decline_with_a_reason(s: Scene) -> None:
    await _request(s, s.luc, "clio demain 15h-17h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, Callback(Kind.DECLINE, 1).data())
    await s.fake.wait_for_call("editMessageText")
    reasons = s.fake.message(s.paul, int(str(prompt["message_id"])))
    assert reasons is not None
    busy = Callback(Kind.DECLINE, 1, "busy").data()
    assert busy in _buttons(reasons)
    await s.fake.press_button(s.paul, reasons, busy)
    told = await s.fake.next_message(chat=s.luc)
    assert "ne peut pas prêter la Clio" in str(told["text"])
    assert "La voiture n'est pas libre" in str(told["text"])
    assert s.rows("SELECT status, decline_reason FROM bookings") == [
        ("declined", "La voiture n'est pas libre")
    ]


async def test_unknown_car_lists_the_names_and_bad_date_explains(s: Scene) -> None:
    refusal = await _request(s, s.marie, "twingo demain")
    assert "twingo" in str(refusal["text"])
    assert "Clio" in str(refusal["text"])
    unclear = await _request(s, s.marie, "clio samdi aprem")
    assert "samdi aprem" in str(unclear["text"])
    assert "Essayez" in str(unclear["text"])
    own = await _request(s, s.paul, "clio demain")
    assert "est à vous" in str(own["text"])
    assert s.rows("SELECT count(*) FROM bookings") == [(0,)]


async def test_forged_and_stale_buttons_change_nothing(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    accept = _buttons(prompt)[0]
    # Luc forges Paul's Accept from his own chat: not his car.
    luc_message = await s.fake.send_private(s.luc, "/aide")
    await s.fake.next_message(chat=s.luc)
    for data in (accept, "v1:acc:999", "v1:acc:x", "garbage", Callback(Kind.CANCEL, 1).data()):
        await s.fake.forge_callback(s.luc, luc_message, data)
        answer = await s.fake.wait_for_call("answerCallbackQuery")
        assert answer.params.get("show_alert") is True
    assert s.rows("SELECT status FROM bookings") == [("pending",)]

    await s.fake.press_button(s.paul, prompt, accept)
    await s.fake.next_message(chat=s.marie)
    # A second press on the same (now closed) decision: already handled, nothing sent.
    await s.fake.forge_callback(s.paul, prompt, accept)
    answer = await s.fake.wait_for_call("answerCallbackQuery", lambda c: "text" in c.params)
    assert "déjà" in answer.params["text"]
    assert_said_nothing_more(s.fake)


async def test_fifty_accepts_at_once_through_the_handlers_make_one_booking(s: Scene) -> None:
    services = services_of(s.app)
    ids = []
    for n in range(50):
        borrower = s.fake.add_user(f"Voisin{n}")
        s.fake.world.set_member(s.village, borrower, "member")
        await join(s.app, borrower, s.village)
        now = services.clock()
        interval = parse_interval(
            f"demain {8 + n % 4}h-{12 + n % 4}h", now.astimezone(ZoneInfo("Europe/Paris"))
        )
        result = await services.booking.request(s.village.id, borrower.id, "clio", interval)
        ids.append(result.booking.id)  # type: ignore[union-attr]
    updates = [
        Update.de_json(
            {
                "update_id": 10_000 + i,
                "callback_query": {
                    "id": f"q{i}",
                    "from": s.paul.to_dict(),
                    "chat_instance": "p",
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": s.paul.id, "type": "private"},
                    },
                    "data": Callback(Kind.ACCEPT, booking_id).data(),
                },
            },
            s.app.bot,
        )
        for i, booking_id in enumerate(ids)
    ]
    await asyncio.gather(*(s.app.process_update(u) for u in updates))
    assert s.rows("SELECT count(*) FROM bookings WHERE status = 'accepted'") == [(1,)]
    assert s.rows("SELECT count(*) FROM bookings WHERE status = 'declined'") == [(49,)]


async def test_cancel_from_my_bookings_tells_the_owner(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.next_message(chat=s.marie)

    await s.fake.send_private(s.marie, "/resas")
    listing = await s.fake.next_message(chat=s.marie)
    assert "1. La Clio de Paul" in str(listing["text"])
    await s.fake.press_button(s.marie, listing, Callback(Kind.CANCEL, 1).data())
    notice = await s.fake.next_message(chat=s.paul)
    assert "Marie a annulé" in str(notice["text"])
    assert s.rows("SELECT status, late_cancellation FROM bookings") == [("cancelled", 0)]


async def test_expiry_tells_the_borrower_once_and_survives_a_restart(
    s: Scene, tmp_path: Path
) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    assert (1, "expiry") in await due_kinds(s.app)

    # The bot restarts: the moment is rebuilt from the database.
    async with running_bot(
        s.fake, tmp_path / "restarted", clock=s.clock, db_path=s.db_path
    ) as again:
        assert (1, "expiry") in await due_kinds(again)
        s.clock.advance(timedelta(hours=13))
        assert await run_due(again) >= 1
        assert await run_due(again) == 0  # twice: nothing more happens
        await assert_due_follows_database(again)
    told = await s.fake.next_message(chat=s.marie)
    assert "la demande est annulée" in str(told["text"])
    assert s.rows("SELECT status FROM bookings") == [("expired",)]
    await run_due(s.app)  # the first bot wakes later too: already expired, silence
    assert_said_nothing_more(s.fake)


async def test_windows_mode_and_free_cars(s: Scene) -> None:
    services = services_of(s.app)
    clio = await services.booking.find_car(s.village.id, "clio")
    assert clio is not None
    await services.booking.update_car(
        clio.id,
        s.paul.id,
        CarDraft(name="Clio", seats=5, energy=Energy.PETROL, booking_mode=BookingMode.WINDOWS),
    )
    await s.fake.send_text(s.paul, s.village, "/dispo clio demain 9h-18h")
    posted = await s.fake.next_message(chat=s.village)
    assert "La Clio est disponible" in str(posted["text"])
    assert "09:00–18:00" in str(posted["text"])

    outside = await _request(s, s.marie, "clio demain 19h-20h")
    assert "que pendant ses disponibilités" in str(outside["text"])
    await s.fake.send_text(s.marie, s.village, "/libre demain 10h-12h")
    free = await s.fake.next_message(chat=s.village)
    assert "Clio de Paul" in str(free["text"])
    await s.fake.send_text(s.marie, s.village, "/libre demain 19h-20h")
    none = await s.fake.next_message(chat=s.village)
    assert "Aucune voiture" in str(none["text"])

    denied = await s.fake.send_text(s.luc, s.village, "/dispo clio demain 9h-18h")
    refusal = await s.fake.next_message(chat=s.village)
    assert refusal["reply_to_message"]["message_id"] == denied["message_id"]
    assert "Seuls les propriétaires" in str(refusal["text"])
    assert s.rows("SELECT count(*) FROM availability") == [(1,)]


async def test_an_owner_with_a_closed_private_chat_is_named_in_the_one_group_message(
    s: Scene,
) -> None:
    await s.fake.block_bot(s.paul)
    ack = await _request(s, s.marie, "clio demain 10h-12h")
    assert "Marie demande la Clio de Paul" in str(ack["text"])
    assert "Appuyez sur le bouton" in str(ack["text"])
    assert_said_nothing_more(s.fake)  # no second message in the group

    await s.fake.unblock_bot(s.paul)
    await s.fake.send_private(s.paul, "/start inbox")
    await s.fake.next_message(chat=s.paul)
    prompt = await s.fake.next_message(chat=s.paul)
    assert "Marie aimerait emprunter votre Clio" in str(prompt["text"])
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    assert "Paul est d'accord" in str((await s.fake.next_message(chat=s.marie))["text"])


async def test_a_mention_naming_a_car_and_a_date_is_a_request(s: Scene) -> None:
    # Privacy mode hides plain messages from a bot that is not an admin.
    await s.fake.promote(s.village, s.fake.bot_user)
    bot_name = s.fake.bot_user.username
    await s.fake.send_text(s.marie, s.village, f"@{bot_name} je voudrais la clio demain matin")
    ack = await s.fake.next_message(chat=s.village)
    assert "Marie demande la Clio de Paul" in str(ack["text"])
    assert "08:00–12:00" in str(ack["text"])
    await s.fake.next_message(chat=s.paul)

    await s.fake.send_text(s.luc, s.village, f"@{bot_name} bonjour !")
    hint = await s.fake.next_message(chat=s.village)
    assert "/reserver clio samedi" in str(hint["text"])
    await s.fake.send_text(s.luc, s.village, "la clio demain matin, sans me nommer")
    sync = await s.fake.send_text(s.luc, s.village, "/aide")
    reply = await s.fake.next_message(chat=s.village)
    assert reply["reply_to_message"]["message_id"] == sync["message_id"]
    assert s.rows("SELECT count(*) FROM bookings") == [(1,)]


async def test_fifty_identical_requests_at_once_make_one_prompt_each(s: Scene) -> None:
    # From the private chat: fifty answers in the group would (rightly) wait for Telegram's
    # limit of 20 messages a minute in a group.
    updates = [
        Update.de_json(
            {
                "update_id": 20_000 + i,
                "message": {
                    "message_id": 5_000 + i,
                    "date": 0,
                    "chat": {"id": s.marie.id, "type": "private", "first_name": "Marie"},
                    "from": s.marie.to_dict(),
                    "text": "/reserver clio demain 10h-12h",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
                },
            },
            s.app.bot,
        )
        for i in range(50)
    ]
    await asyncio.gather(*(s.app.process_update(u) for u in updates))
    assert s.rows("SELECT count(*), count(DISTINCT id) FROM bookings WHERE status = 'pending'") == [
        (50, 50)
    ]
    prompts = [
        c
        for c in s.fake.calls
        if c.method == "sendMessage" and c.ok and c.params["chat_id"] == s.paul.id
    ]
    assert len(prompts) == 50
    assert (
        len({p.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] for p in prompts})
        == 50
    )


async def test_an_expiry_due_while_the_bot_was_down_runs_at_start(s: Scene, tmp_path: Path) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    # The bot is down past the request's expiry.
    with sqlite3.connect(s.db_path) as conn:
        conn.execute("UPDATE bookings SET expires_at = '2026-01-01T00:00:00+00:00'")
    async with running_bot(s.fake, tmp_path / "restarted", clock=s.clock, db_path=s.db_path):
        told = await s.fake.next_message(chat=s.marie)  # the scheduler ran it, nobody else
    assert "la demande est annulée" in str(told["text"])
    assert s.rows("SELECT status FROM bookings") == [("expired",)]


async def test_a_manager_who_left_the_group_decides_nothing(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.remove_member(s.village, s.paul)
    # Who leaves takes their car out of the village's pool: Marie hears it, Paul too.
    told = await s.fake.next_message(chat=s.marie)
    assert "Paul a quitté le groupe : votre demande pour sa Clio est annulée" in told["text"]
    paused = await s.fake.next_message(chat=s.paul)
    assert "n'y est plus proposée" in paused["text"]
    assert "Saint-Martin" not in paused["text"]
    assert s.rows("SELECT status FROM bookings") == [("cancelled",)]
    assert s.rows("SELECT paused FROM cars") == [(1,)]
    query = await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    assert "plus partie de ce groupe" in str((s.fake.callback_answer(query) or {})["text"])
    assert s.rows("SELECT status FROM bookings") == [("cancelled",)]
    assert_said_nothing_more(s.fake)


async def test_someone_who_left_sees_no_free_cars_from_the_private_chat(s: Scene) -> None:
    await s.fake.remove_member(s.village, s.luc)
    await s.fake.send_private(s.luc, "/libre demain 10h-12h")
    reply = await s.fake.next_message(chat=s.luc)
    assert "Clio" not in str(reply["text"])


async def test_the_manager_of_a_request_superseded_meanwhile_is_told_why(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    first = await s.fake.next_message(chat=s.paul)
    await _request(s, s.luc, "clio demain 11h-13h")
    second = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, first, _buttons(first)[0])
    await s.fake.next_message(chat=s.marie)
    await s.fake.next_message(chat=s.luc)  # told the car went to someone else
    query = await s.fake.press_button(s.paul, second, _buttons(second)[0])
    await s.fake.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    answer = str((s.fake.callback_answer(query) or {})["text"])
    assert "Trop tard" in answer
    assert "10:00–12:00" in answer


async def test_one_accept_telling_several_closed_chats_posts_one_group_message(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await _request(s, s.luc, "clio demain 11h-13h")
    await s.fake.next_message(chat=s.paul)
    await s.fake.block_bot(s.marie)
    await s.fake.block_bot(s.luc)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    nudge = await s.fake.next_message(chat=s.village)
    assert "Marie" in str(nudge["text"])
    assert "Luc" in str(nudge["text"])
    assert_said_nothing_more(s.fake)


async def test_a_group_link_tells_its_name_to_members_only(s: Scene) -> None:
    stranger = s.fake.add_user("Inconnu")
    await s.fake.send_private(stranger, f"/start group_{s.village.id}")
    reply = await s.fake.next_message(chat=stranger)
    assert "Saint-Martin" not in str(reply["text"])
    await s.fake.send_private(s.marie, f"/start group_{s.village.id}")
    assert "Saint-Martin" in str((await s.fake.next_message(chat=s.marie))["text"])


async def test_an_owners_windows_are_listed_privately(s: Scene) -> None:
    await s.fake.send_text(s.paul, s.village, "/indispo clio du 3 au 10 décembre")
    await s.fake.next_message(chat=s.village)
    await s.fake.send_text(s.paul, s.village, "/dispo clio")
    short = await s.fake.next_message(chat=s.village)
    assert "en privé" in str(short["text"])
    listing = await s.fake.next_message(chat=s.paul)
    assert "indisponible" in str(listing["text"])
    delete = _buttons(listing)[0]
    await s.fake.press_button(s.paul, listing, delete)
    await s.fake.wait_for_call("editMessageText")
    assert s.rows("SELECT count(*) FROM availability") == [(0,)]
    assert_said_nothing_more(s.fake)


async def test_answering_one_line_of_my_bookings_keeps_the_other_buttons(s: Scene) -> None:
    for when in ("demain 10h-12h", "demain 14h-16h"):
        await _request(s, s.marie, f"clio {when}")
        prompt = await s.fake.next_message(chat=s.paul)
        await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
        await s.fake.next_message(chat=s.marie)
    await s.fake.send_private(s.marie, "/resas")
    listing = await s.fake.next_message(chat=s.marie)
    first, second = Callback(Kind.CANCEL, 1).data(), Callback(Kind.CANCEL, 2).data()
    assert {first, second} <= set(_buttons(listing))
    mark = s.fake.mark()
    await s.fake.press_button(s.marie, listing, first)
    await s.fake.wait_for_call("editMessageText", since=mark)
    after = s.fake.message(s.marie, int(str(listing["message_id"])))
    assert after is not None
    assert first not in _buttons(after)
    assert second in _buttons(after)
    assert "C'est annulé" in after["text"]


# What an outside black-box check found (issue 11)


async def _answer_to(s: Scene, query_id: str) -> dict[str, object]:
    await s.fake.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id
    )
    answer = s.fake.callback_answer(query_id)
    assert answer is not None
    return answer


async def test_a_neighbour_pressing_someone_elses_cancel_leaves_the_group_message_as_it_was(
    s: Scene,
) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.next_message(chat=s.marie)
    await s.fake.send_text(s.marie, s.village, "/annuler 1")
    confirm = await s.fake.next_message(chat=s.village)
    before = s.fake.message(s.village, int(str(confirm["message_id"])))

    for _ in range(3):
        query = await s.fake.press_button(s.luc, confirm, _buttons(confirm)[0])
        answer = await _answer_to(s, query)
        assert "ne vous concerne pas" in str(answer["text"])
        assert answer.get("show_alert") is True
    assert s.fake.message(s.village, int(str(confirm["message_id"]))) == before
    edits = s.fake.unconsumed_calls("editMessageText", "editMessageReplyMarkup")
    assert not [c for c in edits if c.params["chat_id"] == s.village.id]
    assert s.rows("SELECT status FROM bookings") == [("accepted",)]

    # The one it is meant for can still confirm.
    await s.fake.press_button(s.marie, confirm, _buttons(confirm)[0])
    await s.fake.next_message(chat=s.paul)  # Paul hears of it
    assert s.rows("SELECT status FROM bookings") == [("cancelled",)]


async def test_accept_pressed_twice_at_once_ends_showing_the_decision_once(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    accept = _buttons(prompt)[0]
    # A slow phone: both presses leave before the bot answers the first.
    first, second = await asyncio.gather(
        s.fake.press_button(s.paul, prompt, accept),
        s.fake.press_button(s.paul, prompt, accept),
    )
    await _answer_to(s, first)
    await _answer_to(s, second)
    told = await s.fake.next_message(chat=s.marie)
    assert "Paul est d'accord" in str(told["text"])
    closed = s.fake.message(s.paul, int(str(prompt["message_id"])))
    assert closed is not None
    assert closed["text"].count("Vous avez accepté") == 1
    assert "déjà reçu une réponse" not in closed["text"]
    assert "reply_markup" not in closed
    assert s.rows("SELECT status FROM bookings") == [("accepted",)]
    assert_said_nothing_more(s.fake)


async def test_a_co_manager_pressing_after_the_owner_sees_who_decided(s: Scene) -> None:
    services = services_of(s.app)
    car = await services.booking.find_car(s.village.id, "clio")
    assert car is not None
    await services.booking.add_manager(car.id, s.paul.id, s.luc.id)
    await _request(s, s.marie, "clio demain 10h-12h")
    to_paul = await s.fake.next_message(chat=s.paul)
    to_luc = await s.fake.next_message(chat=s.luc)
    await s.fake.press_button(s.paul, to_paul, _buttons(to_paul)[0])
    await s.fake.next_message(chat=s.marie)
    query = await s.fake.press_button(s.luc, to_luc, _buttons(to_luc)[0])
    await _answer_to(s, query)
    await s.fake.wait_for_call("editMessageText", lambda c: c.params["chat_id"] == s.luc.id)
    closed = s.fake.message(s.luc, int(str(to_luc["message_id"])))
    assert closed is not None and "Paul a accepté" in closed["text"]


async def test_a_borrower_who_leaves_is_withdrawn_and_cannot_be_accepted(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.remove_member(s.village, s.marie)
    notice = await s.fake.next_message(chat=s.paul)
    assert "Marie a quitté le groupe" in str(notice["text"])
    assert "demande pour votre Clio est annulée" in str(notice["text"])
    assert s.rows("SELECT status FROM bookings") == [("cancelled",)]
    assert s.rows(f"SELECT count(*) FROM members WHERE user_id = {s.marie.id}") == [(0,)]

    query = await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    answer = await _answer_to(s, query)
    assert "Marie n'est plus dans le groupe" in str(answer["text"])
    assert s.rows("SELECT status FROM bookings") == [("cancelled",)]
    # Marie is told nothing: no « Bonne route ! » for someone who left.
    assert not [
        c for c in s.fake.unconsumed_calls("sendMessage") if c.params["chat_id"] == s.marie.id
    ]


async def test_a_departure_the_bot_missed_is_found_when_the_owner_accepts(s: Scene) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    # Gone without a service message reaching the bot (it is not an admin, say).
    s.fake.world.set_member(s.village, s.marie, "left")
    query = await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    answer = await _answer_to(s, query)
    assert "Marie n'est plus dans le groupe" in str(answer["text"])
    assert s.rows("SELECT status FROM bookings") == [("cancelled",)]
    notice = await s.fake.next_message(chat=s.paul)
    assert "Marie a quitté le groupe" in str(notice["text"])


async def test_an_accepted_booking_of_someone_who_leaves_is_cancelled_with_its_reminders(
    s: Scene,
) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.next_message(chat=s.marie)
    assert (1, "pickup") in await due_kinds(s.app)
    await s.fake.remove_member(s.village, s.marie)
    notice = await s.fake.next_message(chat=s.paul)
    assert "sa réservation de votre Clio est annulée" in str(notice["text"])
    assert s.rows("SELECT status, late_cancellation FROM bookings") == [("cancelled", 0)]
    await s.fake.send_private(s.paul, "/aide")  # handled after the departure: jobs settled
    await s.fake.next_message(chat=s.paul)
    assert await due_kinds(s.app) == set()
    await assert_due_follows_database(s.app)


@pytest.mark.parametrize("kind", list(Kind))
async def test_out_of_range_or_garbled_button_data_is_answered_and_changes_nothing(
    s: Scene, kind: Kind
) -> None:
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    tables = ("bookings", "cars", "members", "ledger", "audit_log")
    before = [s.rows(f"SELECT * FROM {table}") for table in tables]
    for data in (
        f"v1:{kind}:" + "9" * 19,
        f"v1:{kind}:-" + "9" * 19,
        f"v1:{kind}:" + "1" * 20,
        f"v1:{kind}:",
        f"v1:{kind}:1:",
        f"v1:{kind}:1:{'x' * 17}",
        f"v1:{kind}",
    ):
        query = await s.fake.forge_callback(s.paul, prompt, data)
        answer = await _answer_to(s, query)
        assert "Je ne reconnais pas ce bouton" in str(answer["text"]), data
    assert [s.rows(f"SELECT * FROM {table}") for table in tables] == before
    assert s.fake.message(s.paul, int(str(prompt["message_id"]))) == prompt


async def test_a_co_manager_who_leaves_no_longer_hears_of_requests(s: Scene) -> None:
    services = services_of(s.app)
    car = await services.booking.find_car(s.village.id, "clio")
    assert car is not None
    await services.booking.add_manager(car.id, s.paul.id, s.luc.id)
    await s.fake.remove_member(s.village, s.luc)
    await s.fake.send_private(s.paul, "/aide")  # handled after the departure
    await s.fake.next_message(chat=s.paul)
    assert await services.booking.managers(car.id) == [s.paul.id]
    await _request(s, s.marie, "clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    assert_said_nothing_more(s.fake)  # nothing for Luc


@pytest.mark.parametrize(
    "command",
    [
        "/reserver " + "x" * 4000,
        "/reserver clio " + "x" * 4000,
        "/reserver clio " + "é" * 4000,
        "/retirer " + "x" * 4000,
        "/libre " + "x" * 4000,
        "/dispo clio " + "x" * 4000,
        "/indispo " + "x" * 4000,
        "/profil @" + "x" * 4000,
        "/garant @" + "x" * 4000,
    ],
)
async def test_a_pasted_page_is_echoed_short_and_always_answered(s: Scene, command: str) -> None:
    await s.fake.send_text(s.marie, s.village, command)
    reply = await s.fake.next_message(chat=s.village)
    assert len(str(reply["text"])) < 600
    assert "x" * 61 not in str(reply["text"]) and "é" * 61 not in str(reply["text"])
    assert not [c for c in s.fake.errors if c.method == "sendMessage"]
    assert s.rows("SELECT count(*) FROM bookings") == [(0,)]


async def test_what_was_kept_for_someone_who_leaves_is_not_delivered_later(s: Scene) -> None:
    await s.fake.block_bot(s.paul)
    await _request(s, s.marie, "clio demain 10h-12h")
    assert s.rows("SELECT count(*) FROM pending_messages") == [(1,)]  # Paul's prompt
    await s.fake.remove_member(s.village, s.paul)
    await s.fake.unblock_bot(s.paul)
    await s.fake.send_private(s.paul, "/start")
    welcome = await s.fake.next_message(chat=s.paul)
    # Only what concerns his own car, told after he left; not Marie's request.
    assert "Marie" not in welcome["text"]
    later = [c.params["text"] for c in s.fake.unconsumed_calls("sendMessage")]
    assert not [text for text in later if "Marie aimerait" in text]


async def test_telegrams_two_notices_of_one_departure_tell_the_owner_once(s: Scene) -> None:
    await s.fake.promote(s.village, s.fake.bot_user)  # an admin bot hears chat_member too
    await _request(s, s.marie, "clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    await s.fake.remove_member(s.village, s.marie)
    await s.fake.next_message(chat=s.paul, text_contains="Marie a quitté le groupe")
    await s.fake.send_private(s.paul, "/aide")  # handled after both notices
    await s.fake.next_message(chat=s.paul)
    assert_said_nothing_more(s.fake)


async def test_a_car_whose_owner_leaves_is_lent_on_by_its_co_manager(s: Scene) -> None:
    services = services_of(s.app)
    car = await services.booking.find_car(s.village.id, "clio")
    assert car is not None
    await services.booking.add_manager(car.id, s.paul.id, s.luc.id)
    await _request(s, s.marie, "clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    to_luc = await s.fake.next_message(chat=s.luc)
    await s.fake.remove_member(s.village, s.paul)
    told = await s.fake.next_message(chat=s.luc, text_contains="Paul a quitté le groupe")
    assert "c'est vous qui répondez aux demandes" in told["text"]
    assert s.rows("SELECT status FROM bookings") == [("pending",)]
    assert s.rows("SELECT paused FROM cars") == [(0,)]
    assert await services.booking.managers(car.id) == [s.luc.id]
    await s.fake.press_button(s.luc, to_luc, _buttons(to_luc)[0])
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    assert s.rows("SELECT status FROM bookings") == [("accepted",)]
    assert_said_nothing_more(s.fake)


async def test_someone_who_leaves_with_a_car_can_still_bring_it_back(s: Scene) -> None:
    services = services_of(s.app)
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    [(start,)] = s.rows("SELECT start_at FROM bookings")
    s.clock.advance(datetime.fromisoformat(str(start)) - s.clock() - timedelta(minutes=30))
    picked = await services.trips.record_pickup(1, s.marie.id, 45000, 4, None)
    assert not isinstance(picked, TripRefused), picked
    await s.fake.remove_member(s.village, s.marie)
    told = await s.fake.next_message(chat=s.paul, text_contains="Marie a quitté le groupe")
    assert "avec votre Clio" in told["text"]
    assert s.rows("SELECT status FROM bookings") == [("active",)]
    returned = await s.fake.send_private(s.marie, "/resas")
    listing = await s.fake.next_message(chat=s.marie)
    assert returned and listing  # /resas in private still reaches her own trip
    give_back = Callback(Kind.RETURN, 1).data()
    query = await s.fake.forge_callback(s.marie, listing, give_back)
    await _answer_to(s, query)
    question = await s.fake.next_message(chat=s.marie)
    assert "compteur" in str(question["text"])
    await s.fake.send_private(s.marie, "45120")
    fuel = await s.fake.next_message(chat=s.marie)
    await s.fake.press_button(s.marie, fuel, Callback(Kind.TRIP_FORM, 1, "f4").data())
    photo = await s.fake.next_message(chat=s.marie)
    await s.fake.press_button(s.marie, photo, Callback(Kind.TRIP_FORM, 1, "skip").data())
    await s.fake.next_message(chat=s.marie, text_contains="rendu")
    await s.fake.next_message(chat=s.paul, text_contains="a rendu votre Clio")
    await s.fake.next_message(chat=s.paul, text_contains="Votre avis sur Marie")
    assert s.rows("SELECT status FROM bookings") == [("returned",)]
    # Marie left the village: she is not asked what she thought of it.
    asked = [c for c in s.fake.unconsumed_calls("sendMessage") if c.params["chat_id"] == s.marie.id]
    assert not [c for c in asked if "Votre avis" in str(c.params["text"])]


async def test_only_telegrams_word_that_someone_left_counts_as_leaving(s: Scene) -> None:
    context = CovoisinContext(s.app)
    s.fake.fail_next(1, status=400, method="getChatMember", description="Bad Request: oops")
    assert not await has_left(context, s.village.id, s.marie.id)  # a failed question
    assert not await has_left(context, s.village.id, s.marie.id)  # still in
    s.fake.world.set_member(s.village, s.marie, "left")
    assert await has_left(context, s.village.id, s.marie.id)
    s.fake.world.set_member(s.village, s.marie, "kicked")
    assert await has_left(context, s.village.id, s.marie.id)


async def test_a_late_chat_member_notice_of_a_departure_changes_nothing(s: Scene) -> None:
    """Telegram's two notices of one departure may come in either order: the chat_member
    update, whose sender is the one who left, does not bring them back."""
    await s.fake.promote(s.village, s.fake.bot_user)
    await _request(s, s.marie, "clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _buttons(prompt)[0])
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    [(start,)] = s.rows("SELECT start_at FROM bookings")
    s.clock.advance(datetime.fromisoformat(str(start)) - s.clock() - timedelta(minutes=30))
    picked = await services_of(s.app).trips.record_pickup(1, s.marie.id, 45000, 4, None)
    assert not isinstance(picked, TripRefused), picked
    await s.fake.remove_member(s.village, s.marie)
    await s.fake.next_message(chat=s.paul, text_contains="Marie a quitté le groupe avec")
    marie = s.marie.to_dict()
    chat = {"id": s.village.id, "type": "supergroup", "title": s.village.title}
    await s.fake.send_raw_update(
        {
            "chat_member": {
                "chat": chat,
                "from": marie,
                "date": 1,
                "old_chat_member": {"user": marie, "status": "member"},
                "new_chat_member": {"user": marie, "status": "left"},
            }
        }
    )
    await s.fake.send_private(s.paul, "/aide")
    await s.fake.next_message(chat=s.paul)
    assert s.rows(f"SELECT count(*) FROM members WHERE user_id = {s.marie.id}") == [(0,)]
    assert_said_nothing_more(s.fake)
