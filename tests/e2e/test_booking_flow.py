"""The booking story of the issue, through the real `python -m bot` process."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.e2e.process import BotProcess
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeTelegram, FakeUser

pytestmark = pytest.mark.e2e

Message = dict[str, Any]


async def _say(fake: FakeTelegram, user: FakeUser, text: str) -> Message:
    await fake.send_private(user, text)
    return await fake.next_message(chat=user)


async def _press(fake: FakeTelegram, user: FakeUser, message: Message, label: str) -> Message:
    await fake.press_button(user, message, text=label)
    return await fake.next_message(chat=user)


def _callback(message: Message, starts: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button.get("callback_data", "").startswith(starts):
                return str(button["callback_data"])
    raise AssertionError(f"no {starts} button on {message['text']!r}")


async def test_paul_lends_his_clio_to_the_village(fake: FakeTelegram, bot: BotProcess) -> None:
    paul, marie, luc = fake.add_user("Paul"), fake.add_user("Marie"), fake.add_user("Luc")
    anne = fake.add_user("Anne", started=False)
    village = fake.add_group("Saint-Martin", members=[paul, marie, luc, anne], bot_status=None)
    await fake.add_bot_to_group(village, by=paul)
    await fake.next_message(chat=village)
    await fake.next_message(chat=paul)

    # Paul lists his car in the private chat.
    first = await _say(fake, paul, "/ajouter")
    assert "Saint-Martin" in first["text"]
    # Each answer brings the next question.
    await _say(fake, paul, "clio")
    question = await _say(fake, paul, "Clio grise")  # how many seats?
    question = await _press(fake, paul, question, "5")  # which energy?
    await _press(fake, paul, question, "essence")  # where is it parked?
    question = await _say(fake, paul, "devant la mairie")  # rules?
    question = await _press(fake, paul, question, "Passer")  # a photo?
    question = await _press(fake, paul, question, "Passer")  # a contribution?
    await _press(fake, paul, question, "Passer")  # key instructions?
    mode = await _say(fake, paul, "dans la boîte aux lettres")  # booking mode?
    await fake.press_button(paul, mode, text="Sur demande, à tout moment")
    announcement = await fake.next_message(chat=village)
    assert "Nouvelle voiture : la Clio de Paul" in announcement["text"]
    await fake.next_message(chat=paul, text_contains="C'est fait")

    # He says when it is free.
    await fake.send_text(paul, village, "/dispo clio samedi 9h-18h")
    posted = await fake.next_message(chat=village)
    assert "disponible samedi" in posted["text"]
    assert "09:00–18:00" in posted["text"]

    # Marie asks in the group; Paul accepts privately; Marie is told privately.
    await fake.send_text(marie, village, "/reserver clio samedi 10h-12h")
    ack = await fake.next_message(chat=village)
    assert "Marie demande la Clio de Paul : samedi" in ack["text"]
    assert "10:00–12:00" in ack["text"]
    prompt = await fake.next_message(chat=paul)
    assert "Marie aimerait emprunter votre Clio" in prompt["text"]
    await fake.press_button(paul, prompt, _callback(prompt, "v1:acc:"))
    outcome = await fake.next_message(chat=marie)
    assert "Paul est d'accord" in outcome["text"]

    # Luc's overlapping request is refused with the reason and what would work.
    await fake.send_text(luc, village, "/reserver clio samedi 11h-13h")
    refusal = await fake.next_message(chat=village)
    assert "déjà prêtée" in refusal["text"]
    assert "10:00–12:00" in refusal["text"]
    assert "/reserver clio" in refusal["text"]

    # Luc's next request does not overlap; Paul declines it with a reason.
    await fake.send_text(luc, village, "/reserver clio samedi 14h-16h")
    await fake.next_message(chat=village)
    prompt = await fake.next_message(chat=paul)
    mark = fake.mark()
    await fake.press_button(paul, prompt, _callback(prompt, "v1:dec:"))
    await fake.wait_for_call("editMessageText", since=mark)
    reasons = fake.message(paul, prompt["message_id"])
    assert reasons is not None
    await fake.press_button(paul, reasons, text="Pas cette fois")
    declined = await fake.next_message(chat=luc)
    assert "ne peut pas prêter la Clio" in declined["text"]
    assert "Pas cette fois" in declined["text"]

    # Marie cancels; Paul is told.
    await fake.send_private(marie, "/annuler 1")
    confirm = await fake.next_message(chat=marie)
    assert "La Clio de Paul" in confirm["text"]
    query = await fake.press_button(marie, confirm, _callback(confirm, "v1:can:"))
    notice = await fake.next_message(chat=paul)
    assert "Marie a annulé" in notice["text"]
    answer = await fake.wait_for_call(
        "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query
    )
    assert "C'est annulé" in answer.params["text"]

    # Anne never opened the private chat: her answer waits behind a link in the group.
    await fake.send_text(anne, village, "/reserver clio samedi 15h-17h")
    await fake.next_message(chat=village)
    prompt = await fake.next_message(chat=paul)
    await fake.press_button(paul, prompt, _callback(prompt, "v1:acc:"))
    nudge = await fake.next_message(chat=village)
    assert "Anne" in nudge["text"]
    [[button]] = nudge["reply_markup"]["inline_keyboard"]
    await fake.send_private(anne, "/start " + button["url"].split("?start=")[1])
    await fake.next_message(chat=anne)  # hello, here is what was waiting
    waiting = await fake.next_message(chat=anne)
    assert "Paul est d'accord" in waiting["text"]
    assert_said_nothing_more(fake)

    with sqlite3.connect(bot.db_path) as conn:
        statuses = sorted(row[0] for row in conn.execute("SELECT status FROM bookings"))
    assert statuses == ["accepted", "cancelled", "declined"]
    fake.assert_no_bad_requests()
