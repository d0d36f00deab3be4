"""The trip through the fake Bot API, in process: the pickup reminder and its keys, the
pickup and return questions, the managers' check, incidents, no-shows and payment."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.booking import CarDraft, Energy
from bot.callbacks import Callback, Kind
from bot.trips import ReminderKind
from handlers.common.context import CovoisinApp, CovoisinContext
from handlers.common.jobs import TIMER, wake
from handlers.trip.reports import REMINDER_RETRY, send_reminder
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

Message = dict[str, Any]
KEYS = "Boîte aux lettres, code 1234"


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

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql))

    def set_offsets(self, **seconds: int) -> None:
        """The group's reminder offsets, written as an admin's setting would be."""
        columns = ", ".join(f"{name}_seconds" for name in seconds)
        values = ", ".join(str(value) for value in seconds.values())
        updates = ", ".join(f"{name}_seconds = excluded.{name}_seconds" for name in seconds)
        with sqlite3.connect(self.db_path) as conn:
            conn.execute(
                f"INSERT INTO group_settings (chat_id, {columns}) VALUES ({self.village.id}, "
                f"{values}) ON CONFLICT (chat_id) DO UPDATE SET {updates}"
            )


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    clock = MovableClock()
    paul, marie, luc = fake.add_user("Paul"), fake.add_user("Marie"), fake.add_user("Luc")
    village = fake.add_group("Saint-Martin", members=[paul, marie, luc])
    async with running_bot(fake, tmp_path, clock=clock) as app:
        for member in (paul, marie, luc):
            await join(app, member, village)
        car = await services_of(app).booking.add_car(
            village.id,
            paul.id,
            CarDraft(
                name="Clio",
                seats=5,
                energy=Energy.PETROL,
                parked_at="devant la mairie",
                key_instructions=KEYS,
                contribution_per_km_cents=30,
                contribution_per_day_cents=500,
            ),
        )
        assert not isinstance(car, Exception)
        yield Scene(
            fake, app, clock, village, paul, marie, luc, tmp_path / "data" / "covoisin.sqlite3"
        )


def _data(message: Message, kind: Kind) -> str:
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith(f"v1:{kind}:"):
                return data
    raise AssertionError(f"no {kind} button on {message.get('text')!r}")


async def _accepted(s: Scene) -> Message:
    """Marie's request for tomorrow, accepted by Paul; the pickup offset makes the
    reminder due at once. Returns the reminder."""
    s.set_offsets(pickup_reminder=3 * 24 * 3600)
    await s.fake.send_text(s.marie, s.village, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.village)
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _data(prompt, Kind.ACCEPT))
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    return await s.fake.next_message(chat=s.marie, text_contains="⏰")


async def _say(s: Scene, who: FakeUser, text: str) -> Message:
    await s.fake.send_private(who, text)
    return await s.fake.next_message(chat=who)


async def _press(s: Scene, who: FakeUser, message: Message, data: str) -> Message:
    await s.fake.press_button(who, message, data)
    return await s.fake.next_message(chat=who)


async def _picked_up(s: Scene, km: str = "45210") -> Message:
    reminder = await _accepted(s)
    await _press(s, s.marie, reminder, _data(reminder, Kind.PICKUP))
    fuel = await _say(s, s.marie, km)
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, 1, "f2").data())
    done = await _press(s, s.marie, photo, Callback(Kind.TRIP_FORM, 1, "skip").data())
    await s.fake.next_message(chat=s.paul, text_contains="a pris votre Clio")
    return done


async def _returned(s: Scene) -> tuple[Message, Message]:
    done = await _picked_up(s)
    await _press(s, s.marie, done, _data(done, Kind.RETURN))
    fuel = await _say(s, s.marie, "45330")
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, 1, "f4").data())
    back = await _press(s, s.marie, photo, Callback(Kind.TRIP_FORM, 1, "skip").data())
    report = await s.fake.next_message(chat=s.paul, text_contains="a rendu votre Clio")
    await _feedback_asked(s)
    return back, report


async def _feedback_asked(s: Scene) -> None:
    """After a return both sides are asked for feedback (tests/handlers/test_reputation.py)."""
    await s.fake.next_message(chat=s.marie, text_contains="Votre avis sur Paul")
    await s.fake.next_message(chat=s.paul, text_contains="Votre avis sur Marie")


async def _alert(s: Scene, who: FakeUser, message: Message, data: str) -> str:
    mark = s.fake.mark()
    await s.fake.forge_callback(who, message, data)
    answer = await s.fake.wait_for_call("answerCallbackQuery", since=mark)
    return str(answer.params.get("text", ""))


async def test_the_pickup_reminder_carries_the_keys_to_the_borrower_only(s: Scene) -> None:
    reminder = await _accepted(s)
    assert "la Clio de Paul" in reminder["text"]
    assert "devant la mairie" in reminder["text"]
    assert f"🔑 {KEYS}" in reminder["text"]
    _data(reminder, Kind.PICKUP)
    carrying_keys = [
        call.params["chat_id"]
        for call in s.fake.calls
        if call.method in ("sendMessage", "editMessageText") and "1234" in str(call.params)
    ]
    assert carrying_keys == [s.marie.id]
    assert s.rows("SELECT booking_id, kind FROM reminders_sent") == [(1, "pickup")]
    assert_said_nothing_more(s.fake)


async def test_pickup_then_return_then_all_good_then_paid(s: Scene) -> None:
    reminder = await _accepted(s)
    question = await _press(s, s.marie, reminder, _data(reminder, Kind.PICKUP))
    assert "compteur" in question["text"]

    # Wrong answers are explained and change nothing.
    assert "Je n'ai pas compris « douze mille »" in (await _say(s, s.marie, "douze mille"))["text"]
    assert "sous zéro" in (await _say(s, s.marie, "-5"))["text"]
    await s.fake.send_photo(s.marie, None)
    assert "nombre de kilomètres" in (await s.fake.next_message(chat=s.marie))["text"]
    fuel = await _say(s, s.marie, "45 210 km")
    assert "carburant" in fuel["text"]
    assert "boutons" in (await _say(s, s.marie, "à moitié"))["text"]
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, 1, "f2").data())
    await s.fake.send_photo(s.marie, None)
    done = await s.fake.next_message(chat=s.marie)
    assert "bonne route" in done["text"]
    report = await s.fake.next_message(chat=s.paul, text_contains="Marie a pris votre Clio")
    assert "45\u202f210 km" in report["text"] and "½" in report["text"]
    assert "1234" not in report["text"]
    shown = await s.fake.next_message(chat=s.paul)
    assert "photo" in shown  # the dashboard photo follows the report
    assert s.rows("SELECT status FROM bookings") == [("active",)]
    assert s.rows("SELECT odometer_km, fuel_quarters FROM trip_readings") == [(45210, 2)]
    del photo

    # The reminder's button again: already taken, nothing changes.
    assert "déjà noté" in await _alert(s, s.marie, reminder, _data(reminder, Kind.PICKUP))

    await _press(s, s.marie, done, _data(done, Kind.RETURN))
    assert "moins qu'au départ" in (await _say(s, s.marie, "45000"))["text"]
    assert "par jour" in (await _say(s, s.marie, "99999"))["text"]
    fuel = await _say(s, s.marie, "45330")
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, 1, "f4").data())
    back = await _press(s, s.marie, photo, Callback(Kind.TRIP_FORM, 1, "skip").data())
    assert "120 km" in back["text"]
    assert "41,00" in back["text"]
    report = await s.fake.next_message(chat=s.paul, text_contains="Marie a rendu votre Clio")
    assert "120 km" in report["text"] and "plein" in report["text"]
    await _feedback_asked(s)

    await s.fake.press_button(s.paul, report, _data(report, Kind.ALL_GOOD))
    thanks = await s.fake.next_message(chat=s.marie)
    assert "Paul confirme" in thanks["text"]
    await s.fake.press_button(s.marie, back, _data(back, Kind.PAID))
    asked = await s.fake.next_message(chat=s.paul)
    assert "Marie indique vous avoir réglé 41,00" in asked["text"]
    await s.fake.press_button(s.paul, asked, _data(asked, Kind.PAID_CONFIRM))
    confirmed = await s.fake.next_message(chat=s.marie)
    assert "Paul confirme avoir reçu 41,00" in confirmed["text"]
    assert s.rows("SELECT status FROM bookings") == [("returned",)]
    assert s.rows("SELECT amount_cents, paid_at IS NOT NULL, confirmed_by FROM contributions") == [
        (4100, 1, s.paul.id)
    ]
    assert s.rows("SELECT outcome FROM return_checks") == [("all_good",)]
    assert_said_nothing_more(s.fake)


async def test_bookings_list_shows_trip_buttons_and_open_amounts(s: Scene) -> None:
    back, _ = await _returned(s)
    listed = await _say(s, s.marie, "/resas")
    assert "41,00" in listed["text"] and "Paul" in listed["text"]
    await s.fake.press_button(s.marie, listed, _data(listed, Kind.PAID))
    await s.fake.next_message(chat=s.paul, text_contains="41,00")
    owed = await _say(s, s.paul, "/resas")
    assert "Marie indique avoir payé 41,00" in owed["text"]
    _data(owed, Kind.PAID_CONFIRM)
    del back


async def test_a_problem_opens_an_incident_either_side_resolves(s: Scene) -> None:
    _, report = await _returned(s)
    question = await _press(s, s.paul, report, _data(report, Kind.PROBLEM))
    assert "Quel est le problème" in question["text"]
    photo = await _say(s, s.paul, "Rayure sur la portière <arrière>")
    await s.fake.send_photo(s.paul, None)
    told = await s.fake.next_message(chat=s.marie, text_contains="signale un problème")
    assert "Rayure sur la portière <arrière>" in told["text"]
    await s.fake.next_message(chat=s.marie)  # the photo
    own = await s.fake.next_message(chat=s.paul, text_contains="signale un problème")
    await s.fake.next_message(chat=s.paul)  # the photo
    assert s.rows("SELECT text, photo_file_id IS NOT NULL FROM incidents") == [
        ("Rayure sur la portière <arrière>", 1)
    ]
    # Luc is no party to it.
    luc_message = await _say(s, s.luc, "/aide")
    assert "ne vous concerne pas" in await _alert(s, s.luc, luc_message, _data(told, Kind.RESOLVE))
    await s.fake.press_button(s.marie, told, _data(told, Kind.RESOLVE))
    notice = await s.fake.next_message(chat=s.paul)
    assert "Marie indique que le problème avec la Clio est réglé" in notice["text"]
    assert "déjà fait" in await _alert(s, s.paul, own, _data(own, Kind.RESOLVE))
    assert s.rows("SELECT resolved_by FROM incidents") == [(s.marie.id,)]
    del photo


async def test_buttons_of_someone_else_or_out_of_turn_change_nothing(s: Scene) -> None:
    reminder = await _accepted(s)
    luc_message = await _say(s, s.luc, "/aide")
    for data in (
        Callback(Kind.PICKUP, 1).data(),
        Callback(Kind.RETURN, 1).data(),
        Callback(Kind.PAID, 1).data(),
        Callback(Kind.NO_SHOW, 1).data(),
        Callback(Kind.ALL_GOOD, 1).data(),
    ):
        assert "ne vous concerne pas" in await _alert(s, s.luc, luc_message, data)
    # Return before pickup; a manager's check before the return; a no-show too early.
    assert "pas encore été notée comme prise" in await _alert(
        s, s.marie, reminder, Callback(Kind.RETURN, 1).data()
    )
    paul_message = await _say(s, s.paul, "/aide")
    assert "pas encore" in await _alert(s, s.paul, paul_message, Callback(Kind.ALL_GOOD, 1).data())
    assert "un peu tôt" in await _alert(s, s.paul, paul_message, Callback(Kind.NO_SHOW, 1).data())
    assert "Ce bouton" in await _alert(s, s.marie, reminder, "v1:trip:1:f9")
    assert s.rows("SELECT status FROM bookings") == [("accepted",)]
    assert s.rows("SELECT count(*) FROM trip_readings") == [(0,)]


async def test_a_pickup_below_the_last_return_is_questioned(s: Scene) -> None:
    with sqlite3.connect(s.db_path) as conn:
        conn.execute(
            "INSERT INTO bookings (car_id, chat_id, borrower_id, start_at, end_at, status, "
            "created_at, expires_at) VALUES (1, ?, ?, '2026-01-01T09:00:00+00:00', "
            "'2026-01-01T10:00:00+00:00', 'returned', '2025-12-31T09:00:00+00:00', "
            "'2025-12-31T21:00:00+00:00')",
            (s.village.id, s.luc.id),
        )
        conn.execute(
            "INSERT INTO trip_readings VALUES (1, 'return', 50000, 4, NULL, 0, ?, "
            "'2026-01-01T10:00:00+00:00')",
            (s.luc.id,),
        )
    reminder = await _accepted(s)
    await _press(s, s.marie, reminder, _data(reminder, Kind.PICKUP))
    question = await _say(s, s.marie, "45210")
    assert "moins que le dernier retour noté (50\u202f000 km)" in question["text"]
    again = await _press(s, s.marie, question, Callback(Kind.TRIP_FORM, 2, "lowno").data())
    assert "compteur" in again["text"]
    question = await _say(s, s.marie, "45210")
    fuel = await _press(s, s.marie, question, Callback(Kind.TRIP_FORM, 2, "lowok").data())
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, 2, "f1").data())
    await _press(s, s.marie, photo, Callback(Kind.TRIP_FORM, 2, "skip").data())
    assert s.rows(
        "SELECT odometer_km, confirmed_lower FROM trip_readings WHERE booking_id = 2"
    ) == [(45210, 1)]


async def test_no_show_from_an_hour_after_the_start(s: Scene) -> None:
    await _accepted(s)
    listed = await _say(s, s.paul, "/resas")
    with pytest.raises(AssertionError):
        _data(listed, Kind.NO_SHOW)
    [(start,)] = s.rows("SELECT start_at FROM bookings")
    s.clock.advance(datetime.fromisoformat(start) - s.clock() + timedelta(hours=1, minutes=1))
    listed = await _say(s, s.paul, "/resas")
    await s.fake.press_button(s.paul, listed, _data(listed, Kind.NO_SHOW))
    told = await s.fake.next_message(chat=s.marie)
    assert "pas venu" in told["text"]
    assert s.rows("SELECT status FROM bookings") == [("no_show",)]
    assert s.rows("SELECT marked_by FROM no_shows") == [(s.paul.id,)]


async def test_cancelling_drops_the_reminders(s: Scene) -> None:
    s.set_offsets(pickup_reminder=60)
    await s.fake.send_text(s.marie, s.village, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.village)
    prompt = await s.fake.next_message(chat=s.paul)
    await s.fake.press_button(s.paul, prompt, _data(prompt, Kind.ACCEPT))
    await s.fake.next_message(chat=s.marie, text_contains="d'accord")
    assert (1, "pickup") in await due_kinds(s.app)
    await s.fake.send_private(s.marie, "/annuler 1")
    confirm = await s.fake.next_message(chat=s.marie, text_contains="Annuler celle-ci")
    await s.fake.press_button(s.marie, confirm, text="❌ Oui, annuler")
    await s.fake.next_message(chat=s.paul, text_contains="annulé")
    assert await due_kinds(s.app) == set()
    await assert_due_follows_database(s.app)


async def test_managers_are_reminded_of_a_request_still_pending(s: Scene) -> None:
    s.set_offsets(pending_reminder=1)
    await s.fake.send_text(s.marie, s.village, "/reserver clio demain 10h-12h")
    await s.fake.next_message(chat=s.village)
    await s.fake.next_message(chat=s.paul, text_contains="aimerait emprunter")
    nudge = await s.fake.next_message(chat=s.paul, text_contains="⏰")
    assert "Marie attend votre réponse" in nudge["text"]
    assert s.rows("SELECT kind FROM reminders_sent") == [("pending",)]
    assert_said_nothing_more(s.fake)


async def _run_reminder(s: Scene, kind: ReminderKind) -> None:
    """The reminder, sent now on the moved clock, as the bookings' timer would (the
    JobQueue itself keeps the wall clock)."""
    await send_reminder(CovoisinContext(s.app), 1, kind)


async def test_overdue_alert_to_the_borrower_and_the_managers_once(s: Scene) -> None:
    await _picked_up(s)
    [(end,)] = s.rows("SELECT end_at FROM bookings")
    s.clock.advance(datetime.fromisoformat(end) - s.clock() + timedelta(minutes=31))
    await _run_reminder(s, ReminderKind.OVERDUE)
    alert = await s.fake.next_message(chat=s.marie, text_contains="devait être rendue")
    _data(alert, Kind.RETURN)
    await s.fake.next_message(chat=s.paul, text_contains="n'est pas encore rendue")
    await _run_reminder(s, ReminderKind.OVERDUE)
    assert_said_nothing_more(s.fake)


async def test_the_no_show_prompt_reaches_the_managers_an_hour_after_the_start(s: Scene) -> None:
    await _accepted(s)
    [(start,)] = s.rows("SELECT start_at FROM bookings")
    s.clock.advance(datetime.fromisoformat(start) - s.clock() + timedelta(minutes=61))
    await _run_reminder(s, ReminderKind.NO_SHOW)
    prompt = await s.fake.next_message(chat=s.paul, text_contains="n'a pas indiqué avoir pris")
    await s.fake.press_button(s.paul, prompt, _data(prompt, Kind.NO_SHOW))
    await s.fake.next_message(chat=s.marie, text_contains="pas venu")
    assert s.rows("SELECT status FROM bookings") == [("no_show",)]
    # A pickup reminder is of no use any more: nothing is sent.
    await _run_reminder(s, ReminderKind.PICKUP)
    assert_said_nothing_more(s.fake)


async def test_annuler_in_the_middle_of_a_pickup_form_ends_the_form(s: Scene) -> None:
    reminder = await _accepted(s)
    await _press(s, s.marie, reminder, _data(reminder, Kind.PICKUP))  # the odometer question
    await s.fake.send_private(s.marie, "/annuler")
    stopped = await s.fake.next_message(chat=s.marie)
    assert "Vos demandes" not in str(stopped["text"])
    await s.fake.send_private(s.marie, "45210")
    after = await s.fake.next_message(chat=s.marie)
    assert "Je ne sais pas encore répondre" in str(after["text"])
    assert s.rows("SELECT count(*) FROM trip_readings") == [(0,)]


async def test_a_pickup_reminder_telegram_refused_is_tried_again_not_lost(s: Scene) -> None:
    await _accepted(s)
    # As if the reminder were due now, with Telegram refusing it for a while.
    with sqlite3.connect(s.db_path) as conn:
        conn.execute("DELETE FROM reminders_sent")
    s.fake.fail_next(1, status=400, method="sendMessage", description="Bad Request: passing")
    await _run_reminder(s, ReminderKind.PICKUP)
    assert s.rows("SELECT count(*) FROM reminders_sent") == [(0,)]
    # Tried again a minute later.
    [retry] = [m for m in await services_of(s.app).schedule.of_booking(1) if m.kind == "pickup"]
    assert retry.at - s.clock() <= REMINDER_RETRY
    s.clock.advance(REMINDER_RETRY)
    assert await run_due(s.app) >= 1
    reminder = await s.fake.next_message(chat=s.marie, text_contains="⏰")
    assert "🔑" in str(reminder["text"])
    assert s.rows("SELECT kind FROM reminders_sent") == [("pickup",)]


async def test_a_return_telegram_refuses_to_confirm_still_plans_the_reveal(s: Scene) -> None:
    done = await _picked_up(s)
    await _press(s, s.marie, done, _data(done, Kind.RETURN))
    fuel = await _say(s, s.marie, "45330")
    photo = await _press(s, s.marie, fuel, Callback(Kind.TRIP_FORM, 1, "f4").data())
    # Telegram refuses the confirmation of the return: what was to follow is not sent.
    s.fake.fail_next(1, status=400, method="sendMessage", description="Bad Request: passing")
    since = s.fake.mark()
    await s.fake.press_button(s.marie, photo, Callback(Kind.TRIP_FORM, 1, "skip").data())
    await s.fake.wait_for_call("sendMessage", ok=False, since=since)
    await s.fake.wait_for_call("answerCallbackQuery", since=since)
    assert s.rows("SELECT status FROM bookings") == [("returned",)]
    # The seven days of the feedback round are planned, the late alert is gone.
    planned = await due_kinds(s.app, 1)
    assert (1, "reveal") in planned
    assert (1, "overdue") not in planned


async def test_a_reminder_set_to_be_tried_again_keeps_its_minute_when_things_change(
    s: Scene,
) -> None:
    await _accepted(s)
    with sqlite3.connect(s.db_path) as conn:
        conn.execute("DELETE FROM reminders_sent")
    s.fake.fail_next(1, status=400, method="sendMessage", description="Bad Request: passing")
    await _run_reminder(s, ReminderKind.PICKUP)
    schedule = services_of(s.app).schedule
    [retry] = [m for m in await schedule.of_booking(1) if m.kind == "pickup"]
    await schedule.reconcile([1])  # any change to the booking, a settings press...
    [kept] = [m for m in await schedule.of_booking(1) if m.kind == "pickup"]
    assert kept.at == retry.at > s.clock()


async def test_the_timer_sets_itself_again_after_a_fault(
    s: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = services_of(s.app).schedule

    async def busy(*_: object) -> list[object]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(schedule, "take", busy)
    jobs = s.app.job_queue
    assert jobs is not None
    for job in jobs.jobs():
        if job.name == TIMER:
            job.schedule_removal()
    await wake(CovoisinContext(s.app))
    [timer] = [job for job in jobs.jobs() if job.name == TIMER and not job.removed]
    assert timer.next_t is not None
