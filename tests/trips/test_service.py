"""TripService over a real database: pickup, return, checks, incidents, no-shows, payment
and the reminder claims, with an injected clock."""

from __future__ import annotations

from datetime import timedelta

from bot.schedule import SchedulingService
from bot.trips import (
    IncidentView,
    OdometerProblem,
    OpenContribution,
    PickedUp,
    ReminderKind,
    Returned,
    Trip,
    TripRefusalReason,
    TripRefused,
)
from storage.due import DueMoment
from storage.models import BookingStatus
from tests.booking.conftest import BORROWER, CO_MANAGER, NEIGHBOUR, OWNER
from tests.trips.conftest import Trips


def refused(result: object, reason: TripRefusalReason) -> None:
    assert isinstance(result, TripRefused), result
    assert result.reason is reason, result


async def _picked_up(t: Trips, km: int = 1000) -> int:
    booking = await t.accepted(timedelta(minutes=30))
    picked = await t.service.record_pickup(booking.id, BORROWER, km, 4, None)
    assert isinstance(picked, PickedUp), picked
    return booking.id


async def test_pickup_makes_the_booking_active_once(trips: Trips) -> None:
    booking = await trips.accepted(timedelta(minutes=30))
    refused(
        await trips.service.record_pickup(booking.id, NEIGHBOUR, 1000, 4, None),
        TripRefusalReason.NOT_YOURS,
    )
    picked = await trips.service.record_pickup(booking.id, BORROWER, 1000, 3, "photo-1")
    assert isinstance(picked, PickedUp)
    assert picked.trip.booking.status is BookingStatus.ACTIVE
    assert picked.reading.fuel_quarters == 3 and picked.reading.photo_file_id == "photo-1"
    refused(
        await trips.service.record_pickup(booking.id, BORROWER, 1000, 3, None),
        TripRefusalReason.ALREADY_PICKED_UP,
    )
    assert await trips.village.count("trip_readings") == 1


async def test_pickup_too_early_and_return_before_pickup_change_nothing(trips: Trips) -> None:
    booking = await trips.accepted(timedelta(hours=5))
    refused(await trips.service.can_pick_up(booking.id, BORROWER), TripRefusalReason.TOO_EARLY)
    refused(
        await trips.service.record_return(booking.id, BORROWER, 1200, 2, None),
        TripRefusalReason.NOT_PICKED_UP,
    )
    trips.village.clock.advance(timedelta(hours=4))
    assert isinstance(await trips.service.can_pick_up(booking.id, BORROWER), Trip)
    assert await trips.village.count("trip_readings") == 0


async def test_return_computes_distance_and_contribution(trips: Trips) -> None:
    booking_id = await _picked_up(trips)
    trips.village.clock.advance(timedelta(hours=2))
    refused(
        await trips.service.record_return(booking_id, BORROWER, 999, 2, None),
        TripRefusalReason.BAD_READING,
    )
    absurd = await trips.service.record_return(booking_id, BORROWER, 3001, 2, None)
    assert isinstance(absurd, TripRefused) and absurd.problem is OdometerProblem.ABSURD
    returned = await trips.service.record_return(booking_id, BORROWER, 1120, 2, None)
    assert isinstance(returned, Returned)
    assert returned.distance_km == 120
    assert returned.duration == timedelta(hours=2)
    assert returned.contribution is not None
    assert returned.contribution.amount_cents == 120 * 30 + 500
    assert returned.trip.booking.status is BookingStatus.RETURNED
    refused(
        await trips.service.record_return(booking_id, BORROWER, 1120, 2, None),
        TripRefusalReason.ALREADY_RETURNED,
    )


async def test_a_pickup_below_the_last_return_needs_confirmation(trips: Trips) -> None:
    first = await _picked_up(trips)
    trips.village.clock.advance(timedelta(hours=3))
    assert isinstance(await trips.service.record_return(first, BORROWER, 1500, 2, None), Returned)
    second = await trips.accepted(timedelta(minutes=30))
    assert await trips.service.pickup_needs_confirmation(trips.car.id, 1400) == 1500
    assert await trips.service.pickup_needs_confirmation(trips.car.id, 1500) is None
    refused(
        await trips.service.record_pickup(second.id, BORROWER, 1400, 2, None),
        TripRefusalReason.BAD_READING,
    )
    picked = await trips.service.record_pickup(second.id, BORROWER, 1400, 2, None, True)
    assert isinstance(picked, PickedUp) and picked.reading.confirmed_lower


async def test_managers_check_once_and_incidents_resolve_by_either_side(trips: Trips) -> None:
    booking_id = await _picked_up(trips)
    refused(await trips.service.all_good(booking_id, OWNER), TripRefusalReason.NOT_PICKED_UP)
    await trips.service.record_return(booking_id, BORROWER, 1100, 4, None)
    refused(await trips.service.all_good(booking_id, BORROWER), TripRefusalReason.NOT_YOURS)
    opened = await trips.service.report_problem(booking_id, OWNER, " Rayure à l'arrière ", "p")
    assert isinstance(opened, IncidentView)
    assert opened.incident.text == "Rayure à l'arrière"
    refused(await trips.service.all_good(booking_id, OWNER), TripRefusalReason.ALREADY_HANDLED)
    refused(
        await trips.service.resolve_incident(opened.incident.id, NEIGHBOUR),
        TripRefusalReason.NOT_YOURS,
    )
    resolved = await trips.service.resolve_incident(opened.incident.id, BORROWER)
    assert isinstance(resolved, IncidentView) and resolved.incident.resolved_by == BORROWER
    refused(
        await trips.service.resolve_incident(opened.incident.id, OWNER),
        TripRefusalReason.ALREADY_HANDLED,
    )


async def test_no_show_from_an_hour_after_the_start(trips: Trips) -> None:
    booking = await trips.accepted(timedelta(minutes=30))
    trips.village.clock.advance(timedelta(minutes=89))
    refused(await trips.service.mark_no_show(booking.id, OWNER), TripRefusalReason.TOO_EARLY)
    trips.village.clock.advance(timedelta(minutes=1))
    refused(await trips.service.mark_no_show(booking.id, BORROWER), TripRefusalReason.NOT_YOURS)
    marked = await trips.service.mark_no_show(booking.id, OWNER)
    assert isinstance(marked, Trip) and marked.booking.status is BookingStatus.NO_SHOW
    refused(await trips.service.mark_no_show(booking.id, OWNER), TripRefusalReason.ALREADY_HANDLED)
    assert await trips.village.count("no_shows") == 1


async def test_contribution_marked_paid_then_confirmed(trips: Trips) -> None:
    booking_id = await _picked_up(trips)
    await trips.service.record_return(booking_id, BORROWER, 1010, 4, None)
    [open_one] = await trips.service.open_contributions(OWNER)
    assert open_one.record.amount_cents == 10 * 30 + 500
    assert [c.record.booking_id for c in await trips.service.open_contributions(BORROWER)] == [
        booking_id
    ]
    refused(await trips.service.confirm_paid(booking_id, OWNER), TripRefusalReason.NOT_MARKED_PAID)
    refused(await trips.service.mark_paid(booking_id, OWNER), TripRefusalReason.NOT_YOURS)
    paid = await trips.service.mark_paid(booking_id, BORROWER)
    assert isinstance(paid, OpenContribution) and paid.record.paid_at is not None
    refused(await trips.service.mark_paid(booking_id, BORROWER), TripRefusalReason.ALREADY_HANDLED)
    refused(await trips.service.confirm_paid(booking_id, CO_MANAGER), TripRefusalReason.NOT_YOURS)
    confirmed = await trips.service.confirm_paid(booking_id, OWNER)
    assert isinstance(confirmed, OpenContribution) and confirmed.record.confirmed_by == OWNER
    assert await trips.service.open_contributions(BORROWER) == []


async def _planned(trips: Trips, booking_id: int) -> list[DueMoment]:
    """What the bookings' timer plans for this booking, from the database (bot/schedule.py)."""
    schedule = SchedulingService(trips.village.repos, trips.village.clock)
    return [m for m in await schedule.implied() if m.booking_id == booking_id]


async def test_a_reminder_is_claimed_once_and_only_while_useful(trips: Trips) -> None:
    booking = await trips.accepted(timedelta(minutes=30))
    plan = await _planned(trips, booking.id)
    assert [m.kind for m in plan][:2] == [ReminderKind.PICKUP, ReminderKind.NO_SHOW]
    # The pickup reminder (due 30 minutes ago) goes at once.
    assert plan[0].at == trips.village.clock.now
    assert await trips.service.claim_reminder(booking.id, ReminderKind.END) is None
    assert await trips.service.claim_reminder(booking.id, ReminderKind.PICKUP) is not None
    assert await trips.service.claim_reminder(booking.id, ReminderKind.PICKUP) is None
    # After a restart the plan no longer holds it.
    rebuilt = await _planned(trips, booking.id)
    assert ReminderKind.PICKUP not in [m.kind for m in rebuilt]
    assert await trips.village.count("reminders_sent") == 1


async def test_group_offsets_are_read_from_its_settings(trips: Trips) -> None:
    settings = await trips.village.repos.settings.get(-100)
    assert settings.pickup_reminder_seconds == 3600
    async with trips.village.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO group_settings (chat_id, pickup_reminder_seconds) VALUES (-100, 5)"
        )
    booking = await trips.accepted(timedelta(hours=2))
    [pickup, *_] = await _planned(trips, booking.id)
    assert pickup.kind == ReminderKind.PICKUP
    assert pickup.at == booking.start - timedelta(seconds=5)
