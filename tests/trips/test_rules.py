"""The reminder schedule, odometer readings and the contribution, with an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.trips.rules import (
    OdometerProblem,
    Reminder,
    charged_days,
    check_return_odometer,
    days_between,
    due_at,
    is_useful,
    may_mark_no_show,
    parse_odometer,
    pickup_below_last_return,
    pickup_opens,
    reminders_ahead,
    suggest_contribution,
)
from storage.models import Booking, BookingStatus, GroupSettings, ReminderKind

PARIS = ZoneInfo("Europe/Paris")
DEFAULTS = GroupSettings()


def paris(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def booking(
    start: datetime,
    end: datetime,
    status: BookingStatus = BookingStatus.ACCEPTED,
    created: datetime | None = None,
    expires: datetime | None = None,
) -> Booking:
    created = created or start - timedelta(days=1)
    return Booking(
        id=7,
        car_id=1,
        chat_id=-100,
        borrower_id=2,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        status=status,
        created_at=created.astimezone(UTC),
        expires_at=(expires or created + timedelta(hours=12)).astimezone(UTC),
        decided_at=None,
        decided_by=None,
        decline_reason=None,
        superseded_by=None,
        cancelled_at=None,
        cancelled_by=None,
        late_cancellation=False,
    )


SATURDAY = booking(paris(11, 28, 10), paris(11, 28, 12))


def kinds(plan: list[Reminder]) -> list[ReminderKind]:
    return [reminder.kind for reminder in plan]


# When each reminder is due


def test_default_offsets() -> None:
    assert due_at(ReminderKind.PICKUP, SATURDAY, DEFAULTS) == paris(11, 28, 9)
    assert due_at(ReminderKind.NO_SHOW, SATURDAY, DEFAULTS) == paris(11, 28, 11)
    assert due_at(ReminderKind.END, SATURDAY, DEFAULTS) == paris(11, 28, 11, 30)
    assert due_at(ReminderKind.OVERDUE, SATURDAY, DEFAULTS) == paris(11, 28, 12, 30)


def test_group_offsets_in_seconds() -> None:
    quick = replace(DEFAULTS, pickup_reminder_seconds=5, end_reminder_seconds=0)
    assert due_at(ReminderKind.PICKUP, SATURDAY, quick) == paris(11, 28, 10) - timedelta(seconds=5)
    assert due_at(ReminderKind.END, SATURDAY, quick) == paris(11, 28, 12)


def test_pending_reminder_two_hours_after_the_request_or_halfway_to_expiry() -> None:
    made = paris(11, 25, 9)
    long_lived = booking(
        paris(11, 28, 10),
        paris(11, 28, 12),
        BookingStatus.PENDING,
        made,
        made + timedelta(hours=12),
    )
    assert due_at(ReminderKind.PENDING, long_lived, DEFAULTS) == paris(11, 25, 11)
    soon = booking(
        paris(11, 25, 10), paris(11, 25, 12), BookingStatus.PENDING, made, paris(11, 25, 10)
    )
    assert due_at(ReminderKind.PENDING, soon, DEFAULTS) == paris(11, 25, 9, 30)


def test_one_hour_before_is_a_real_hour_when_summer_time_starts() -> None:
    # 29 March 2026: Paris clocks jump from 02:00 to 03:00. A 03:30 start is 01:30 UTC;
    # an hour earlier is 00:30 UTC, which the village's clocks show as 01:30.
    early = booking(paris(3, 29, 3, 30), paris(3, 29, 6))
    due = due_at(ReminderKind.PICKUP, early, DEFAULTS)
    assert due == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert due.astimezone(PARIS).strftime("%H:%M") == "01:30"
    assert early.start - due == timedelta(hours=1)


def test_thirty_minutes_after_the_end_when_summer_time_ends() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; the end at 02:45 CEST (00:45 UTC) is
    # followed 30 minutes later by 02:15 CET, wall clock earlier, instant later.
    end = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)
    night = booking(end - timedelta(hours=3), end)
    overdue = due_at(ReminderKind.OVERDUE, night, DEFAULTS)
    assert overdue - end == timedelta(minutes=30)
    assert overdue.astimezone(PARIS).strftime("%H:%M %Z") == "02:15 CET"


# What is planned, and what a restart does


def test_accepted_booking_plans_pickup_no_show_end_and_overdue_in_order() -> None:
    plan = reminders_ahead(SATURDAY, DEFAULTS, paris(11, 25, 9), sent=())
    assert kinds(plan) == [
        ReminderKind.PICKUP,
        ReminderKind.NO_SHOW,
        ReminderKind.END,
        ReminderKind.OVERDUE,
    ]
    assert [reminder.at for reminder in plan] == sorted(reminder.at for reminder in plan)


def test_sent_reminders_are_never_planned_again() -> None:
    plan = reminders_ahead(SATURDAY, DEFAULTS, paris(11, 25, 9), sent={ReminderKind.PICKUP})
    assert ReminderKind.PICKUP not in kinds(plan)


def test_pending_request_plans_only_the_managers_reminder() -> None:
    pending = replace(SATURDAY, status=BookingStatus.PENDING)
    assert kinds(reminders_ahead(pending, DEFAULTS, paris(11, 27, 9), ())) == [ReminderKind.PENDING]


@pytest.mark.parametrize(
    "status", [BookingStatus.CANCELLED, BookingStatus.RETURNED, BookingStatus.NO_SHOW]
)
def test_finished_bookings_plan_nothing(status: BookingStatus) -> None:
    assert reminders_ahead(replace(SATURDAY, status=status), DEFAULTS, paris(11, 25, 9), ()) == []


def test_restart_after_the_pickup_reminder_time_but_before_the_start_sends_it_at_once() -> None:
    # Down from 08:50 to 09:20: the 09:00 reminder is still worth sending.
    now = paris(11, 28, 9, 20)
    plan = reminders_ahead(SATURDAY, DEFAULTS, now, ())
    assert plan[0] == Reminder(SATURDAY.id, ReminderKind.PICKUP, now.astimezone(UTC))


def test_restart_just_after_the_start_still_sends_the_keys() -> None:
    # Down across the start: the borrower still needs the keys, until a no-show may be marked.
    plan = reminders_ahead(SATURDAY, DEFAULTS, paris(11, 28, 10, 5), ())
    assert kinds(plan) == [
        ReminderKind.PICKUP,
        ReminderKind.NO_SHOW,
        ReminderKind.END,
        ReminderKind.OVERDUE,
    ]


def test_restart_an_hour_after_the_start_skips_the_pickup_reminder() -> None:
    plan = reminders_ahead(SATURDAY, DEFAULTS, paris(11, 28, 11, 5), ())
    assert ReminderKind.PICKUP not in kinds(plan)
    assert kinds(plan) == [ReminderKind.NO_SHOW, ReminderKind.END, ReminderKind.OVERDUE]


def test_restart_long_after_the_end_keeps_the_overdue_alert_of_a_car_not_back() -> None:
    active = replace(SATURDAY, status=BookingStatus.ACTIVE)
    now = paris(11, 28, 18)
    assert reminders_ahead(active, DEFAULTS, now, ()) == [
        Reminder(active.id, ReminderKind.OVERDUE, now.astimezone(UTC))
    ]


def test_restart_in_the_middle_of_the_trip() -> None:
    # Picked up, pickup reminder sent; down from 10:30 to 11:45: the end reminder (11:30)
    # is late but the car is still out until 12:00, so it goes at once.
    active = replace(SATURDAY, status=BookingStatus.ACTIVE)
    now = paris(11, 28, 11, 45)
    plan = reminders_ahead(active, DEFAULTS, now, sent={ReminderKind.PICKUP})
    assert plan == [
        Reminder(active.id, ReminderKind.END, now.astimezone(UTC)),
        Reminder(active.id, ReminderKind.OVERDUE, paris(11, 28, 12, 30).astimezone(UTC)),
    ]


def test_restart_after_the_end_skips_the_end_reminder() -> None:
    active = replace(SATURDAY, status=BookingStatus.ACTIVE)
    plan = reminders_ahead(active, DEFAULTS, paris(11, 28, 12, 10), ())
    assert kinds(plan) == [ReminderKind.OVERDUE]


def test_restart_after_a_pending_request_expired_skips_its_reminder() -> None:
    made = paris(11, 25, 9)
    pending = booking(
        paris(11, 28, 10), paris(11, 28, 12), BookingStatus.PENDING, made, paris(11, 25, 21)
    )
    assert reminders_ahead(pending, DEFAULTS, paris(11, 25, 22), ()) == []
    late = reminders_ahead(pending, DEFAULTS, paris(11, 25, 12), ())
    assert late == [Reminder(pending.id, ReminderKind.PENDING, paris(11, 25, 12).astimezone(UTC))]


def test_usefulness_when_the_job_fires() -> None:
    at_nine = paris(11, 28, 9)
    assert is_useful(ReminderKind.PICKUP, SATURDAY, at_nine)
    assert not is_useful(
        ReminderKind.PICKUP, replace(SATURDAY, status=BookingStatus.CANCELLED), at_nine
    )
    # An end reminder waits for the pickup; an overdue alert goes while the car is out.
    assert not is_useful(ReminderKind.END, SATURDAY, paris(11, 28, 11, 30))
    active = replace(SATURDAY, status=BookingStatus.ACTIVE)
    assert is_useful(ReminderKind.END, active, paris(11, 28, 11, 30))
    assert is_useful(ReminderKind.OVERDUE, active, paris(11, 29, 9))
    assert not is_useful(
        ReminderKind.OVERDUE, replace(SATURDAY, status=BookingStatus.RETURNED), paris(11, 29, 9)
    )
    assert not is_useful(ReminderKind.NO_SHOW, SATURDAY, paris(11, 28, 10, 59))
    assert is_useful(ReminderKind.NO_SHOW, SATURDAY, paris(11, 28, 11))


def test_pickup_opens_with_the_reminder_and_no_show_an_hour_after_the_start() -> None:
    assert pickup_opens(SATURDAY, DEFAULTS) == paris(11, 28, 9)
    wide = replace(DEFAULTS, pickup_reminder_seconds=3 * 3600)
    assert pickup_opens(SATURDAY, wide) == paris(11, 28, 7)
    assert not may_mark_no_show(SATURDAY, paris(11, 28, 10, 59))
    assert may_mark_no_show(SATURDAY, paris(11, 28, 11))
    assert not may_mark_no_show(replace(SATURDAY, status=BookingStatus.ACTIVE), paris(11, 28, 12))


# Odometer


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("12345", 12345),
        ("12 345", 12345),
        ("12\u202f345 km", 12345),
        ("12.345", 12345),
        ("12345,6", 12345),
        ("0", 0),
        (" 87654 kilomètres ", 87654),
    ],
)
def test_odometer_readings(text: str, km: int) -> None:
    assert parse_odometer(text) == km


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("douze mille", OdometerProblem.NOT_A_NUMBER),
        ("", OdometerProblem.NOT_A_NUMBER),
        ("12a45", OdometerProblem.NOT_A_NUMBER),
        ("١٢٣", OdometerProblem.NOT_A_NUMBER),
        ("-120", OdometerProblem.NEGATIVE),
        ("123456789", OdometerProblem.TOO_LARGE),
    ],
)
def test_odometer_refusals(text: str, problem: OdometerProblem) -> None:
    assert parse_odometer(text) == problem


def test_return_reading_checks() -> None:
    picked = paris(11, 28, 10)
    assert check_return_odometer(1000, 999, SATURDAY, picked, paris(11, 28, 12)) is (
        OdometerProblem.BELOW_PICKUP
    )
    assert check_return_odometer(1000, 1000, SATURDAY, picked, paris(11, 28, 12)) is None
    assert check_return_odometer(1000, 3000, SATURDAY, picked, paris(11, 28, 12)) is None
    assert check_return_odometer(1000, 3001, SATURDAY, picked, paris(11, 28, 12)) is (
        OdometerProblem.ABSURD
    )
    # Kept two days and a bit: three started days allow 6,000 km.
    assert check_return_odometer(1000, 6900, SATURDAY, picked, paris(11, 30, 11)) is None


def test_pickup_below_the_last_return_is_questioned() -> None:
    assert pickup_below_last_return(1000, 999)
    assert not pickup_below_last_return(1000, 1000)
    assert not pickup_below_last_return(None, 5)


# Contribution


def test_days_are_started_days() -> None:
    start = paris(11, 28, 10)
    assert days_between(start, start + timedelta(minutes=5)) == 1
    assert days_between(start, start + timedelta(hours=24)) == 1
    assert days_between(start, start + timedelta(hours=25)) == 2


def test_suggested_contribution() -> None:
    assert suggest_contribution(None, None, 120, 1) is None
    assert suggest_contribution(30, None, 120, 2) is not None
    assert suggest_contribution(30, None, 120, 2).amount_cents == 3600  # type: ignore[union-attr]
    both = suggest_contribution(30, 500, 120, 2)
    assert both is not None and both.amount_cents == 3600 + 1000
    assert both.distance_km == 120 and both.days == 2


def test_the_day_rate_counts_booked_days_not_the_hour_before_nor_the_clock_change() -> None:
    day = replace(SATURDAY, start=paris(10, 24, 10), end=paris(10, 25, 10))  # 25 real hours
    assert charged_days(day, paris(10, 24, 9), paris(10, 25, 10)) == 1
    assert charged_days(day, paris(10, 24, 9), paris(10, 25, 10, 40)) == 1
    assert charged_days(day, paris(10, 24, 10), paris(10, 25, 12)) == 2
