"""The rules of a trip (product.md, "A booking's life", "Cost contribution"), as pure
functions: when each reminder is due and whether it is still worth sending, what an odometer
reading may be, and what the borrower is asked to contribute.

Instants are compared in UTC, like bot.booking.rules: offsets are real durations, so a
reminder "one hour before" stays one hour before across a change of summer time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from storage.models import Booking, BookingStatus, GroupSettings, ReminderKind

# A manager may mark a booking never picked up as a no-show this long after its start.
NO_SHOW_AFTER = timedelta(hours=1)
# The pickup button works from the pickup reminder on, and at least this long before start.
PICKUP_OPENS_BEFORE = timedelta(hours=1)
# A day of booking rarely sees more; beyond it a typo is likelier than a road trip.
MAX_KM_PER_DAY = 2000
# Seven digits is more than any car's odometer shows.
MAX_ODOMETER_KM = 9_999_999
FUEL_LEVELS = (0, 1, 2, 3, 4)
DAY = timedelta(days=1)
CONTRIBUTION_GRACE = timedelta(hours=1)

# The statuses in which a reminder may still be sent, now or after a move the borrower
# makes later (an end reminder is planned for an accepted booking, and sent once active).
_AHEAD: dict[ReminderKind, frozenset[BookingStatus]] = {
    ReminderKind.PENDING: frozenset({BookingStatus.PENDING}),
    ReminderKind.PICKUP: frozenset({BookingStatus.ACCEPTED}),
    ReminderKind.NO_SHOW: frozenset({BookingStatus.ACCEPTED}),
    ReminderKind.END: frozenset({BookingStatus.ACCEPTED, BookingStatus.ACTIVE}),
    ReminderKind.OVERDUE: frozenset({BookingStatus.ACCEPTED, BookingStatus.ACTIVE}),
}


@dataclass(frozen=True, slots=True)
class Reminder:
    booking_id: int
    kind: ReminderKind
    at: datetime


def due_at(kind: ReminderKind, booking: Booking, settings: GroupSettings) -> datetime:
    """When the reminder is meant to go out."""
    if kind is ReminderKind.PENDING:
        # Halfway to the expiry at the latest, so a request for soon is also nudged in time.
        wait = min(
            timedelta(seconds=settings.pending_reminder_seconds),
            (booking.expires_at - booking.created_at) / 2,
        )
        moment = booking.created_at + wait
    elif kind is ReminderKind.PICKUP:
        moment = booking.start - timedelta(seconds=settings.pickup_reminder_seconds)
    elif kind is ReminderKind.NO_SHOW:
        moment = booking.start + NO_SHOW_AFTER
    elif kind is ReminderKind.END:
        moment = booking.end - timedelta(seconds=settings.end_reminder_seconds)
    else:
        moment = booking.end + timedelta(seconds=settings.overdue_alert_seconds)
    return moment.astimezone(UTC)


def is_useful(kind: ReminderKind, booking: Booking, now: datetime) -> bool:
    """Whether sending it now still helps someone.

    A pickup reminder once the booking has started, or an end reminder once it has ended,
    would only confuse; an overdue alert matters as long as the car is not back, and a
    manager may mark a no-show as long as the booking waits for its pickup.
    """
    now = now.astimezone(UTC)
    status = booking.status
    if kind is ReminderKind.PENDING:
        return status is BookingStatus.PENDING and now < booking.expires_at
    if kind is ReminderKind.PICKUP:
        # Still worth it a little after the start: the bot may have been down just before,
        # and the borrower needs the keys until the owner could call it a no-show.
        return status is BookingStatus.ACCEPTED and now < booking.start + NO_SHOW_AFTER
    if kind is ReminderKind.NO_SHOW:
        return status is BookingStatus.ACCEPTED and now >= booking.start + NO_SHOW_AFTER
    if kind is ReminderKind.END:
        return status is BookingStatus.ACTIVE and now < booking.end
    return status is BookingStatus.ACTIVE


def reminders_ahead(
    booking: Booking, settings: GroupSettings, now: datetime, sent: Collection[ReminderKind]
) -> list[Reminder]:
    """The reminders to schedule for a booking, in time order: each kind not sent yet that
    its status still allows, at its due time, or at once if that time passed (the bot was
    down) and it is still useful; one whose time passed and is no longer useful is dropped."""
    now = now.astimezone(UTC)
    planned = []
    for kind in ReminderKind:
        if kind in sent or booking.status not in _AHEAD[kind]:
            continue
        due = due_at(kind, booking, settings)
        if due > now:
            planned.append(Reminder(booking.id, kind, due))
        elif is_useful(kind, booking, now):
            planned.append(Reminder(booking.id, kind, now))
    planned.sort(key=lambda reminder: reminder.at)
    return planned


def pickup_opens(booking: Booking, settings: GroupSettings) -> datetime:
    """From when "I have the car" is taken: the pickup reminder's time, or an hour before."""
    early = max(timedelta(seconds=settings.pickup_reminder_seconds), PICKUP_OPENS_BEFORE)
    return (booking.start - early).astimezone(UTC)


def may_mark_no_show(booking: Booking, now: datetime) -> bool:
    return (
        booking.status is BookingStatus.ACCEPTED
        and now.astimezone(UTC) >= booking.start + NO_SHOW_AFTER
    )


# Odometer readings


class OdometerProblem(StrEnum):
    """Why a reading was not taken; the values name the messages (`trip.odometer.<value>`)."""

    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"
    BELOW_PICKUP = "below_pickup"
    ABSURD = "absurd"


_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_UNIT = re.compile(r"(?:km|kms|kilom[eè]tres?|kilometers?)\.?$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_DECIMAL = re.compile(r"(\d+)[.,]\d{1,2}")


def parse_odometer(text: str) -> int | OdometerProblem:
    """Kilometres as a dashboard shows them: « 12345 », « 12 345 km », « 12.345 »; tenths
    (« 12345,6 ») are dropped."""
    bare = _UNIT.sub("", _SPACES.sub("", text.strip()))
    negative = bare.startswith(("-", "−"))
    digits = bare.lstrip("-−")
    if _GROUPED.fullmatch(digits):
        digits = digits.replace(".", "").replace(",", "")
    elif decimal := _DECIMAL.fullmatch(digits):
        digits = decimal.group(1)
    if not digits.isdigit() or not digits.isascii():
        return OdometerProblem.NOT_A_NUMBER
    if negative:
        return OdometerProblem.NEGATIVE
    value = int(digits)
    return OdometerProblem.TOO_LARGE if value > MAX_ODOMETER_KM else value


def days_between(start: datetime, end: datetime) -> int:
    """Started days: 25 hours is 2 days; never less than 1."""
    return max(1, math.ceil((end - start) / DAY))


def charged_days(booking: Booking, picked_up_at: datetime, returned_at: datetime) -> int:
    """Days the per-day contribution counts: from the start (taking the car the hour
    before is not an extra day), with an hour's grace at the return (a day across the
    autumn clock change has 25 hours; a few minutes late is not a day more)."""
    start = max(picked_up_at, booking.start)
    return days_between(start, returned_at - CONTRIBUTION_GRACE)


def check_return_odometer(
    pickup_km: int, return_km: int, booking: Booking, picked_up_at: datetime, now: datetime
) -> OdometerProblem | None:
    """A return reading is refused below the pickup one, or beyond 2,000 km a day (of the
    booking, or of the trip if it ran longer)."""
    if return_km < pickup_km:
        return OdometerProblem.BELOW_PICKUP
    days = max(days_between(booking.start, booking.end), days_between(picked_up_at, now))
    if return_km - pickup_km > MAX_KM_PER_DAY * days:
        return OdometerProblem.ABSURD
    return None


def pickup_below_last_return(last_return_km: int | None, pickup_km: int) -> bool:
    """Lower than the car's last return: questioned (the last reading may have been a typo),
    not refused."""
    return last_return_km is not None and pickup_km < last_return_km


# Contribution


@dataclass(frozen=True, slots=True)
class Suggestion:
    distance_km: int
    days: int
    amount_cents: int


def suggest_contribution(
    per_km_cents: int | None, per_day_cents: int | None, distance_km: int, days: int
) -> Suggestion | None:
    """The owner's rates applied to the trip; None when the owner suggests nothing."""
    if per_km_cents is None and per_day_cents is None:
        return None
    amount = (per_km_cents or 0) * distance_km + (per_day_cents or 0) * days
    return Suggestion(distance_km, days, amount)
