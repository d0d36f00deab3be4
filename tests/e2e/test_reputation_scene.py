"""The reputation scene of the issue through the real `python -m bot` process: Marie
borrows Paul's Clio twice, both give feedback, Jean vouches for her, she becomes a trusted
neighbour and the Clio accepts her next request at once; the profile after every step."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.e2e.process import BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser

pytestmark = pytest.mark.e2e

Message = dict[str, Any]
CREATED = "2026-01-01T00:00:00+00:00"


def _callback(message: Message, starts: str, ends: str = "") -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith(starts) and data.endswith(ends):
                return data
    raise AssertionError(f"no {starts} button on {message['text']!r}")


async def _press(fake: FakeTelegram, user: FakeUser, message: Message, starts: str) -> Message:
    await fake.press_button(user, message, _callback(message, starts))
    return await fake.next_message(chat=user)


async def _answer(fake: FakeTelegram, user: FakeUser, text: str) -> Message:
    await fake.send_private(user, text)
    return await fake.next_message(chat=user)


async def _edited(
    fake: FakeTelegram, user: FakeUser, message: Message, starts: str, ends: str = ""
) -> Message:
    """The pressed message as the bot edited it (its new text and buttons)."""
    mark = fake.mark()
    await fake.press_button(user, message, _callback(message, starts, ends))
    edit = await fake.wait_for_call("editMessageText", since=mark)
    return {**message, "text": edit.params["text"], "reply_markup": edit.params.get("reply_markup")}


async def _profile(fake: FakeTelegram, village: FakeChat, who: FakeUser, about: str = "") -> str:
    await fake.send_text(who, village, f"/profil {about}".strip())
    return str((await fake.next_message(chat=village))["text"])


async def _village(fake: FakeTelegram, bot: BotProcess) -> tuple[FakeChat, list[FakeUser]]:
    """Paul's Clio in Saint-Martin; Jean lent his Kangoo last month, as the ledger says."""
    people = [fake.add_user(name, name.lower()) for name in ("Paul", "Marie", "Jean")]
    paul, _, jean = people
    village = fake.add_group("Saint-Martin", members=people, bot_status=None)
    await fake.add_bot_to_group(village, by=paul)
    await fake.next_message(chat=village)
    await fake.next_message(chat=paul)
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
        conn.execute(
            "INSERT INTO ledger (chat_id, user_id, kind, at) VALUES (?, ?, 'lent', ?)",
            (village.id, jean.id, CREATED),
        )
        # The pickup opens (and its reminder goes) as soon as a booking is accepted.
        conn.execute(
            "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) VALUES (?, ?)",
            (village.id, 30 * 24 * 3600),
        )
    return village, people


async def _trip(
    fake: FakeTelegram, village: FakeChat, paul: FakeUser, marie: FakeUser, day: str, km: int
) -> str:
    """Request, accept, pickup, return and both 👍; returns the line in Paul's prompt."""
    await fake.send_text(marie, village, f"/reserver clio {day} 10h-12h")
    await fake.next_message(chat=village, text_contains="Paul va répondre")
    prompt = await fake.next_message(chat=paul, text_contains="aimerait emprunter")
    await fake.press_button(paul, prompt, _callback(prompt, "v1:acc:"))
    await fake.next_message(chat=marie, text_contains="d'accord")
    reminder = await fake.next_message(chat=marie, text_contains="⏰")
    await _press(fake, marie, reminder, "v1:pick:")
    fuel = await _answer(fake, marie, str(km))
    photo = await _press(fake, marie, fuel, "v1:trip:")
    done = await _press(fake, marie, photo, "v1:trip:")
    await fake.next_message(chat=paul, text_contains="a pris votre Clio")
    await _press(fake, marie, done, "v1:ret:")
    fuel = await _answer(fake, marie, str(km + 40))
    photo = await _press(fake, marie, fuel, "v1:trip:")
    await _press(fake, marie, photo, "v1:trip:")
    await fake.next_message(chat=paul, text_contains="a rendu votre Clio")
    for who, other in ((marie, "Paul"), (paul, "Marie")):
        asked = await fake.next_message(chat=who, text_contains=f"Votre avis sur {other}")
        chosen = await _edited(fake, who, asked, "v1:fb:", ":up")
        await _edited(fake, who, chosen, "v1:fb:", ":send")
    for reader in (marie, paul):
        reveal = await fake.next_message(chat=reader, text_contains="Les avis sur le trajet")
        assert "Marie sur Paul : 👍" in reveal["text"] and "Paul sur Marie : 👍" in reveal["text"]
    return str(prompt["text"]).splitlines()[2]  # the profile line, under the date


async def test_marie_becomes_trusted_and_the_clio_accepts_her_at_once(
    fake: FakeTelegram, bot: BotProcess
) -> None:
    village, (paul, marie, jean) = await _village(fake, bot)
    profile = await _profile(fake, village, paul, "@marie")
    assert "0 emprunt" in profile and "Personne ne s'en porte garant" in profile

    assert await _trip(fake, village, paul, marie, "demain", 45000) == (
        "Marie : premier emprunt · 👍 0 · 👎 0"
    )
    profile = await _profile(fake, village, marie)
    assert "1 emprunt, 1 rendu à l'heure" in profile and "👍 1 · 👎 0" in profile

    assert await _trip(fake, village, paul, marie, "après-demain", 45040) == (
        "Marie : 1 emprunt, 1 rendu à l'heure · 👍 1 · 👎 0"
    )
    profile = await _profile(fake, village, marie)
    assert "2 emprunts, 2 rendus à l'heure" in profile and "👍 2 · 👎 0" in profile
    assert "Voisin de confiance" not in profile

    await fake.send_text(jean, village, "/garant @marie")
    assert (await fake.next_message(chat=village))["text"] == "🤝 Jean se porte garant de Marie."
    profile = await _profile(fake, village, jean, "@marie")
    assert "🤝 Garants : Jean" in profile and "Voisin de confiance" in profile

    await fake.send_private(paul, "/voitures")
    card = await fake.next_message(chat=paul)
    await _edited(fake, paul, card, "v1:cauto:1:on")

    await fake.send_text(marie, village, "/reserver clio samedi 14h-16h")
    done = await fake.next_message(chat=village)
    assert done["text"].startswith("✅ C'est réservé : la Clio de Paul pour Marie")
    told = await fake.next_message(chat=paul)
    assert "Marie, voisin de confiance, a réservé votre Clio" in told["text"]
    await fake.next_message(chat=marie, text_contains="⏰")
    profile = await _profile(fake, village, paul, "@marie")
    assert "2 emprunts, 2 rendus à l'heure" in profile and "Voisin de confiance" in profile
    assert_said_nothing_more(fake)
