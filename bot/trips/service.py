"""What the Telegram handlers call for the trip: reminders, pickup, return, the managers'
check, incidents, no-shows and the contribution.

Like `BookingService`: each call reads the clock once, checks that the actor may act and
that the booking is still in the expected state, and writes in one transaction; refusals
change nothing and name their reason (`trip.refusal.<value>`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.booking.status import can_move
from bot.reputation.rules import late_minutes
from bot.reputation.service import ledger_entry, reveal_deadline
from bot.trips.rules import (
    OdometerProblem,
    charged_days,
    check_return_odometer,
    is_useful,
    may_mark_no_show,
    pickup_below_last_return,
    pickup_opens,
    suggest_contribution,
)
from storage import Repositories
from storage.models import (
    Booking,
    BookingStatus,
    Car,
    CheckOutcome,
    ContributionRecord,
    Incident,
    LedgerEntry,
    LedgerKind,
    Reading,
    ReadingMoment,
    ReminderKind,
)

INCIDENT_TEXT_MAX_LENGTH = 1000


class TripRefusalReason(StrEnum):
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    ALREADY_PICKED_UP = "already_picked_up"
    NOT_PICKED_UP = "not_picked_up"
    ALREADY_RETURNED = "already_returned"
    NOT_ACCEPTED = "not_accepted"
    ALREADY_HANDLED = "already_handled"
    NOTHING_TO_PAY = "nothing_to_pay"
    NOT_MARKED_PAID = "not_marked_paid"
    BAD_READING = "bad_reading"


@dataclass(frozen=True, slots=True)
class TripRefused:
    """`problem`: what was wrong with an odometer reading (bad reading)."""

    reason: TripRefusalReason
    booking: Booking | None = None
    problem: OdometerProblem | None = None


@dataclass(frozen=True, slots=True)
class Trip:
    """A booking with its car and the car's managers (owner first)."""

    booking: Booking
    car: Car
    managers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PickedUp:
    trip: Trip
    reading: Reading


@dataclass(frozen=True, slots=True)
class Returned:
    """`contribution`: None when the owner suggests none."""

    trip: Trip
    pickup: Reading
    reading: Reading
    duration: timedelta
    contribution: ContributionRecord | None

    @property
    def distance_km(self) -> int:
        return self.reading.odometer_km - self.pickup.odometer_km


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident: Incident
    trip: Trip


@dataclass(frozen=True, slots=True)
class OpenContribution:
    record: ContributionRecord
    trip: Trip


class TripService:
    def __init__(self, repos: Repositories, clock: Callable[[], datetime]) -> None:
        self._repos = repos
        self._db = repos.db
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    async def trip(self, booking_id: int) -> Trip | None:
        booking = await self._repos.bookings.get(booking_id)
        if booking is None:
            return None
        car = await self._repos.cars.get(booking.car_id)
        assert car is not None, "cars are removed, never deleted"
        managers = tuple(await self._repos.cars.managers(car.id))
        return Trip(booking, car, managers)

    async def _trip(self, booking_id: int) -> Trip:
        trip = await self.trip(booking_id)
        assert trip is not None, "bookings are never deleted"
        return trip

    async def reading(self, booking_id: int, moment: ReadingMoment) -> Reading | None:
        return await self._repos.trips.reading(booking_id, moment)

    # Reminders

    async def claim_reminder(self, booking_id: int, kind: ReminderKind) -> Trip | None:
        """The trip to remind of, for the one job that may send it; None when it is no
        longer useful or was already sent (before a restart, or by another job)."""
        now = self._now()
        async with self._db.transaction() as conn:
            booking = await self._repos.bookings.get(booking_id)
            if booking is None or not is_useful(kind, booking, now):
                return None
            if not await self._repos.trips.claim_reminder(conn, booking_id, kind, now):
                return None
        return await self._trip(booking_id)

    async def release_reminder(self, booking_id: int, kind: ReminderKind) -> None:
        async with self._db.transaction() as conn:
            await self._repos.trips.release_reminder(conn, booking_id, kind)

    # Pickup

    async def _borrowers(self, booking_id: int, user_id: int) -> Trip | TripRefused:
        trip = await self.trip(booking_id)
        if trip is None:
            return TripRefused(TripRefusalReason.NOT_FOUND)
        if trip.booking.borrower_id != user_id:
            return TripRefused(TripRefusalReason.NOT_YOURS)
        return trip

    async def can_pick_up(self, booking_id: int, user_id: int) -> Trip | TripRefused:
        trip = await self._borrowers(booking_id, user_id)
        if isinstance(trip, TripRefused):
            return trip
        booking = trip.booking
        if booking.status in (BookingStatus.ACTIVE, BookingStatus.RETURNED, BookingStatus.CLOSED):
            return TripRefused(TripRefusalReason.ALREADY_PICKED_UP, booking)
        if booking.status is not BookingStatus.ACCEPTED:
            return TripRefused(TripRefusalReason.NOT_ACCEPTED, booking)
        settings = await self._repos.settings.get(booking.chat_id)
        if self._now() < pickup_opens(booking, settings):
            return TripRefused(TripRefusalReason.TOO_EARLY, booking)
        if self._now() >= booking.end:
            # The time is over: the car may be someone else's now; the owner marks a no-show.
            return TripRefused(TripRefusalReason.TOO_LATE, booking)
        return trip

    async def last_return_km(self, car_id: int) -> int | None:
        last = await self._repos.trips.last_return_of_car(car_id)
        return None if last is None else last.odometer_km

    async def pickup_needs_confirmation(self, car_id: int, odometer_km: int) -> int | None:
        """The car's last recorded return when this reading is below it, to ask about."""
        last = await self.last_return_km(car_id)
        return last if pickup_below_last_return(last, odometer_km) else None

    async def record_pickup(
        self,
        booking_id: int,
        user_id: int,
        odometer_km: int,
        fuel_quarters: int,
        photo_file_id: str | None,
        confirmed_lower: bool = False,
    ) -> PickedUp | TripRefused:
        """The borrower has the car: the reading is stored and the booking becomes active."""
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self.can_pick_up(booking_id, user_id)
            if isinstance(trip, TripRefused):
                return trip
            last = await self.last_return_km(trip.car.id)
            if pickup_below_last_return(last, odometer_km) and not confirmed_lower:
                return TripRefused(
                    TripRefusalReason.BAD_READING, trip.booking, OdometerProblem.BELOW_PICKUP
                )
            assert can_move(trip.booking.status, BookingStatus.ACTIVE)
            reading = await self._repos.trips.add_reading(
                conn,
                booking_id,
                ReadingMoment.PICKUP,
                odometer_km,
                fuel_quarters,
                photo_file_id,
                confirmed_lower,
                user_id,
                now,
            )
            await self._repos.trips.mark_active(conn, booking_id)
        return PickedUp(await self._trip(booking_id), reading)

    # Return

    async def can_return(self, booking_id: int, user_id: int) -> Trip | TripRefused:
        trip = await self._borrowers(booking_id, user_id)
        if isinstance(trip, TripRefused):
            return trip
        status = trip.booking.status
        if status in (BookingStatus.RETURNED, BookingStatus.CLOSED):
            return TripRefused(TripRefusalReason.ALREADY_RETURNED, trip.booking)
        if status is not BookingStatus.ACTIVE:
            return TripRefused(TripRefusalReason.NOT_PICKED_UP, trip.booking)
        return trip

    async def check_return_reading(
        self, booking_id: int, odometer_km: int
    ) -> OdometerProblem | None:
        booking = await self._repos.bookings.get(booking_id)
        pickup = await self._repos.trips.reading(booking_id, ReadingMoment.PICKUP)
        if booking is None or pickup is None:
            return None
        return check_return_odometer(
            pickup.odometer_km, odometer_km, booking, pickup.recorded_at, self._now()
        )

    async def record_return(
        self,
        booking_id: int,
        user_id: int,
        odometer_km: int,
        fuel_quarters: int,
        photo_file_id: str | None,
    ) -> Returned | TripRefused:
        """The car is back: the reading, the contribution suggested, the booking returned."""
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self.can_return(booking_id, user_id)
            if isinstance(trip, TripRefused):
                return trip
            booking, car = trip.booking, trip.car
            pickup = await self._repos.trips.reading(booking_id, ReadingMoment.PICKUP)
            assert pickup is not None, "an active booking was picked up"
            problem = check_return_odometer(
                pickup.odometer_km, odometer_km, booking, pickup.recorded_at, now
            )
            if problem is not None:
                return TripRefused(TripRefusalReason.BAD_READING, booking, problem)
            reading = await self._repos.trips.add_reading(
                conn,
                booking_id,
                ReadingMoment.RETURN,
                odometer_km,
                fuel_quarters,
                photo_file_id,
                False,
                user_id,
                now,
            )
            await self._repos.trips.mark_returned(conn, booking_id)
            await self._repos.ledger.add(
                conn,
                LedgerEntry(
                    chat_id=booking.chat_id,
                    user_id=booking.borrower_id,
                    kind=LedgerKind.BORROWED,
                    at=now,
                    other_id=car.owner_id,
                    booking_id=booking_id,
                    late_minutes=late_minutes(booking.end, now),
                ),
            )
            await self._repos.ledger.add(
                conn, ledger_entry(booking, car.owner_id, LedgerKind.LENT, booking.borrower_id, now)
            )
            await self._repos.reputation.open_round(conn, booking_id, now, reveal_deadline(now))
            suggestion = suggest_contribution(
                car.contribution_per_km_cents,
                car.contribution_per_day_cents,
                odometer_km - pickup.odometer_km,
                charged_days(booking, pickup.recorded_at, now),
            )
            record = None
            if suggestion is not None:
                record = ContributionRecord(
                    booking_id=booking_id,
                    borrower_id=booking.borrower_id,
                    owner_id=car.owner_id,
                    distance_km=suggestion.distance_km,
                    days=suggestion.days,
                    per_km_cents=car.contribution_per_km_cents,
                    per_day_cents=car.contribution_per_day_cents,
                    amount_cents=suggestion.amount_cents,
                    created_at=now,
                    paid_at=None,
                    confirmed_by=None,
                    confirmed_at=None,
                )
                await self._repos.trips.add_contribution(conn, record)
        return Returned(
            await self._trip(booking_id), pickup, reading, now - pickup.recorded_at, record
        )

    # The managers' check and incidents

    async def _managers(self, booking_id: int, user_id: int) -> Trip | TripRefused:
        trip = await self.trip(booking_id)
        if trip is None:
            return TripRefused(TripRefusalReason.NOT_FOUND)
        if user_id not in trip.managers:
            return TripRefused(TripRefusalReason.NOT_YOURS)
        return trip

    async def can_check(self, booking_id: int, manager_id: int) -> Trip | TripRefused:
        """A manager may look at a returned car once."""
        trip = await self._managers(booking_id, manager_id)
        if isinstance(trip, TripRefused):
            return trip
        if trip.booking.status is not BookingStatus.RETURNED:
            return TripRefused(TripRefusalReason.NOT_PICKED_UP, trip.booking)
        if await self._repos.trips.check_outcome(booking_id) is not None:
            return TripRefused(TripRefusalReason.ALREADY_HANDLED, trip.booking)
        return trip

    async def all_good(self, booking_id: int, manager_id: int) -> Trip | TripRefused:
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self.can_check(booking_id, manager_id)
            if isinstance(trip, TripRefused):
                return trip
            await self._repos.trips.add_check(
                conn, booking_id, CheckOutcome.ALL_GOOD, manager_id, now
            )
        return trip

    async def report_problem(
        self, booking_id: int, manager_id: int, text: str, photo_file_id: str | None
    ) -> IncidentView | TripRefused:
        """A manager reports a problem with a returned car: an incident is opened."""
        text = text.strip()[:INCIDENT_TEXT_MAX_LENGTH]
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self.can_check(booking_id, manager_id)
            if isinstance(trip, TripRefused):
                return trip
            await self._repos.trips.add_check(
                conn, booking_id, CheckOutcome.PROBLEM, manager_id, now
            )
            incident = await self._repos.trips.open_incident(
                conn, booking_id, manager_id, text, photo_file_id, now
            )
            await self._repos.ledger.add(
                conn, self._incident_entry(trip.booking, incident.id, manager_id, now, opened=True)
            )
        return IncidentView(incident, trip)

    async def resolve_incident(self, incident_id: int, user_id: int) -> IncidentView | TripRefused:
        """The borrower or a manager marks an incident resolved."""
        now = self._now()
        async with self._db.transaction() as conn:
            incident = await self._repos.trips.incident(incident_id)
            if incident is None:
                return TripRefused(TripRefusalReason.NOT_FOUND)
            trip = await self._trip(incident.booking_id)
            if user_id != trip.booking.borrower_id and user_id not in trip.managers:
                return TripRefused(TripRefusalReason.NOT_YOURS)
            if not await self._repos.trips.resolve_incident(conn, incident_id, user_id, now):
                return TripRefused(TripRefusalReason.ALREADY_HANDLED, trip.booking)
            resolved = await self._repos.trips.incident(incident_id)
            assert resolved is not None
            await self._repos.ledger.add(
                conn, self._incident_entry(trip.booking, incident_id, user_id, now, opened=False)
            )
        return IncidentView(resolved, trip)

    @staticmethod
    def _incident_entry(
        booking: Booking, incident_id: int, by_user: int, at: datetime, *, opened: bool
    ) -> LedgerEntry:
        """An incident counts on the borrower's record until it is resolved."""
        return LedgerEntry(
            chat_id=booking.chat_id,
            user_id=booking.borrower_id,
            kind=LedgerKind.INCIDENT_OPENED if opened else LedgerKind.INCIDENT_RESOLVED,
            at=at,
            other_id=by_user,
            booking_id=booking.id,
            incident_id=incident_id,
        )

    # No-show

    async def mark_no_show(self, booking_id: int, manager_id: int) -> Trip | TripRefused:
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self._managers(booking_id, manager_id)
            if isinstance(trip, TripRefused):
                return trip
            booking = trip.booking
            if booking.status is not BookingStatus.ACCEPTED:
                return TripRefused(TripRefusalReason.ALREADY_HANDLED, booking)
            if not may_mark_no_show(booking, now):
                return TripRefused(TripRefusalReason.TOO_EARLY, booking)
            await self._repos.trips.mark_no_show(conn, booking_id, manager_id, now)
            await self._repos.ledger.add(
                conn,
                ledger_entry(booking, booking.borrower_id, LedgerKind.NO_SHOW, manager_id, now),
            )
        return await self._trip(booking_id)

    # Contribution

    async def mark_paid(self, booking_id: int, user_id: int) -> OpenContribution | TripRefused:
        """The borrower says the contribution was given."""
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self._borrowers(booking_id, user_id)
            if isinstance(trip, TripRefused):
                return trip
            record = await self._repos.trips.contribution(booking_id)
            if record is None:
                return TripRefused(TripRefusalReason.NOTHING_TO_PAY, trip.booking)
            if not await self._repos.trips.mark_paid(conn, booking_id, now):
                return TripRefused(TripRefusalReason.ALREADY_HANDLED, trip.booking)
            await self._repos.ledger.add(
                conn,
                ledger_entry(
                    trip.booking, user_id, LedgerKind.CONTRIBUTION_PAID, record.owner_id, now
                ),
            )
        return OpenContribution(await self._reread_contribution(booking_id), trip)

    async def confirm_paid(
        self, booking_id: int, manager_id: int
    ) -> OpenContribution | TripRefused:
        """A manager confirms they received it."""
        now = self._now()
        async with self._db.transaction() as conn:
            trip = await self._managers(booking_id, manager_id)
            if isinstance(trip, TripRefused):
                return trip
            record = await self._repos.trips.contribution(booking_id)
            if record is None:
                return TripRefused(TripRefusalReason.NOTHING_TO_PAY, trip.booking)
            if record.paid_at is None:
                return TripRefused(TripRefusalReason.NOT_MARKED_PAID, trip.booking)
            if not await self._repos.trips.confirm_paid(conn, booking_id, manager_id, now):
                return TripRefused(TripRefusalReason.ALREADY_HANDLED, trip.booking)
        return OpenContribution(await self._reread_contribution(booking_id), trip)

    async def open_contributions(self, user_id: int) -> list[OpenContribution]:
        """`/resas`: contributions not confirmed yet between this member and a neighbour."""
        return [
            OpenContribution(record, await self._trip(record.booking_id))
            for record in await self._repos.trips.open_contributions(user_id)
        ]

    async def _reread_contribution(self, booking_id: int) -> ContributionRecord:
        record = await self._repos.trips.contribution(booking_id)
        assert record is not None
        return record
