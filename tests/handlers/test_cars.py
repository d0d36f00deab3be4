"""Cars through the real Application and the fake Bot API: listing one, the cards, removal,
co-managers. The group gets at most one message per action; the rest is private."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.booking import BookingMode, Car, CarDraft, Energy, Requested
from bot.callbacks import Callback, Kind
from bot.dates import Interval
from handlers.common.context import CovoisinApp
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import running_bot, services_of

PARIS = ZoneInfo("Europe/Paris")
AUTO_ACCEPT = "🤝 Accepter les voisins de confiance sans attendre"
# A PNG header is all the fake reads to size a picture: 1280×960 comes in four sizes.
BIG_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 1280, 960) + b"\x08\x06"

Message = dict[str, Any]


@dataclass(frozen=True)
class Village:
    group: FakeChat
    paul: FakeUser
    marie: FakeUser
    jean: FakeUser


@pytest.fixture
async def app(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[CovoisinApp]:
    async with running_bot(fake, tmp_path) as application:
        yield application


@pytest.fixture
def village(fake: FakeTelegram) -> Village:
    paul = fake.add_user("Paul", "paul_v")
    marie = fake.add_user("Marie", "marie_v")
    jean = fake.add_user("Jean", "jean_v")
    group = fake.add_group("Village", members=[paul, marie, jean])
    return Village(group, paul, marie, jean)


async def _in_group(fake: FakeTelegram, user: FakeUser, group: FakeChat, text: str) -> Message:
    await fake.send_text(user, group, text)
    return await fake.next_message(chat=group)


async def _meet(fake: FakeTelegram, group: FakeChat, *users: FakeUser) -> None:
    """The bot learns who is in the group from their commands there."""
    for user in users:
        await _in_group(fake, user, group, "/voitures")


async def _say(fake: FakeTelegram, user: FakeUser, text: str) -> Message:
    await fake.send_private(user, text)
    return await fake.next_message(chat=user)


async def _press(fake: FakeTelegram, user: FakeUser, message: Message, label: str) -> str:
    return await fake.press_button(user, message, text=label)


async def _press_and_read(
    fake: FakeTelegram, user: FakeUser, message: Message, label: str
) -> Message:
    await _press(fake, user, message, label)
    return await fake.next_message(chat=user)


def _labels(message: Message) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def _answered(fake: FakeTelegram, query_id: str) -> str:
    await fake.wait_for_call(
        "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query_id
    )
    answer = fake.callback_answer(query_id)
    assert answer is not None
    return str(answer.get("text") or "")


async def _edited(fake: FakeTelegram, chat: FakeChat | FakeUser, message: Message) -> Message:
    """The message once the bot has edited it (after answering the press)."""
    await fake.wait_for_call(
        "editMessageText",
        lambda call: (
            str(call.params["chat_id"]) == str(chat.id)
            and call.params["message_id"] == message["message_id"]
        ),
    )
    edited = fake.message(chat, message["message_id"])
    assert edited is not None
    return edited


async def _car(app: CovoisinApp, car_id: int) -> Car:
    car = await services_of(app).booking.car(car_id)
    assert car is not None
    return car


async def _cars(app: CovoisinApp, chat_id: int) -> list[Car]:
    return await services_of(app).booking.cars(chat_id)


async def _list_car(
    app: CovoisinApp, chat_id: int, owner: FakeUser, name: str, **fields: Any
) -> Car:
    draft = CarDraft(name=name, seats=5, energy=Energy.PETROL, parked_at="devant la mairie")
    car = await services_of(app).booking.add_car(chat_id, owner.id, replace(draft, **fields))
    assert isinstance(car, Car)
    return car


async def _open_form_from_group(fake: FakeTelegram, village: Village) -> Message:
    """/ajouter in the group, then the button's link: the first question in private."""
    invite = await _in_group(fake, village.paul, village.group, "/ajouter")
    [[button]] = invite["reply_markup"]["inline_keyboard"]
    payload = button["url"].split("?start=")[1]
    assert payload == f"addcar_{village.group.id}"
    assert_said_nothing_more(fake)
    return await _say(fake, village.paul, f"/start {payload}")


async def test_listing_a_car_from_the_group_link_to_the_announcement(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    paul = village.paul
    first = await _open_form_from_group(fake, village)
    assert "Village" in first["text"] and "petit nom" in first["text"]

    await _say(fake, paul, "Clio")
    seats = await _say(fake, paul, "Renault Clio grise, 5 portes & clim <3")
    assert _labels(seats) == ["2", "3", "4", "5", "6", "7"]
    question = await _press_and_read(fake, paul, seats, "5")
    assert _labels(question) == ["essence", "diesel", "électrique", "hybride"]
    # The pressed answer stays written under its question once the buttons are gone.
    answered = await _edited(fake, paul, seats)
    assert answered["text"].endswith("\n→ 5") and not _labels(answered)
    question = await _press_and_read(fake, paul, question, "essence")
    assert "garée" in question["text"]
    question = await _say(fake, paul, "Devant la mairie")
    assert _labels(question) == ["Passer"]
    question = await _say(fake, paul, "pas d'animaux, on rend le plein fait")
    assert "photo" in question["text"]
    await fake.send_photo(paul, None, data=BIG_PNG)
    question = await fake.next_message(chat=paul)
    assert "participation" in question["text"]
    question = await _say(fake, paul, "0,30 €/km et 10 €/jour")
    assert "🔑" in question["text"]
    question = await _say(fake, paul, "dans la boîte aux lettres, code 1234")
    await _press(fake, paul, question, "Sur demande, à tout moment")

    announcement = await fake.next_message(chat=village.group)
    assert announcement["caption"] == (
        "🚗 Nouvelle voiture : la Clio de Paul, 5 places, essence, garée devant la mairie. "
        "Pour la demander : /reserver Clio samedi matin"
    )
    confirmation = await fake.next_message(chat=paul)
    assert confirmation["text"].startswith("✅ C'est fait : votre Clio est proposée")
    for shown in (
        "0,30\xa0€/km et 10,00\xa0€ par jour",
        "🔑 Clés : dans la boîte",
        "pas d'animaux",
    ):
        assert shown in confirmation["text"]
    assert _labels(confirmation) == ["Mettre en pause", "Modifier", AUTO_ACCEPT, "Retirer"]
    assert_said_nothing_more(fake)

    [car] = await _cars(app, village.group.id)
    largest = announcement["photo"][-1]
    assert (car.name, car.owner_id, car.seats, car.energy) == ("Clio", paul.id, 5, Energy.PETROL)
    assert car.description == "Renault Clio grise, 5 portes & clim <3"
    assert "5 portes & clim <3" in confirmation["text"]
    assert car.parked_at == "Devant la mairie"
    assert car.rules == "pas d'animaux, on rend le plein fait"
    assert (car.contribution_per_km_cents, car.contribution_per_day_cents) == (30, 1000)
    assert car.key_instructions == "dans la boîte aux lettres, code 1234"
    assert car.booking_mode is BookingMode.ON_REQUEST
    assert car.photo_file_id is not None
    # The largest of the sizes Telegram sent is the one kept (and shown in the group).
    assert fake.file_bytes(car.photo_file_id) == fake.file_bytes(largest["file_id"])
    assert largest["width"] == 1280


async def _fill_skipping(fake: FakeTelegram, user: FakeUser) -> Message:
    """Answers every question, skipping the optional ones; returns the last question."""
    await _say(fake, user, "kangoo")
    seats = await _say(fake, user, "Renault Kangoo blanc")
    energy = await _press_and_read(fake, user, seats, "7")
    await _press_and_read(fake, user, energy, "diesel")
    rules = await _say(fake, user, "place de l'église")
    photo = await _press_and_read(fake, user, rules, "Passer")
    contribution = await _press_and_read(fake, user, photo, "Passer")
    keys = await _press_and_read(fake, user, contribution, "Passer")
    return await _press_and_read(fake, user, keys, "Passer")


async def test_private_chat_with_one_group_skipping_what_is_optional(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.marie)
    first = await _say(fake, village.marie, "/ajouter")
    assert "« Village »" in first["text"]
    mode = await _fill_skipping(fake, village.marie)
    await _press(fake, village.marie, mode, "Seulement pendant mes disponibilités")
    announcement = await fake.next_message(chat=village.group)
    assert "la Kangoo de Marie, 7 places, diesel, garée place de l'église" in announcement["text"]
    await fake.next_message(chat=village.marie, text_contains="C'est fait")
    assert_said_nothing_more(fake)

    [car] = await _cars(app, village.group.id)
    assert (car.rules, car.photo_file_id, car.key_instructions) == ("", None, None)
    assert (car.contribution_per_km_cents, car.contribution_per_day_cents) == (None, None)
    assert car.booking_mode is BookingMode.WINDOWS


async def test_private_chat_with_two_groups_asks_which(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    hameau = fake.add_group("Hameau", members=[village.marie])
    await _meet(fake, village.group, village.marie)
    await _meet(fake, hameau, village.marie)
    choice = await _say(fake, village.marie, "/ajouter")
    assert _labels(choice) == ["Hameau", "Village"]
    first = await _press_and_read(fake, village.marie, choice, "Hameau")
    assert "« Hameau »" in first["text"]
    mode = await _fill_skipping(fake, village.marie)
    await _press(fake, village.marie, mode, "Sur demande, à tout moment")
    await fake.next_message(chat=hameau)
    await fake.next_message(chat=village.marie, text_contains="C'est fait")
    assert_said_nothing_more(fake)
    assert [car.name for car in await _cars(app, hameau.id)] == ["kangoo"]
    assert await _cars(app, village.group.id) == []


async def test_private_chat_without_group_explains_where_to_start(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    stranger = fake.add_user("Luc")
    reply = await _say(fake, stranger, "/ajouter")
    assert "dans le groupe de votre village" in reply["text"]
    assert_said_nothing_more(fake)


async def test_a_link_to_a_group_one_is_not_in_lists_nothing(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul)
    outsider = fake.add_user("Luc")
    reply = await _say(fake, outsider, f"/start addcar_{village.group.id}")
    # Nothing about the group, its title included, reaches someone who is not in it.
    assert "Je ne vous trouve pas dans ce groupe" in reply["text"]
    assert "Village" not in reply["text"]
    assert_said_nothing_more(fake)


async def test_wrong_answers_are_explained_and_asked_again_then_cancel_leaves_nothing(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    paul = village.paul
    await _open_form_from_group(fake, village)
    refused = await _say(fake, paul, "ma voiture")
    assert "« ma voiture » ne convient pas" in refused["text"] and "« clio »" in refused["text"]
    await fake.send_photo(paul, None)
    assert "petit nom" in (await fake.next_message(chat=paul))["text"]
    await _say(fake, paul, "clio")
    seats = await _say(fake, paul, "Clio grise")
    again = await _say(fake, paul, "abc")
    assert "chiffre de 1 à 9, par exemple 5" in again["text"]
    assert _labels(again) == _labels(seats)  # the question's buttons come back with it
    energy = await _say(fake, paul, "4 places")
    parked = await _say(fake, paul, "Électrique")  # typed rather than pressed
    assert parked["text"].startswith("Où est-elle garée")
    # A button from an earlier question is old now.
    query = await _press(fake, paul, energy, "diesel")
    assert await _answered(fake, query) == "Ce bouton n'est plus valable."
    rules = await _say(fake, paul, "devant la mairie")
    assert _labels(rules) == ["Passer"]
    photo = await _press_and_read(fake, paul, rules, "Passer")
    not_a_photo = await _say(fake, paul, "la voilà")
    assert "J'attends une photo" in not_a_photo["text"]
    assert _labels(not_a_photo) == ["Passer"]
    contribution = await _press_and_read(fake, paul, photo, "Passer")
    assert contribution["text"].startswith("Voulez-vous suggérer une participation")
    for typed, expected in [
        ("-3 €/km", "ne peut pas être négative"),
        ("beaucoup", "Je n'ai pas compris « beaucoup »"),
        ("0,30", "par km ou par jour ?"),
        ("8 €/km", "5,00\xa0€ par km au plus"),
    ]:
        assert expected in (await _say(fake, paul, typed))["text"]
    keys = await _say(fake, paul, "0,30 €/km")
    mode = await _press_and_read(fake, paul, keys, "Passer")
    assert "l'un des deux boutons" in (await _say(fake, paul, "sur demande"))["text"]

    cancelled = await _say(fake, paul, "/annuler")
    assert cancelled["text"].startswith("❌ C'est annulé, je n'ai rien enregistré")
    # The form is over: its last buttons are old too.
    query = await _press(fake, paul, mode, "Sur demande, à tout moment")
    assert await _answered(fake, query) == "Ce bouton n'est plus valable."
    assert_said_nothing_more(fake)
    assert await _cars(app, village.group.id) == []


async def test_a_taken_name_is_refused_with_another_to_try(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.marie)
    await _list_car(app, village.group.id, village.marie, "Clio")
    await _open_form_from_group(fake, village)
    refused = await _say(fake, village.paul, "CLÏO")
    assert "Le nom « CLÏO » est déjà pris" in refused["text"]
    assert "« clio-paul »" in refused["text"]
    accepted = await _say(fake, village.paul, "clio-paul")
    assert "Décrivez-la" in accepted["text"]
    assert_said_nothing_more(fake)


async def test_cars_in_the_group_in_one_message(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    await _list_car(app, village.group.id, village.paul, "clio")
    kangoo = await _list_car(
        app, village.group.id, village.marie, "kangoo", seats=7, energy=Energy.DIESEL
    )
    await services_of(app).booking.set_paused(kangoo.id, village.marie.id, True)
    listing = await _in_group(fake, village.jean, village.group, "/cars")
    assert listing["text"] == (
        "🚗 Les voitures du groupe :\n"
        "• Clio de Paul : 5 places, essence, sur demande\n"
        "• Kangoo de Marie : 7 places, diesel, en pause\n"
        "Pour en demander une : /reserver clio samedi matin"
    )
    assert_said_nothing_more(fake)


async def _card(fake: FakeTelegram, user: FakeUser) -> Message:
    card = await _say(fake, user, "/voitures")
    assert card["text"].startswith("🚗 ")
    return card


async def test_pause_and_resume_from_the_private_card(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul)
    car = await _list_car(app, village.group.id, village.paul, "clio", rules="pas d'animaux")
    card = await _card(fake, village.paul)
    assert card["text"].startswith("🚗 Clio · Village\n5 places, essence, garée devant la mairie")
    assert _labels(card) == ["Mettre en pause", "Modifier", AUTO_ACCEPT, "Retirer"]

    query = await _press(fake, village.paul, card, "Mettre en pause")
    assert "en pause" in await _answered(fake, query)
    assert (await _car(app, car.id)).paused
    paused = await _edited(fake, village.paul, card)
    assert "En pause" in paused["text"]
    # The old "pause" button is gone; pressing an outdated copy of it changes nothing.
    stale = await fake.forge_callback(village.paul, paused, Callback(Kind.CAR_PAUSE, car.id).data())
    assert await _answered(fake, stale) == "Ce bouton n'est plus valable."

    query = await _press(fake, village.paul, paused, "Reprendre les prêts")
    assert "de nouveau" in await _answered(fake, query)
    assert not (await _car(app, car.id)).paused
    assert_said_nothing_more(fake)


async def test_someone_else_s_car_cannot_be_paused_by_forged_data(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    clio = await _list_car(app, village.group.id, village.paul, "clio")
    await _list_car(app, village.group.id, village.marie, "kangoo")
    marie_card = await _card(fake, village.marie)
    query = await fake.forge_callback(
        village.marie, marie_card, Callback(Kind.CAR_PAUSE, clio.id).data()
    )
    assert await _answered(fake, query) == (
        "Ce n'est pas votre voiture : seules les personnes qui la gèrent peuvent faire cela."
    )
    assert not (await _car(app, clio.id)).paused
    assert_said_nothing_more(fake)


async def _request(app: CovoisinApp, chat_id: int, borrower: FakeUser, car: str) -> Requested:
    start = (datetime.now(PARIS) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    requested = await services_of(app).booking.request(
        chat_id, borrower.id, car, Interval(start, start + timedelta(hours=2))
    )
    assert isinstance(requested, Requested)
    return requested


async def test_removing_from_the_card_cancels_and_tells_the_borrower(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    car = await _list_car(app, village.group.id, village.paul, "clio")
    await _request(app, village.group.id, village.marie, "clio")
    card = await _card(fake, village.paul)

    await _press(fake, village.paul, card, "Retirer")
    asking = await _edited(fake, village.paul, card)
    assert asking["text"].startswith("Retirer la Clio ?")
    await _press(fake, village.paul, asking, "Non, la garder")
    kept = await _edited(fake, village.paul, card)
    assert _labels(kept) == _labels(card)
    await _press(fake, village.paul, kept, "Retirer")
    await _press(fake, village.paul, await _edited(fake, village.paul, card), "Oui, la retirer")

    announcement = await fake.next_message(chat=village.group)
    assert announcement["text"] == "❌ La Clio de Paul n'est plus proposée."
    notice = await fake.next_message(chat=village.marie)
    assert notice["text"].startswith("❌ Paul a retiré la Clio : votre demande pour ")
    done = await _edited(fake, village.paul, card)
    assert "J'ai annulé 1 demande" in done["text"]
    assert_said_nothing_more(fake)
    assert await _cars(app, village.group.id) == []

    # The card's last buttons are gone; an old copy of them is refused.
    query = await fake.forge_callback(village.paul, done, Callback(Kind.CAR_PAUSE, car.id).data())
    assert await _answered(fake, query) == "Ce bouton n'est plus valable."
    assert_said_nothing_more(fake)


async def test_an_owner_who_moved_away_still_removes_their_car_but_nothing_else(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    await _list_car(app, village.group.id, village.paul, "clio")
    await _request(app, village.group.id, village.marie, "clio")
    card = await _card(fake, village.paul)
    await fake.remove_member(village.group, village.paul)
    # Who leaves takes their car out of the pool: paused, its request called off.
    notice = await fake.next_message(chat=village.marie)
    assert notice["text"].startswith("❌ Paul a quitté le groupe : votre demande pour sa Clio")
    await fake.next_message(chat=village.paul, text_contains="n'y est plus proposée")
    assert [car.paused for car in await _cars(app, village.group.id)] == [True]

    refused = await _press(fake, village.paul, card, "Mettre en pause")
    assert "seules les personnes qui la gèrent" in await _answered(fake, refused)
    await _press(fake, village.paul, card, "Retirer")
    await _press(fake, village.paul, await _edited(fake, village.paul, card), "Oui, la retirer")
    await fake.next_message(chat=village.group, text_contains="n'est plus proposée")
    assert await _cars(app, village.group.id) == []


async def test_removing_names_a_borrower_with_a_closed_chat_in_the_one_announcement(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    await _list_car(app, village.group.id, village.paul, "clio")
    await _request(app, village.group.id, village.marie, "clio")
    await fake.block_bot(village.marie)
    card = await _card(fake, village.paul)
    await _press(fake, village.paul, card, "Retirer")
    await _press(fake, village.paul, await _edited(fake, village.paul, card), "Oui, la retirer")

    announcement = await fake.next_message(chat=village.group)
    assert announcement["text"].startswith("❌ La Clio de Paul n'est plus proposée.\nMarie")
    assert _labels(announcement) == ["💬 Lire mon message"]
    await _edited(fake, village.paul, card)
    assert_said_nothing_more(fake)


async def test_removing_in_the_group_only_by_its_owner(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul)
    await _list_car(app, village.group.id, village.paul, "clio")
    refused = await _in_group(fake, village.jean, village.group, "/retirer clio")
    assert refused["text"] == "Seule la personne qui a proposé la Clio peut faire cela."
    asking = await _in_group(fake, village.paul, village.group, "/retirer CLIO")
    assert _labels(asking) == ["Oui, la retirer", "Non, la garder"]

    # Anyone in the group can press the buttons: only the owner's press counts.
    query = await _press(fake, village.marie, asking, "Oui, la retirer")
    assert (await _answered(fake, query)).startswith("Ce n'est pas votre voiture")
    assert len(await _cars(app, village.group.id)) == 1

    await _press(fake, village.paul, asking, "Oui, la retirer")
    removed = await _edited(fake, village.group, asking)
    assert removed["text"] == "❌ La Clio de Paul n'est plus proposée."
    assert_said_nothing_more(fake)  # the question became the answer: one group message
    assert await _cars(app, village.group.id) == []


async def test_editing_the_contribution_from_the_card(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul)
    car = await _list_car(app, village.group.id, village.paul, "clio")
    card = await _card(fake, village.paul)
    await _press(fake, village.paul, card, "Modifier")
    fields = await _edited(fake, village.paul, card)
    assert "Participation" in _labels(fields)
    question = await _press_and_read(fake, village.paul, fields, "Participation")
    assert _labels(question) == ["Effacer"] and "/annuler" in question["text"]
    assert "pas être négative" in (await _say(fake, village.paul, "-1 €/jour"))["text"]
    saved = await _say(fake, village.paul, "0,25 €/km")
    assert saved["text"].startswith("✅ C'est modifié.")
    assert "0,25\xa0€/km" in saved["text"]
    assert (await _car(app, car.id)).contribution_per_km_cents == 25

    await _press(fake, village.paul, saved, "Modifier")
    fields = await _edited(fake, village.paul, saved)
    await _press_and_read(fake, village.paul, fields, "Nom")
    cancelled = await _say(fake, village.paul, "/annuler")
    assert "rien n'a changé" in cancelled["text"]
    assert_said_nothing_more(fake)
    assert (await _car(app, car.id)).name == "clio"


async def test_a_co_manager_by_reply_then_sees_the_car(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul)
    car = await _list_car(app, village.group.id, village.paul, "clio")
    hello = await fake.send_text(village.marie, village.group, "Je peux aider pour la Clio")
    await fake.send_text(village.paul, village.group, "/cogerant clio", reply_to=hello)
    added = await fake.next_message(chat=village.group)
    assert added["text"] == (
        "🚗 Marie gère maintenant la Clio avec Paul : les demandes lui arriveront aussi en privé."
    )
    assert_said_nothing_more(fake)
    assert await services_of(app).booking.managers(car.id) == [village.paul.id, village.marie.id]

    card = await _card(fake, village.marie)
    assert "Gérée par Paul et Marie." in card["text"]
    assert _labels(card) == ["Mettre en pause", "Modifier"]  # removing is the owner's


async def test_a_co_manager_by_username_and_who_may_add_one(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    car = await _list_car(app, village.group.id, village.paul, "clio")
    refused = await _in_group(fake, village.jean, village.group, "/cogerant clio @marie_v")
    assert refused["text"] == "Seule la personne qui a proposé la Clio peut faire cela."
    unknown = await _in_group(fake, village.paul, village.group, "/cogerant clio @inconnu")
    assert "Je ne connais pas encore @inconnu" in unknown["text"]
    added = await _in_group(fake, village.paul, village.group, "/cogerant clio @Marie_V")
    assert "Marie gère maintenant la Clio" in added["text"]
    again = await _in_group(fake, village.paul, village.group, "/cogerant clio @marie_v")
    assert again["text"] == "Marie gère déjà la Clio."
    assert_said_nothing_more(fake)
    assert await services_of(app).booking.managers(car.id) == [village.paul.id, village.marie.id]


async def test_a_co_manager_must_still_be_in_the_group(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _meet(fake, village.group, village.paul, village.marie)
    car = await _list_car(app, village.group.id, village.paul, "clio")
    await fake.remove_member(village.group, village.marie)
    # Her leaving was seen: the bot no longer counts her among the group's members.
    refused = await _in_group(fake, village.paul, village.group, "/cogerant clio @marie_v")
    assert refused["text"].startswith("Je ne connais pas encore @marie_v dans ce groupe.")
    assert_said_nothing_more(fake)
    assert await services_of(app).booking.managers(car.id) == [village.paul.id]


async def test_a_form_left_alone_ends_after_half_an_hour_with_nothing_saved(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    await _open_form_from_group(fake, village)
    await _say(fake, village.paul, "clio")
    # Updates are handled in order: once /aide is answered, the timeout is scheduled.
    await _say(fake, village.paul, "/aide")
    assert app.job_queue is not None
    [timeout] = [job for job in app.job_queue.jobs() if job.callback.__name__ == "_trigger_timeout"]
    assert timeout.next_t is not None
    left = timeout.next_t - datetime.now(timeout.next_t.tzinfo)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)

    await timeout.run(app)  # half an hour later
    ended = await fake.next_message(chat=village.paul)
    assert ended["text"].startswith("Sans nouvelles de vous depuis une demi-heure")
    after = await _say(fake, village.paul, "Renault Clio grise")
    assert "Tapez /aide" in after["text"]  # no form listens any more
    assert_said_nothing_more(fake)
    assert await _cars(app, village.group.id) == []


async def test_an_english_reader_gets_english_and_the_group_its_language(
    fake: FakeTelegram, app: CovoisinApp, village: Village
) -> None:
    tom = fake.add_user("Tom", language_code="en")
    await fake.add_member(village.group, tom)
    await _meet(fake, village.group, tom)
    first = await _say(fake, tom, "/addcar")
    assert "Let's offer your car to the neighbours of “Village”" in first["text"]
    await _say(fake, tom, "mini")
    seats = await _say(fake, tom, "Red Mini")
    energy = await _press_and_read(fake, tom, seats, "4")
    assert _labels(energy) == ["petrol", "diesel", "electric", "hybrid"]
    await _press_and_read(fake, tom, energy, "electric")
    await _say(fake, tom, "behind the bakery")
    await _say(fake, tom, "no smoking")
    contribution = await _press_and_read(fake, tom, await _last(fake, tom), "Skip")
    refused = await _say(fake, tom, "9/km")
    assert "€5.00 per km at most" in refused["text"]
    await _say(fake, tom, "€0.20/km")
    mode = await _press_and_read(fake, tom, await _last(fake, tom), "Skip")
    await _press(fake, tom, mode, "On request, at any time")
    announcement = await fake.next_message(chat=village.group)
    assert announcement["text"].startswith("🚗 Nouvelle voiture : la Mini de Tom, 4 places")
    confirmation = await fake.next_message(chat=tom)
    assert "Suggested contribution: €0.20/km" in confirmation["text"]
    assert contribution["text"].startswith("Would you like to suggest a contribution")
    assert_said_nothing_more(fake)


async def _last(fake: FakeTelegram, user: FakeUser) -> Message:
    """The bot's latest message in the user's private chat."""
    return [m for m in fake.messages_in(user) if m["from"]["is_bot"]][-1]
