"""Plain records returned by the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Group:
    chat_id: int
    title: str
    language: str
    timezone: str
    active: bool
    added_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    first_name: str
    username: str | None
    language: str | None
    telegram_language: str | None
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class Member:
    chat_id: int
    user_id: int
    first_name: str
    username: str | None
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class PendingMessage:
    id: int
    user_id: int
    chat_id: int | None
    text: str
    reply_markup: str | None
    created_at: datetime
    # how many times the bot tried again after Telegram failed to take it
    attempts: int = 0


# The vocabulary the booking tables store. The enums live here, beside the records that
# carry them, because storage imports nothing from the domain; `bot.booking` re-exports them.


class Energy(StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    ELECTRIC = "electric"
    HYBRID = "hybrid"


class BookingMode(StrEnum):
    ON_REQUEST = "on_request"
    WINDOWS = "windows"


class WindowKind(StrEnum):
    OPEN = "open"
    BLOCKED = "blocked"


class BookingStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    ACTIVE = "active"
    RETURNED = "returned"
    CLOSED = "closed"
    NO_SHOW = "no_show"


@dataclass(frozen=True, slots=True)
class CarDraft:
    """What an owner says about a car: everything but its identity and its state."""

    name: str
    seats: int
    energy: Energy
    description: str = ""
    parked_at: str = ""
    rules: str = ""
    photo_file_id: str | None = None
    contribution_per_km_cents: int | None = None
    contribution_per_day_cents: int | None = None
    key_instructions: str | None = None
    booking_mode: BookingMode = BookingMode.ON_REQUEST


@dataclass(frozen=True, slots=True)
class Car:
    id: int
    chat_id: int
    owner_id: int
    name: str
    name_key: str
    description: str
    seats: int
    energy: Energy
    parked_at: str
    rules: str
    photo_file_id: str | None
    contribution_per_km_cents: int | None
    contribution_per_day_cents: int | None
    key_instructions: str | None
    booking_mode: BookingMode
    paused: bool
    auto_accept_trusted: bool
    created_at: datetime
    removed_at: datetime | None

    @property
    def bookable(self) -> bool:
        """Listed and not paused: requests are taken."""
        return not self.paused and self.removed_at is None

    def draft(self) -> CarDraft:
        """The editable part, to change with `dataclasses.replace` and save back."""
        return CarDraft(
            name=self.name,
            seats=self.seats,
            energy=self.energy,
            description=self.description,
            parked_at=self.parked_at,
            rules=self.rules,
            photo_file_id=self.photo_file_id,
            contribution_per_km_cents=self.contribution_per_km_cents,
            contribution_per_day_cents=self.contribution_per_day_cents,
            key_instructions=self.key_instructions,
            booking_mode=self.booking_mode,
        )


@dataclass(frozen=True, slots=True)
class Window:
    """An availability row: one period (`start`, `end`) or a weekly rule.

    A weekly rule repeats on `weekdays` (0 = Monday) from `start_minute` to `end_minute`
    (minutes after local midnight in the group's time zone; 1440 is the midnight that ends
    the day) until `last_day` inclusive, or forever.
    """

    id: int
    car_id: int
    kind: WindowKind
    start: datetime | None
    end: datetime | None
    weekdays: frozenset[int]
    start_minute: int | None
    end_minute: int | None
    last_day: date | None
    created_by: int
    created_at: datetime

    @property
    def weekly(self) -> bool:
        return bool(self.weekdays)


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    car_id: int
    chat_id: int
    borrower_id: int
    start: datetime
    end: datetime
    status: BookingStatus
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    decline_reason: str | None
    superseded_by: int | None
    cancelled_at: datetime | None
    cancelled_by: int | None
    late_cancellation: bool


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """A group's booking settings; these defaults hold until an admin changes one."""

    request_expiry_minutes: int = 720
    max_duration_minutes: int = 3 * 24 * 60
    horizon_days: int = 60
    # Reminders (storage/migrations/0003_trips.sql), in seconds.
    pickup_reminder_seconds: int = 3600
    end_reminder_seconds: int = 1800
    overdue_alert_seconds: int = 1800
    pending_reminder_seconds: int = 7200
    # Reputation (storage/migrations/0004_reputation.sql).
    trusted_min_vouches: int = 1
    trusted_min_borrowings: int = 2
    charter: str | None = None
    # Moderation (storage/migrations/0006_vouch_required.sql).
    vouch_required: bool = False

    @property
    def request_expiry(self) -> timedelta:
        return timedelta(minutes=self.request_expiry_minutes)

    @property
    def max_duration(self) -> timedelta:
        return timedelta(minutes=self.max_duration_minutes)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)


# The trip itself (storage/migrations/0003_trips.sql).


class ReadingMoment(StrEnum):
    PICKUP = "pickup"
    RETURN = "return"


class ReminderKind(StrEnum):
    """The reminders a booking may get, each at most once."""

    PENDING = "pending"
    PICKUP = "pickup"
    NO_SHOW = "no_show"
    END = "end"
    OVERDUE = "overdue"


class CheckOutcome(StrEnum):
    ALL_GOOD = "all_good"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class Reading:
    """The dashboard at pickup or return; fuel (or charge) in quarters, 0 to 4."""

    booking_id: int
    moment: ReadingMoment
    odometer_km: int
    fuel_quarters: int
    photo_file_id: str | None
    confirmed_lower: bool
    recorded_by: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    booking_id: int
    opened_by: int
    text: str
    photo_file_id: str | None
    opened_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class ContributionRecord:
    """What the borrower was asked to give the owner for one trip, and where it stands."""

    booking_id: int
    borrower_id: int
    owner_id: int
    distance_km: int
    days: int
    per_km_cents: int | None
    per_day_cents: int | None
    amount_cents: int
    created_at: datetime
    paid_at: datetime | None
    confirmed_by: int | None
    confirmed_at: datetime | None


# Reputation (storage/migrations/0004_reputation.sql).


class LedgerKind(StrEnum):
    BORROWED = "borrowed"
    LENT = "lent"
    INCIDENT_OPENED = "incident_opened"
    INCIDENT_RESOLVED = "incident_resolved"
    NO_SHOW = "no_show"
    LATE_CANCELLATION = "late_cancellation"
    FEEDBACK_RECEIVED = "feedback_received"
    VOUCH_GIVEN = "vouch_given"
    VOUCH_WITHDRAWN = "vouch_withdrawn"
    CONTRIBUTION_PAID = "contribution_paid"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What happened to `user_id` in the group; `other_id` is the other party."""

    chat_id: int
    user_id: int
    kind: LedgerKind
    at: datetime
    other_id: int | None = None
    booking_id: int | None = None
    incident_id: int | None = None
    late_minutes: int | None = None
    thumbs_up: bool | None = None


class FeedbackSide(StrEnum):
    """Who answers: the borrower about the owner's side, the managers about the borrower."""

    BORROWER = "borrower"
    OWNER = "owner"


@dataclass(frozen=True, slots=True)
class Feedback:
    booking_id: int
    side: FeedbackSide
    author_id: int
    subject_id: int
    thumbs_up: bool
    tags: tuple[str, ...]
    comment: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class FeedbackRound:
    """A returned booking's feedback: due to be revealed at `due_at` at the latest."""

    booking_id: int
    returned_at: datetime
    due_at: datetime
    revealed_at: datetime | None


class AuditAction(StrEnum):
    BAN = "ban"
    UNBAN = "unban"
    REMOVE_CAR = "remove_car"
    CANCEL_BOOKING = "cancel_booking"
    CHANGE_SETTING = "change_setting"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action in a group: who did what, to whom or to which object."""

    chat_id: int
    admin_id: int
    action: AuditAction
    at: datetime
    target_id: int | None = None
    car_id: int | None = None
    booking_id: int | None = None
    detail: str = ""
