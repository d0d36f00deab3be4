"""The admin scenes of issue 7 through the real `python -m bot` process: Anne, the
town-hall secretary, switches the group to English, bans a member (with every notice),
exports the group as CSV files; and a member asks to be forgotten."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.process import BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser

pytestmark = pytest.mark.e2e

Message = dict[str, Any]
CREATED = "2026-01-01T00:00:00+00:00"
PARIS = ZoneInfo("Europe/Paris")
# Letters every French sentence of the bot is full of and no English one has (the names
# and the car below are plain ASCII).
FRENCH_LETTERS = set("éèàçêùâô«»")


async def _village(fake: FakeTelegram, bot: BotProcess) -> tuple[FakeChat, list[FakeUser]]:
    """Saint-Martin, run by Anne, with Paul's Clio; everyone has opened the private chat."""
    people = [fake.add_user(name, name.lower()) for name in ("Anne", "Paul", "Marie", "Luc")]
    anne, paul, _, _ = people
    # The bot is an admin of the group, as the README advises: it hears admin changes.
    village = fake.add_group("Saint-Martin", members=people[1:], admins=[anne], bot_status=None)
    await fake.add_bot_to_group(village, by=anne, as_admin=True)
    await fake.next_message(chat=village)
    await fake.next_message(chat=anne)
    for member in people:
        await fake.send_private(member, "/start")
        await fake.next_message(chat=member)
        # Their first words in the group make them known members (and @usernames).
        await fake.send_text(member, village, "/profil")
        await fake.next_message(chat=village)
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute(
            "INSERT INTO cars (chat_id, owner_id, name, name_key, seats, energy, created_at) "
            "VALUES (?, ?, 'Clio', 'clio', 5, 'petrol', ?)",
            (village.id, paul.id, CREATED),
        )
        conn.execute("INSERT INTO car_managers VALUES (1, ?, ?)", (paul.id, CREATED))
    return village, people


def _rows(bot: BotProcess, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql))


async def _in_group(fake: FakeTelegram, village: FakeChat, who: FakeUser, text: str) -> str:
    await fake.send_text(who, village, text)
    return str((await fake.next_message(chat=village))["text"])


async def _request_accepted(
    fake: FakeTelegram, village: FakeChat, paul: FakeUser, marie: FakeUser, when: str
) -> None:
    await fake.send_text(marie, village, f"/reserver clio {when}")
    await fake.next_message(chat=village)
    prompt = await fake.next_message(chat=paul, text_contains="aimerait emprunter")
    await fake.press_button(paul, prompt, text="✅ Accepter")
    await fake.next_message(chat=marie, text_contains="d'accord")


async def test_after_anne_chooses_english_every_group_message_is_english(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    village, (anne, paul, marie, luc) = await _village(fake, bot)
    await fake.send_text(anne, village, "/reglages")
    menu = await fake.next_message(chat=village)
    mark = fake.mark()
    await fake.press_button(anne, menu, text="Langue")
    await fake.wait_for_call("editMessageText", since=mark)
    languages = fake.message(village, int(menu["message_id"]))
    assert languages is not None
    mark = fake.mark()
    await fake.press_button(anne, languages, text="English")
    edit = await fake.wait_for_call("editMessageText", since=mark)
    assert edit.params["text"] == "✅ From now on I will speak English in this group."

    start = len(fake.messages_in(village))
    said = [
        await _in_group(fake, village, luc, "/aide"),
        await _in_group(fake, village, marie, "/book clio tomorrow 10am-12pm"),
        await _in_group(fake, village, luc, "/libre demain matin"),
        await _in_group(fake, village, luc, "/voitures"),
        await _in_group(fake, village, paul, "/profil @marie"),
        await _in_group(fake, village, luc, "/reserver clio samdi aprem"),
        await _in_group(fake, village, luc, "/bannir @marie"),
    ]
    await fake.next_message(chat=paul, text_contains="aimerait emprunter")
    assert "/book" in said[0]
    assert "asks for" in said[1] and "Paul" in said[1]
    assert "Clio" in said[2] and "Clio" in said[3]
    assert "Marie" in said[4]
    assert "didn't understand" in said[5] and "tomorrow 2pm-5pm" in said[5]
    assert "admins" in said[6]
    # Nothing else reached the group, and nothing in it since the switch is French.
    later = fake.messages_in(village)[start:]
    bot_said = [m.get("text") for m in later if m["from"]["id"] == fake.bot_user.id]
    assert bot_said == said
    for text in said:
        assert not FRENCH_LETTERS & set(text), text
    # Private messages keep each member's own language (their Telegram app's: French).
    assert_said_nothing_more(fake)


async def test_a_ban_withdraws_marie_s_requests_and_tells_everyone_once(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    village, (anne, paul, marie, luc) = await _village(fake, bot)
    await _request_accepted(fake, village, paul, marie, "demain 10h-12h")
    await fake.send_text(marie, village, "/reserver clio après-demain 10h-12h")
    await fake.next_message(chat=village)
    await fake.next_message(chat=paul, text_contains="aimerait emprunter")

    refused = await _in_group(fake, village, luc, "/bannir @marie")
    assert "réservée aux administrateurs" in refused
    assert _rows(bot, "SELECT count(*) FROM bans") == [(0,)]

    before = len(fake.messages_in(village))
    said = await _in_group(fake, village, anne, "/bannir @marie")
    assert "Marie ne peut plus emprunter ni proposer de voiture" in said
    assert "2 demandes ou réservations annulées" in said
    told = str((await fake.next_message(chat=marie))["text"])
    assert "Saint-Martin" in told and "suspendu" in told
    for _ in range(2):
        owner = str((await fake.next_message(chat=paul))["text"])
        assert "La demande de Marie pour votre Clio est annulée" in owner
    assert len(fake.messages_in(village)) == before + 2  # Anne's command and one answer
    assert sorted(_rows(bot, "SELECT status FROM bookings")) == [("cancelled",), ("declined",)]
    assert _rows(bot, "SELECT action, admin_id, target_id FROM audit_log") == [
        ("ban", anne.id, marie.id)
    ]

    assert "suspendues" in await _in_group(fake, village, marie, "/reserver clio lundi 10h-12h")
    assert _rows(bot, "SELECT count(*) FROM bookings") == [(2,)]
    assert "peut de nouveau" in await _in_group(fake, village, anne, "/debannir @marie")
    assert _rows(bot, "SELECT action FROM audit_log ORDER BY id") == [("ban",), ("unban",)]
    assert_said_nothing_more(fake)


def _csv(fake: FakeTelegram, sent: Message) -> list[dict[str, str]]:
    data = fake.file_bytes(str(sent["document"]["file_id"]))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_anne_exports_the_group_and_every_csv_parses(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    village, (anne, paul, marie, luc) = await _village(fake, bot)
    await _request_accepted(fake, village, paul, marie, "demain 10h-12h")
    await _in_group(fake, village, anne, "/bannir @luc")
    await fake.next_message(chat=luc)

    await fake.send_private(luc, "/export")
    assert "administrateurs" in str((await fake.next_message(chat=luc))["text"])
    await fake.send_private(anne, "/export")
    files = {}
    for _ in range(4):
        sent = await fake.next_message(chat=anne)
        assert "Saint-Martin" in str(sent["caption"])
        files[str(sent["document"]["file_name"])] = sent
    assert set(files) == {"cars.csv", "bookings.csv", "ledger.csv", "audit_log.csv"}

    cars = _csv(fake, files["cars.csv"])
    assert [(car["name"], car["owner_id"], car["owner_name"]) for car in cars] == [
        ("Clio", str(paul.id), "Paul")
    ]
    assert "key_instructions" not in cars[0]  # for the borrower's eyes only
    bookings = _csv(fake, files["bookings.csv"])
    assert [(b["borrower_name"], b["car_name"], b["status"]) for b in bookings] == [
        ("Marie", "Clio", "accepted")
    ]
    # In the group's time, as a spreadsheet reads it: « demain 10h-12h » in Saint-Martin.
    ((start, end),) = _rows(bot, "SELECT start_at, end_at FROM bookings")
    local = [datetime.fromisoformat(t).astimezone(PARIS) for t in (start, end)]
    assert (bookings[0]["start_at"], bookings[0]["end_at"]) == tuple(
        t.strftime("%Y-%m-%d %H:%M") for t in local
    )
    assert (local[0].hour, local[1].hour) == (10, 12)
    audit = _csv(fake, files["audit_log.csv"])
    assert [(a["action"], a["admin_name"], a["target_name"]) for a in audit] == [
        ("ban", "Anne", "Luc")
    ]
    ledger = _csv(fake, files["ledger.csv"])
    assert len(ledger) == _rows(bot, "SELECT count(*) FROM ledger")[0][0]
    assert_said_nothing_more(fake)


async def _mydata(fake: FakeTelegram, who: FakeUser) -> dict[str, Any]:
    await fake.send_private(who, "/mesdonnees")
    sent = await fake.next_message(chat=who)
    data = json.loads(fake.file_bytes(str(sent["document"]["file_id"])))
    assert isinstance(data, dict)
    return data


async def test_marie_is_forgotten_and_her_data_is_then_empty(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    village, (anne, paul, marie, luc) = await _village(fake, bot)
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute(
            "INSERT INTO cars (chat_id, owner_id, name, name_key, seats, energy, created_at) "
            "VALUES (?, ?, 'Twingo', 'twingo', 4, 'petrol', ?)",
            (village.id, marie.id, CREATED),
        )
        conn.execute("INSERT INTO car_managers VALUES (2, ?, ?)", (marie.id, CREATED))
        # Marie borrowed the Clio last month: Paul's history keeps that trip.
        conn.execute(
            "INSERT INTO ledger (chat_id, user_id, kind, other_id, at) VALUES (?, ?, 'lent', ?, ?)",
            (village.id, paul.id, marie.id, CREATED),
        )
    await _request_accepted(fake, village, paul, marie, "demain 10h-12h")
    await fake.send_text(luc, village, "/reserver twingo samedi 10h-12h")
    await fake.next_message(chat=village)
    await fake.next_message(chat=marie, text_contains="aimerait emprunter")
    before = await _mydata(fake, marie)
    assert {"users", "members", "cars", "bookings", "ledger"} <= set(before)

    assert "en privé" in await _in_group(fake, village, marie, "/oublier")
    await fake.send_private(marie, "/oublier")
    question = await fake.next_message(chat=marie)
    assert "retirer votre voiture" in question["text"]
    assert "annuler 2 demandes ou réservations" in question["text"]
    mark = fake.mark()
    await fake.press_button(marie, question, text="Oui, m'oublier")
    done = await fake.wait_for_call("editMessageText", since=mark)
    assert "je ne garde plus rien sur vous" in done.params["text"]
    told_paul = str((await fake.next_message(chat=paul))["text"])
    assert "Marie" in told_paul and "Clio" in told_paul
    told_luc = str((await fake.next_message(chat=luc))["text"])
    assert "Twingo" in told_luc

    assert await _mydata(fake, marie) == {}
    assert _rows(bot, "SELECT count(*) FROM users WHERE first_name = 'Marie'") == [(0,)]
    assert _rows(bot, "SELECT user_id, other_id FROM ledger WHERE kind = 'lent'") == [(paul.id, 0)]
    assert sorted(_rows(bot, "SELECT borrower_id, status FROM bookings")) == [
        (0, "cancelled"),
        (luc.id, "cancelled"),
    ]
    # Anne's export names her « ancien membre » too.
    await fake.send_private(anne, "/export")
    exported = {}
    for _ in range(4):
        sent = await fake.next_message(chat=anne)
        exported[str(sent["document"]["file_name"])] = sent
    bookings = _csv(fake, exported["bookings.csv"])
    assert sorted((b["borrower_name"], b["car_name"]) for b in bookings) == [
        ("Luc", "Twingo"),
        ("ancien membre", "Clio"),
    ]
    assert [c["owner_name"] for c in _csv(fake, exported["cars.csv"])] == ["Paul", "ancien membre"]
    # Paul's record still counts the loan to the member who is gone.
    assert "1 prêt de sa voiture" in await _in_group(fake, village, paul, "/profil")
    assert_said_nothing_more(fake)
