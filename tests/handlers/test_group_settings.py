"""/reglages as a menu, through the fake Bot API: the time zone (listed or written in private),
the end and overdue reminders, planned reminders moving with their offset, and presses that
may not act."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.booking import CarDraft, Energy
from bot.callbacks import Callback, Kind
from bot.moderation.service import zone_named
from bot.timefmt import format_moment
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
ADMINS_ONLY = "réservée aux administrateurs"
STALE = "plus valable"


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    clock: MovableClock
    village: FakeChat
    hameau: FakeChat
    anne: FakeUser
    hugo: FakeUser
    paul: FakeUser
    marie: FakeUser
    luc: FakeUser
    db_path: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))

    def zone(self) -> str:
        [(zone,)] = self.rows(f"SELECT timezone FROM groups WHERE chat_id = {self.village.id}")
        return str(zone)

    def audit(self) -> list[tuple[Any, ...]]:
        return self.rows("SELECT admin_id, detail FROM audit_log ORDER BY id")

    async def job_times(self, kind: str) -> list[datetime]:
        """When the bookings' timer will send this kind of reminder for the booking."""
        planned = await services_of(self.app).schedule.of_booking(1)
        return [moment.at for moment in planned if moment.kind == kind]


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    clock = MovableClock()
    anne, hugo = fake.add_user("Anne", "anne"), fake.add_user("Hugo", "hugo")
    paul, marie, luc = fake.add_user("Paul"), fake.add_user("Marie"), fake.add_user("Luc")
    # Anne created the group, Hugo is an admin she can demote; the bot is an admin too, so
    # it hears of the demotion.
    village = fake.add_group(
        "Saint-Martin",
        members=[paul, marie, luc],
        admins=[anne, hugo],
        bot_status="administrator",
    )
    hameau = fake.add_group("Le Hameau", members=[luc], admins=[anne])
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for member in (anne, hugo, paul, marie, luc):
            await join(app, member, village)
        await join(app, anne, hameau)
        car = await services_of(app).booking.add_car(
            village.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert not isinstance(car, Exception)
        yield Scene(
            fake,
            app,
            clock,
            village,
            hameau,
            anne,
            hugo,
            paul,
            marie,
            luc,
            tmp_path / "data" / "covoisin.sqlite3",
        )


async def _menu(s: Scene) -> Message:
    await s.fake.send_text(s.anne, s.village, "/reglages")
    return await s.fake.next_message(chat=s.village)


async def _press(s: Scene, message: Message, label: str, who: FakeUser | None = None) -> Message:
    """A button of the settings message pressed (by Anne unless said): the same message,
    as the bot edited it."""
    since = s.fake.mark()
    await s.fake.press_button(who or s.anne, message, text=label)
    await s.fake.wait_for_call("editMessageText", since=since)
    edited = s.fake.message(s.village, int(message["message_id"]))
    assert edited is not None
    return edited


async def _alert(s: Scene, query_id: str) -> str:
    await s.fake.wait_for_call(
        "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query_id
    )
    answer = s.fake.callback_answer(query_id)
    assert answer is not None and answer.get("show_alert")
    return str(answer.get("text") or "")


def _labels(message: Message) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [str(b["text"]) for row in markup.get("inline_keyboard", []) for b in row]


def _local_time_in(text: str, zone: str, *moments: datetime) -> bool:
    """The text shows the time in that zone at one of these moments (a minute may turn)."""
    return any(format_moment(m, ZoneInfo(zone), "fr") in text for m in moments)


async def _accepted(s: Scene) -> tuple[datetime, datetime]:
    """Marie's request for tomorrow, accepted by Paul; the booking's start and end."""
    await s.fake.send_text(s.marie, s.village, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.village)
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, text="✅ Accepter")
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    [(start, end)] = s.rows("SELECT start_at, end_at FROM bookings")
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


async def test_each_setting_opens_in_the_same_message_and_back(s: Scene) -> None:
    menu = await _menu(s)
    text = str(menu["text"])
    for line in (
        "Réglages du groupe",
        "Heure du groupe : ",
        "(France)",
        "Rappel avant de rendre la voiture : 30 minutes avant la fin",
        "Alerte si la voiture n'est pas rendue : 30 minutes après la fin",
        "Charte du groupe : aucune",
    ):
        assert line in text
    assert len(menu["reply_markup"]["inline_keyboard"]) <= 6

    refused = await s.fake.press_button(s.luc, menu, text="Fuseau horaire")
    assert ADMINS_ONLY in await _alert(s, refused)
    assert s.fake.message(s.village, int(menu["message_id"])) == menu

    zones = await _press(s, menu, "Fuseau horaire")
    assert str(zones["text"]).startswith("Heure du groupe : ")
    assert {"France", "Belgique", "Martinique", "La Réunion", "Autre…", "← Retour"} <= set(
        _labels(zones)
    )
    refused = await s.fake.press_button(s.luc, zones, text="← Retour")
    assert ADMINS_ONLY in await _alert(s, refused)
    back = await _press(s, zones, "← Retour")
    assert back["text"] == menu["text"] and _labels(back) == _labels(menu)
    # Looking around changes nothing and posts nothing.
    assert s.audit() == []
    assert_said_nothing_more(s.fake)


async def test_an_admin_sets_the_time_zone_from_the_list(s: Scene) -> None:
    zones = await _press(s, await _menu(s), "Fuseau horaire")
    before = s.clock()
    done = await _press(s, zones, "Martinique")
    assert str(done["text"]).startswith(
        "✅ Le groupe est maintenant à l'heure de Martinique (il y est "
    )
    assert _local_time_in(str(done["text"]), "America/Martinique", before, s.clock())
    assert s.zone() == "America/Martinique"
    assert s.audit() == [(s.anne.id, "timezone=America/Martinique")]

    # Dates are read there now: 10 h in Martinique is 14 h in UTC.
    await s.fake.send_text(s.marie, s.village, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.village)
    [(start,)] = s.rows("SELECT start_at FROM bookings")
    assert datetime.fromisoformat(start).astimezone(ZoneInfo("America/Martinique")).hour == 10
    assert datetime.fromisoformat(start).hour == 14

    # The same zone again: said so, nothing audited.
    menu = await _press(s, done, "← Autres réglages")
    assert "(Martinique)" in str(menu["text"])
    again = await _press(s, await _press(s, menu, "Fuseau horaire"), "Martinique")
    assert "déjà réglé ainsi (Martinique)" in str(again["text"])
    assert len(s.audit()) == 1


async def test_a_time_zone_not_in_the_list_is_written_in_private(s: Scene) -> None:
    zones = await _press(s, await _menu(s), "Fuseau horaire")
    refused = await s.fake.press_button(s.luc, zones, text="Autre…")
    assert ADMINS_ONLY in await _alert(s, refused)

    await s.fake.press_button(s.anne, zones, text="Autre…")
    asked = await s.fake.next_message(chat=s.anne)
    assert "le fuseau horaire de « Saint-Martin »" in str(asked["text"])
    await s.fake.send_private(s.anne, "Mars/Olympus")
    wrong = str((await s.fake.next_message(chat=s.anne))["text"])
    assert "Je ne trouve pas le fuseau « Mars/Olympus »" in wrong
    assert "« Europe/Paris »" in wrong
    assert s.zone() == "Europe/Paris" and s.audit() == []

    await s.fake.send_private(s.anne, " america/miquelon ")
    assert "C'est noté" in str((await s.fake.next_message(chat=s.anne))["text"])
    told = str((await s.fake.next_message(chat=s.village))["text"])
    assert "à l'heure de America/Miquelon (il y est" in told
    assert s.zone() == "America/Miquelon"
    assert s.audit() == [(s.anne.id, "timezone=America/Miquelon")]
    # The next private text is an ordinary one again.
    await s.fake.send_private(s.anne, "merci")
    assert "Je ne sais pas encore" in str((await s.fake.next_message(chat=s.anne))["text"])
    assert_said_nothing_more(s.fake)


async def test_the_last_question_asked_in_private_is_the_one_answered(s: Scene) -> None:
    menu = await _menu(s)
    await s.fake.press_button(s.anne, menu, text="📜 Modifier la charte")
    await s.fake.next_message(chat=s.anne, text_contains="charte")
    zones = await _press(s, menu, "Fuseau horaire")
    await s.fake.press_button(s.anne, zones, text="Autre…")
    await s.fake.next_message(chat=s.anne, text_contains="fuseau horaire")
    await s.fake.send_private(s.anne, "Europe/Brussels")
    await s.fake.next_message(chat=s.anne, text_contains="C'est noté")
    await s.fake.next_message(chat=s.village, text_contains="Belgique")
    assert s.zone() == "Europe/Brussels"
    assert s.rows("SELECT charter FROM group_settings") == []

    await s.fake.press_button(s.anne, zones, text="Autre…")
    await s.fake.next_message(chat=s.anne, text_contains="fuseau horaire")
    await s.fake.send_private(s.anne, "/annuler")
    assert "le fuseau horaire reste" in str((await s.fake.next_message(chat=s.anne))["text"])
    await s.fake.send_private(s.anne, "Europe/Zurich")
    assert "Je ne sais pas encore" in str((await s.fake.next_message(chat=s.anne))["text"])
    assert s.zone() == "Europe/Brussels"
    assert_said_nothing_more(s.fake)


async def test_an_admin_demoted_meanwhile_does_not_set_the_written_zone(s: Scene) -> None:
    zones = await _press(s, await _menu(s), "Fuseau horaire")
    await s.fake.press_button(s.hugo, zones, text="Autre…")
    await s.fake.next_message(chat=s.hugo)
    await s.fake.demote(s.village, s.hugo)
    await s.fake.send_private(s.hugo, "Europe/Brussels")
    assert ADMINS_ONLY in str((await s.fake.next_message(chat=s.hugo))["text"])
    assert s.zone() == "Europe/Paris" and s.audit() == []
    assert_said_nothing_more(s.fake)


async def test_an_admin_whose_private_chat_is_closed_answers_once_they_open_it(
    s: Scene,
) -> None:
    nina = s.fake.add_user("Nina", started=False)
    # An admin of the group who never opened a private chat with the bot.
    s.fake.world.set_member(s.village, nina, "administrator")
    await join(s.app, nina, s.village)
    zones = await _press(s, await _menu(s), "Fuseau horaire")
    await s.fake.press_button(nina, zones, text="Autre…")
    nudge = await s.fake.next_message(chat=s.village)
    assert "Nina" in str(nudge["text"])

    await s.fake.send_private(nina, "/start")
    await s.fake.next_message(chat=nina)
    asked = await s.fake.next_message(chat=nina)
    assert "le fuseau horaire de" in str(asked["text"])
    await s.fake.send_private(nina, "Europe/Brussels")
    assert "C'est noté" in str((await s.fake.next_message(chat=nina))["text"])
    await s.fake.next_message(chat=s.village, text_contains="Belgique")
    assert s.zone() == "Europe/Brussels"


async def test_forged_settings_buttons_change_nothing(s: Scene) -> None:
    menu = await _menu(s)
    village = s.village.id
    for option in (
        "tz_xyz",
        "tz_par1",
        "end_7",
        "over_99999",
        "pick_60",
        "vreq_2",
        "lang_de",
        "p_nope",
        "menu2",
    ):
        forged = await s.fake.forge_callback(
            s.anne, menu, Callback(Kind.SETTING, village, option).data()
        )
        assert STALE in await _alert(s, forged), option
    # Raw text in the data is not ours at all: the catch-all answers it.
    forged = await s.fake.forge_callback(s.anne, menu, f"v1:set:{village}:tz_Europe/Paris")
    assert "Je ne reconnais pas ce bouton" in await _alert(s, forged)
    # A real value, but on another of the bot's messages, or for another group.
    await s.fake.send_text(s.anne, s.village, "/voitures")
    cars = await s.fake.next_message(chat=s.village)
    forged = await s.fake.forge_callback(
        s.anne, cars, Callback(Kind.SETTING, village, "tz_mtq").data()
    )
    assert STALE in await _alert(s, forged)
    forged = await s.fake.forge_callback(
        s.anne, menu, Callback(Kind.SETTING, s.hameau.id, "end_900").data()
    )
    assert STALE in await _alert(s, forged)
    # A member presses a real value offered on the page.
    page = await _press(s, menu, "Rappel de retour")
    refused = await s.fake.press_button(s.luc, page, text="1 heure avant la fin")
    assert ADMINS_ONLY in await _alert(s, refused)

    assert s.zone() == "Europe/Paris"
    assert s.rows("SELECT count(*) FROM group_settings") == [(0,)]
    assert s.audit() == []
    assert s.fake.message(s.village, int(cars["message_id"])) == cars
    assert len([call for call in s.fake.calls if call.method == "editMessageText"]) == 1


async def test_end_and_overdue_reminders_from_the_offered_values(s: Scene) -> None:
    end = await _press(s, await _menu(s), "Rappel de retour")
    assert "Rappel avant de rendre la voiture : 30 minutes avant la fin" in str(end["text"])
    done = await _press(s, end, "1 heure avant la fin")
    assert done["text"] == (
        "✅ Désormais, le rappel de rendre la voiture arrive 1 heure avant la fin."
    )
    menu = await _press(s, done, "← Autres réglages")
    overdue = await _press(s, menu, "Alerte de retard")
    done = await _press(s, overdue, "2 heures après la fin")
    assert "l'alerte part 2 heures après la fin" in str(done["text"])
    assert s.rows("SELECT end_reminder_seconds, overdue_alert_seconds FROM group_settings") == [
        (3600, 7200)
    ]
    assert s.audit() == [
        (s.anne.id, "end_reminder_seconds=3600"),
        (s.anne.id, "overdue_alert_seconds=7200"),
    ]
    menu = await _menu(s)
    assert "1 heure avant la fin" in str(menu["text"])
    assert "2 heures après la fin" in str(menu["text"])


async def test_changing_a_reminder_offset_moves_the_planned_reminders(s: Scene) -> None:
    start, end = await _accepted(s)
    assert await s.job_times("pickup") == [start - timedelta(hours=1)]
    assert await s.job_times("end") == [end - timedelta(minutes=30)]
    assert await s.job_times("overdue") == [end + timedelta(minutes=30)]

    menu = await _menu(s)
    done = await _press(s, await _press(s, menu, "Rappel de départ"), "Rappel 2 heures avant")
    assert await s.job_times("pickup") == [start - timedelta(hours=2)]
    assert await s.job_times("end") == [end - timedelta(minutes=30)]

    menu = await _press(s, done, "← Autres réglages")
    done = await _press(s, await _press(s, menu, "Rappel de retour"), "15 minutes avant la fin")
    menu = await _press(s, done, "← Autres réglages")
    await _press(s, await _press(s, menu, "Alerte de retard"), "1 heure après la fin")
    assert await s.job_times("pickup") == [start - timedelta(hours=2)]
    assert await s.job_times("end") == [end - timedelta(minutes=15)]
    assert await s.job_times("overdue") == [end + timedelta(hours=1)]


async def test_a_reminder_already_sent_is_not_sent_again_after_a_change(s: Scene) -> None:
    # Three days ahead: the pickup reminder is due as soon as the booking is accepted.
    with sqlite3.connect(s.db_path) as conn:
        conn.execute(
            "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) "
            f"VALUES ({s.village.id}, {3 * 24 * 3600})"
        )
    await _accepted(s)
    await s.fake.next_message(chat=s.marie, text_contains="⏰")
    assert s.rows("SELECT kind FROM reminders_sent") == [("pickup",)]

    menu = await _menu(s)
    await _press(s, await _press(s, menu, "Rappel de départ"), "Rappel 2 heures avant")
    assert s.rows("SELECT pickup_reminder_seconds FROM group_settings") == [(7200,)]
    assert await s.job_times("pickup") == []
    assert_said_nothing_more(s.fake)


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("  europe / paris ", "Europe/Paris"),
        ("America/Port au Prince", "America/Port-au-Prince"),
        ("Indian/Reunion", "Indian/Reunion"),
        ("localtime", None),
        ("Factory", None),
        ("Paris", None),
        ("../../etc/passwd", None),
        ("", None),
    ],
)
def test_a_written_time_zone_is_a_place_of_the_zone_database(
    written: str, zone: str | None
) -> None:
    assert zone_named(written) == zone


async def test_after_each_change_the_planned_moments_are_those_the_database_implies(
    s: Scene,
) -> None:
    """Requests, an accept, a decline, a settings change, an admin's cancellation, a ban
    and an admin's removal of a car: after each, the bookings' timer waits for exactly what the
    database implies, nothing left over."""

    asked: list[Message] = []

    async def request(who: FakeUser, when: str) -> Message:
        asked.append(await s.fake.send_text(who, s.village, f"/reserver clio {when}"))
        await s.fake.next_message(chat=s.village)
        return await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")

    async def settled() -> None:
        # A command handled after the action: its follow-up is done (updates go in order).
        await s.fake.send_private(s.paul, "/aide")
        await s.fake.next_message(chat=s.paul)
        await assert_due_follows_database(s.app)

    first = await request(s.marie, "demain 10h-12h")
    second = await request(s.luc, "après-demain 10h-12h")
    third = await request(s.marie, "dans 3 jours 14h-16h")
    await settled()
    assert {(1, "expiry"), (2, "expiry"), (3, "expiry")} <= await due_kinds(s.app)

    await s.fake.press_button(s.paul, first, text="✅ Accepter")
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    await settled()
    assert (1, "expiry") not in await due_kinds(s.app)
    assert (1, "pickup") in await due_kinds(s.app)

    since = s.fake.mark()
    await s.fake.press_button(s.paul, second, text="❌ Refuser")
    await s.fake.wait_for_call("editMessageText", since=since)
    declined = s.fake.message(s.paul, int(second["message_id"]))
    assert declined is not None
    await s.fake.press_button(s.paul, declined, text="Pas cette fois")
    await s.fake.next_message(chat=s.luc)
    await settled()
    assert not {kind for booking, kind in await due_kinds(s.app) if booking == 2}

    menu = await _menu(s)
    await _press(s, await _press(s, menu, "Rappel de départ"), "Rappel 2 heures avant")
    await settled()

    await s.fake.send_text(s.anne, s.village, "/annuler clio")
    listed = await s.fake.next_message(chat=s.village)
    await s.fake.press_button(s.anne, listed, text="❌ 1")
    await s.fake.next_message(chat=s.marie, text_contains="annulé")
    await settled()
    assert not {kind for booking, kind in await due_kinds(s.app) if booking == 1}

    await s.fake.send_text(s.anne, s.village, "/bannir", reply_to=asked[2])
    await s.fake.next_message(chat=s.village, text_contains="ne peut plus emprunter")
    await settled()
    assert await due_kinds(s.app) == set()  # Marie's third request went with the ban
    assert third

    await request(s.luc, "dans 4 jours 9h-11h")
    await settled()
    assert {(4, "expiry"), (4, "pending")} <= await due_kinds(s.app)
    await s.fake.send_text(s.anne, s.village, "/retirer clio")
    asking = await s.fake.next_message(chat=s.village)
    await s.fake.press_button(s.anne, asking, text="Oui, la retirer")
    await s.fake.next_message(chat=s.luc, text_contains="Clio")
    await settled()
    assert await due_kinds(s.app) == set()  # the removed car's request expires no more
