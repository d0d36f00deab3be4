"""Who is admin, /bannir and /debannir, through the fake Bot API."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.booking import CarDraft, Energy
from bot.callbacks import Callback, Kind
from bot.moderation.service import GroupSetting
from handlers.common.context import CovoisinApp
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import join, running_bot, services_of


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    village: FakeChat
    anne: FakeUser
    paul: FakeUser
    marie: FakeUser
    luc: FakeUser
    db_path: Path

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    anne = fake.add_user("Anne", "anne")
    paul, marie, luc = fake.add_user("Paul"), fake.add_user("Marie", "marie"), fake.add_user("Luc")
    # The bot is an admin: it hears chat_member updates (promotions and demotions).
    village = fake.add_group(
        "Saint-Martin", members=[paul, marie, luc], admins=[anne], bot_status="administrator"
    )
    async with running_bot(fake, tmp_path) as app:
        for member in (anne, paul, marie, luc):
            await join(app, member, village)
        car = await services_of(app).booking.add_car(
            village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert not isinstance(car, Exception)
        yield Scene(
            fake, app, village, anne, paul, marie, luc, tmp_path / "data" / "covoisin.sqlite3"
        )


async def _answered(s: Scene, query_id: str) -> str:
    await s.fake.wait_for_call(
        "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query_id
    )
    answer = s.fake.callback_answer(query_id)
    assert answer is not None
    return str(answer.get("text") or "")


async def _say(s: Scene, who: FakeUser, text: str) -> str:
    await s.fake.send_text(who, s.village, text)
    return str((await s.fake.next_message(chat=s.village))["text"])


async def _setting(s: Scene, menu: dict[str, Any], label: str) -> dict[str, Any]:
    """Anne opens one setting's choices from the /reglages menu: the same message, edited."""
    since = s.fake.mark()
    await s.fake.press_button(s.anne, menu, text=label)
    await s.fake.wait_for_call("editMessageText", since=since)
    page = s.fake.message(s.village, int(menu["message_id"]))
    assert page is not None
    return page


async def test_a_ban_withdraws_requests_and_bookings_and_tells_each_side(s: Scene) -> None:
    await _say(s, s.marie, "/reserver clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, text="✅ Accepter")
    await s.fake.next_message(chat=s.marie)
    await _say(s, s.marie, "/reserver clio après-demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    hello = await s.fake.send_text(s.marie, s.village, "/voitures")
    await s.fake.next_message(chat=s.village)

    await s.fake.send_text(s.anne, s.village, "/bannir", reply_to=hello)
    said = str((await s.fake.next_message(chat=s.village))["text"])
    assert "Marie ne peut plus emprunter ni proposer de voiture" in said
    assert "2 demandes ou réservations annulées" in said
    told = str((await s.fake.next_message(chat=s.marie))["text"])
    assert "Saint-Martin" in told and "suspendu" in told
    for _ in range(2):
        owner = str((await s.fake.next_message(chat=s.paul))["text"])
        assert "La demande de Marie pour votre Clio est annulée" in owner
    assert sorted(s.rows("SELECT status FROM bookings")) == [("cancelled",), ("declined",)]
    assert s.rows("SELECT action, admin_id, target_id FROM audit_log") == [
        ("ban", s.anne.id, s.marie.id)
    ]

    refused = await _say(s, s.marie, "/reserver clio demain 15h-17h")
    assert "suspendues" in refused
    assert s.rows("SELECT count(*) FROM bookings") == [(2,)]

    again = await _say(s, s.anne, "/bannir @marie")
    assert "ne peut déjà plus" in again
    lifted = await _say(s, s.anne, "/debannir @marie")
    assert "Marie peut de nouveau emprunter" in lifted
    assert s.rows("SELECT count(*) FROM bans") == [(0,)]
    assert s.rows("SELECT action FROM audit_log ORDER BY id") == [("ban",), ("unban",)]
    assert_said_nothing_more(s.fake)


async def test_only_identified_admins_may_ban(s: Scene) -> None:
    assert "réservée aux administrateurs" in await _say(s, s.luc, "/bannir @marie")
    await s.fake.send_as_chat(s.village, "/bannir @marie")
    anonymous = str((await s.fake.next_message(chat=s.village))["text"])
    assert "votre propre compte" in anonymous
    assert "un administrateur ne peut pas être banni" in await _say(s, s.anne, "/bannir @anne")
    assert "pas encore croisé @personne" in await _say(s, s.anne, "/bannir @personne")
    assert "répondez à l'un de ses messages" in await _say(s, s.anne, "/bannir")
    assert s.rows("SELECT count(*) FROM bans") == [(0,)]
    assert s.rows("SELECT count(*) FROM audit_log") == [(0,)]
    assert_said_nothing_more(s.fake)


async def test_a_promotion_or_demotion_counts_at_once(s: Scene) -> None:
    assert "réservée aux administrateurs" in await _say(s, s.luc, "/bannir @marie")
    await s.fake.promote(s.village, s.luc, by=s.anne)
    assert "Marie ne peut plus" in await _say(s, s.luc, "/bannir @marie")
    await s.fake.demote(s.village, s.luc, by=s.anne)
    assert "réservée aux administrateurs" in await _say(s, s.luc, "/debannir @marie")
    assert s.rows("SELECT count(*) FROM bans") == [(1,)]


async def test_a_super_admin_may_ban_in_any_group(fake: FakeTelegram, tmp_path: Path) -> None:
    root, marie = fake.add_user("Root"), fake.add_user("Marie", "marie")
    village = fake.add_group("Saint-Martin", members=[root, marie])
    async with running_bot(fake, tmp_path, superadmin_ids=frozenset({root.id})) as app:
        for member in (root, marie):
            await join(app, member, village)
        await fake.send_text(root, village, "/bannir @marie")
        said = await fake.next_message(chat=village)
        assert "Marie ne peut plus" in str(said["text"])
        assert await services_of(app).moderation.is_banned(village.id, marie.id)


async def test_a_banned_member_is_told_so_before_any_charter_or_voucher(s: Scene) -> None:
    moderation = services_of(s.app).moderation
    await moderation.set_charter(s.village.id, s.anne.id, "On rend la voiture propre.")
    await moderation.set_group_setting(s.village.id, s.anne.id, GroupSetting.VOUCH_REQUIRED, 1)
    await moderation.ban(s.village.id, s.anne.id, s.marie.id)
    refused = await _say(s, s.marie, "/reserver clio demain 10h-12h")
    assert "Les réservations vous sont suspendues dans ce groupe" in refused
    assert s.rows("SELECT count(*) FROM charter_acceptances") == [(0,)]
    assert s.rows("SELECT count(*) FROM bookings") == [(0,)]
    assert_said_nothing_more(s.fake)


async def test_a_banned_member_cannot_list_a_car(s: Scene) -> None:
    await _say(s, s.anne, "/bannir @marie")
    await s.fake.next_message(chat=s.marie)
    await s.fake.send_private(s.marie, "/ajouter")
    refused = str((await s.fake.next_message(chat=s.marie))["text"])
    assert "ont suspendu vos annonces" in refused
    assert s.rows("SELECT count(*) FROM cars") == [(1,)]
    assert_said_nothing_more(s.fake)


async def test_an_admin_removes_someone_elses_car_and_both_sides_are_told(s: Scene) -> None:
    await _say(s, s.marie, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    await s.fake.send_text(s.anne, s.village, "/retirer clio")
    asking = await s.fake.next_message(chat=s.village)
    query = await s.fake.press_button(s.luc, asking, text="Oui, la retirer")
    assert "pas votre voiture" in await _answered(s, query)
    assert s.rows("SELECT count(*) FROM audit_log") == [(0,)]

    since = s.fake.mark()
    await s.fake.press_button(s.anne, asking, text="Oui, la retirer")
    await s.fake.wait_for_call("editMessageText", since=since)
    removed = s.fake.message(s.village, int(str(asking["message_id"])))
    assert removed is not None and removed["text"] == "❌ La Clio de Paul n'est plus proposée."
    borrower = str((await s.fake.next_message(chat=s.marie))["text"])
    assert borrower.startswith("❌ Anne a retiré la Clio : votre demande pour ")
    owner = str((await s.fake.next_message(chat=s.paul))["text"])
    assert "Les administrateurs de Saint-Martin ont retiré votre Clio" in owner
    assert s.rows("SELECT action, admin_id, target_id FROM audit_log") == [
        ("remove_car", s.anne.id, s.paul.id)
    ]
    assert s.rows("SELECT count(*) FROM ledger") == [(0,)]
    assert_said_nothing_more(s.fake)


async def test_an_admin_cancels_a_booking_and_both_sides_are_told(s: Scene) -> None:
    await _say(s, s.marie, "/reserver clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, text="✅ Accepter")
    await s.fake.next_message(chat=s.marie)
    assert "/annuler" in await _say(s, s.luc, "/annuler clio")  # his own /resas numbers

    await s.fake.send_text(s.anne, s.village, "/annuler clio")
    listed = await s.fake.next_message(chat=s.village)
    assert "1. Marie" in str(listed["text"])
    query = await s.fake.press_button(s.luc, listed, text="❌ 1")
    assert "réservée aux administrateurs" in await _answered(s, query)
    assert s.rows("SELECT status FROM bookings") == [("accepted",)]

    since = s.fake.mark()
    await s.fake.press_button(s.anne, listed, text="❌ 1")
    await s.fake.wait_for_call("editMessageText", since=since)
    done = s.fake.message(s.village, int(str(listed["message_id"])))
    assert done is not None and "Annulé par un administrateur : la Clio pour Marie" in done["text"]
    for side in (s.marie, s.paul):
        told = str((await s.fake.next_message(chat=side))["text"])
        assert "Les administrateurs du groupe ont annulé le prêt de la Clio" in told
    assert s.rows("SELECT status, cancelled_by, late_cancellation FROM bookings") == [
        ("cancelled", s.anne.id, 0)
    ]
    assert s.rows("SELECT action, target_id FROM audit_log") == [("cancel_booking", s.marie.id)]
    assert_said_nothing_more(s.fake)


async def test_admins_read_open_incidents_privately(s: Scene) -> None:
    assert "réservée aux administrateurs" in await _say(s, s.luc, "/incidents")
    assert "Je vous ai envoyé la liste" in await _say(s, s.anne, "/incidents")
    none = str((await s.fake.next_message(chat=s.anne))["text"])
    assert none == "✅ Aucun incident en cours dans Saint-Martin."

    await _say(s, s.marie, "/reserver clio demain 10h-12h")
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, text="✅ Accepter")
    await s.fake.next_message(chat=s.marie)
    services = services_of(s.app)
    async with services.repos.db.transaction() as conn:
        await services.repos.trips.open_incident(
            conn, 1, s.paul.id, "Rétroviseur cassé", None, services.clock()
        )
    await _say(s, s.anne, "/incidents")
    listed = str((await s.fake.next_message(chat=s.anne))["text"])
    assert listed.startswith("Incidents en cours dans Saint-Martin :")
    assert "la Clio de Paul, empruntée par Marie : « Rétroviseur cassé »" in listed
    assert_said_nothing_more(s.fake)


async def test_admins_have_their_own_menu(s: Scene) -> None:
    admins = [c["command"] for c in s.fake.commands("all_chat_administrators", "fr") or []]
    members = [c["command"] for c in s.fake.commands("all_group_chats", "fr") or []]
    assert {"bannir", "debannir", "incidents"} <= set(admins)
    assert set(members) < set(admins)
    assert "bannir" not in members


def _csv(s: Scene, document: dict[str, object]) -> list[dict[str, str]]:
    sent = document["document"]
    assert isinstance(sent, dict)
    text = s.fake.file_bytes(str(sent["file_id"])).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


async def test_an_admin_exports_the_group_as_csv(s: Scene) -> None:
    await s.fake.send_private(s.luc, "/export")
    assert "Seuls les administrateurs" in str((await s.fake.next_message(chat=s.luc))["text"])

    await _say(s, s.marie, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)
    await _say(s, s.anne, "/bannir @marie")
    await s.fake.next_message(chat=s.marie)
    await s.fake.next_message(chat=s.paul)

    await s.fake.send_private(s.anne, "/export")
    files = {}
    for _ in range(4):
        sent = await s.fake.next_message(chat=s.anne)
        document = sent["document"]
        assert isinstance(document, dict)
        files[str(document["file_name"])] = sent
    assert set(files) == {"cars.csv", "bookings.csv", "ledger.csv", "audit_log.csv"}
    assert [car["name"] for car in _csv(s, files["cars.csv"])] == ["Clio"]
    bookings = _csv(s, files["bookings.csv"])
    assert [(b["borrower_id"], b["status"]) for b in bookings] == [(str(s.marie.id), "declined")]
    audit = _csv(s, files["audit_log.csv"])
    assert [(a["action"], a["target_id"]) for a in audit] == [("ban", str(s.marie.id))]
    assert _csv(s, files["ledger.csv"]) == []
    assert "lignes : 1" in str(files["bookings.csv"]["caption"])
    assert_said_nothing_more(s.fake)


async def test_an_admin_of_several_groups_picks_one(s: Scene) -> None:
    hameau = s.fake.add_group("Le Hameau", members=[s.luc], admins=[s.anne])
    await join(s.app, s.anne, hameau)
    await s.fake.send_private(s.anne, "/export")
    choice = await s.fake.next_message(chat=s.anne)
    # Luc forges the same button from his own chat: he administers nothing.
    luc_message = await s.fake.send_private(s.luc, "/aide")
    await s.fake.next_message(chat=s.luc)
    forged = await s.fake.forge_callback(
        s.luc, luc_message, Callback(Kind.EXPORT, hameau.id).data()
    )
    assert "réservée aux administrateurs" in await _answered(s, forged)
    await s.fake.press_button(s.anne, choice, text="Le Hameau")
    for _ in range(4):
        sent = await s.fake.next_message(chat=s.anne)
        assert "Le Hameau" in str(sent["caption"])


async def test_an_admin_switches_the_group_to_english(s: Scene) -> None:
    assert "réservée aux administrateurs" in await _say(s, s.luc, "/reglages")
    await s.fake.send_text(s.anne, s.village, "/reglages")
    menu = await s.fake.next_message(chat=s.village)
    assert "Langue des messages : Français" in str(menu["text"])
    refused = await s.fake.press_button(s.luc, menu, text="Langue")
    assert "réservée aux administrateurs" in await _answered(s, refused)
    languages = await _setting(s, menu, "Langue")
    refused = await s.fake.press_button(s.luc, languages, text="English")
    assert "réservée aux administrateurs" in await _answered(s, refused)

    since = s.fake.mark()
    await s.fake.press_button(s.anne, languages, text="English")
    await s.fake.wait_for_call("editMessageText", since=since)
    changed = s.fake.message(s.village, int(str(menu["message_id"])))
    assert changed is not None
    assert changed["text"] == "✅ From now on I will speak English in this group."
    assert s.rows("SELECT action, detail FROM audit_log") == [("change_setting", "language=en")]

    # Later group messages speak English, whoever triggers them.
    assert "asks for" in await _say(s, s.marie, "/reserver clio demain 10h-12h")
    assert "admins" in await _say(s, s.luc, "/bannir @marie")


async def test_mydata_sends_everything_about_the_member_privately(s: Scene) -> None:
    assert "en privé" in await _say(s, s.marie, "/mesdonnees")
    await _say(s, s.marie, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.paul)

    await s.fake.send_private(s.marie, "/mesdonnees")
    sent = await s.fake.next_message(chat=s.marie)
    document = sent["document"]
    assert isinstance(document, dict) and document["file_name"] == "covoisin.json"
    data = json.loads(s.fake.file_bytes(str(document["file_id"])))
    assert [user["first_name"] for user in data["users"]] == ["Marie"]
    assert [member["chat_id"] for member in data["members"]] == [s.village.id]
    assert [booking["borrower_id"] for booking in data["bookings"]] == [s.marie.id]
    assert "cars" not in data  # Paul's Clio is his, not hers

    await s.fake.send_private(s.paul, "/mesdonnees")
    paul = await s.fake.next_message(chat=s.paul)
    paul_document = paul["document"]
    assert isinstance(paul_document, dict)
    paul_data = json.loads(s.fake.file_bytes(str(paul_document["file_id"])))
    assert [car["name"] for car in paul_data["cars"]] == ["Clio"]
    assert "bookings" not in paul_data
    assert_said_nothing_more(s.fake)


async def test_an_admin_sets_the_booking_limits_from_the_offered_values(s: Scene) -> None:
    await s.fake.send_text(s.anne, s.village, "/reglages")
    menu = await s.fake.next_message(chat=s.village)
    assert "annulée après : 12 heures" in str(menu["text"])
    expiry = await _setting(s, menu, "Délai de réponse")
    refused = await s.fake.press_button(s.luc, expiry, text="Réponse sous 6 heures")
    assert "réservée aux administrateurs" in await _answered(s, refused)
    forged = await s.fake.forge_callback(s.anne, expiry, f"v1:set:{s.village.id}:exp_1")
    assert "plus valable" in await _answered(s, forged)
    assert s.rows("SELECT count(*) FROM audit_log") == [(0,)]

    menu = await _setting(s, expiry, "← Retour")
    assert "Réglages du groupe" in str(menu["text"])
    longest = await _setting(s, menu, "Durée maximale")
    since = s.fake.mark()
    await s.fake.press_button(s.anne, longest, text="Au plus 7 jours")
    await s.fake.wait_for_call("editMessageText", since=since)
    changed = s.fake.message(s.village, int(str(menu["message_id"])))
    assert changed is not None
    assert changed["text"] == "✅ Désormais, une réservation dure au plus 7 jours."
    assert s.rows("SELECT max_duration_minutes FROM group_settings") == [(7 * 24 * 60,)]
    assert s.rows("SELECT detail FROM audit_log") == [("max_duration_minutes=10080",)]
    # The new limit applies to the next request: five days is now allowed.
    assert "demande la Clio" in await _say(s, s.marie, "/reserver clio du 8 au 12 décembre")


async def test_an_admin_sets_the_pickup_reminder_and_what_trusted_means(s: Scene) -> None:
    for setting, label, column, value in (
        ("Rappel de départ", "Rappel 30 minutes avant", "pickup_reminder_seconds", 1800),
        ("Voisin de confiance", "3 garant(s)", "trusted_min_vouches", 3),
        ("Voisin de confiance", "5 emprunt(s)", "trusted_min_borrowings", 5),
    ):
        await s.fake.send_text(s.anne, s.village, "/reglages")
        page = await _setting(s, await s.fake.next_message(chat=s.village), setting)
        since = s.fake.mark()
        await s.fake.press_button(s.anne, page, text=label)
        await s.fake.wait_for_call("editMessageText", since=since)
        assert s.rows(f"SELECT {column} FROM group_settings") == [(value,)]
    await s.fake.send_text(s.anne, s.village, "/reglages")
    menu = await s.fake.next_message(chat=s.village)
    assert "30 minutes avant" in str(menu["text"])
    assert "garants : 3, emprunts sans souci : 5" in str(menu["text"])


async def test_a_group_can_ask_for_a_voucher_before_a_first_borrowing(s: Scene) -> None:
    await s.fake.send_text(s.anne, s.village, "/reglages")
    menu = await s.fake.next_message(chat=s.village)
    assert "Un garant avant le premier emprunt : non" in str(menu["text"])
    page = await _setting(s, menu, "Garant obligatoire")
    since = s.fake.mark()
    await s.fake.press_button(s.anne, page, text="Garant pour le 1er emprunt : oui")
    await s.fake.wait_for_call("editMessageText", since=since)
    assert s.rows("SELECT vouch_required FROM group_settings") == [(1,)]

    refusal = await _say(s, s.marie, "/reserver clio demain 10h-12h")
    assert "se porte garant de vous" in refusal
    assert s.rows("SELECT count(*) FROM bookings") == [(0,)]

    await s.fake.send_text(s.anne, s.village, "/reglages")
    page = await _setting(s, await s.fake.next_message(chat=s.village), "Garant obligatoire")
    since = s.fake.mark()
    await s.fake.press_button(s.anne, page, text="Garant pour le 1er emprunt : non")
    await s.fake.wait_for_call("editMessageText", since=since)
    assert "demande la Clio" in await _say(s, s.marie, "/reserver clio demain 10h-12h")


async def test_an_admin_writes_the_charter_in_private(s: Scene) -> None:
    await s.fake.send_text(s.anne, s.village, "/reglages")
    menu = await s.fake.next_message(chat=s.village)
    refused = await s.fake.press_button(s.luc, menu, text="📜 Modifier la charte")
    assert "réservée aux administrateurs" in await _answered(s, refused)

    await s.fake.press_button(s.anne, menu, text="📜 Modifier la charte")
    asked = await s.fake.next_message(chat=s.anne)
    assert "texte de la charte de « Saint-Martin »" in str(asked["text"])
    await s.fake.send_private(s.anne, "x" * 2001)
    assert "un peu long" in str((await s.fake.next_message(chat=s.anne))["text"])
    await s.fake.send_private(s.anne, "On rend la voiture propre & avec le plein.")
    assert "C'est noté" in str((await s.fake.next_message(chat=s.anne))["text"])
    told = await s.fake.next_message(chat=s.village)
    assert "charte du groupe a été mise à jour" in str(told["text"])
    assert s.rows("SELECT charter FROM group_settings") == [
        ("On rend la voiture propre & avec le plein.",)
    ]
    assert s.rows("SELECT detail FROM audit_log") == [("charter",)]
    # The next private text is an ordinary one again.
    await s.fake.send_private(s.anne, "merci")
    assert "Je ne sais pas encore" in str((await s.fake.next_message(chat=s.anne))["text"])
