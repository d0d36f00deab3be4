"""What the Telegram handlers call to list cars, post availability, request and decide.

Each call reads the clock once, checks that the actor may act, that the object belongs to
the expected group and is still in the expected state, and runs its reads, checks and
writes in one transaction (`Database.transaction()`): two managers pressing Accept at once
are served one after the other, and the second sees what the first did. Refusals change
nothing. Outcomes are small frozen records; refusal reasons are StrEnums whose values name
the handlers' messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.booking.names import is_valid_name, name_key
from bot.booking.rules import (
    CarCalendar,
    Refusal,
    RefusalReason,
    calendar_allows,
    check_request,
    expiry_instant,
    is_late_cancellation,
    local_day,
    occurrences,
    utc,
    weekly_minutes,
)
from bot.booking.status import can_move
from bot.dates import Interval, WeeklyRule
from bot.reputation.rules import is_trusted, needs_a_vouch, profile_of
from bot.reputation.service import ledger_entry
from storage import Repositories
from storage.models import (
    AuditAction,
    AuditEntry,
    Booking,
    BookingStatus,
    Car,
    CarDraft,
    GroupSettings,
    LedgerKind,
    Window,
    WindowKind,
)

if TYPE_CHECKING:  # the transaction a repository writes in; no SQL here
    from aiosqlite import Connection

DECLINE_REASON_MAX_LENGTH = 200
MAX_SEATS = 9


class CarRefusalReason(StrEnum):
    """Why a change to a car or its windows was refused (`booking.refusal.<value>`)."""

    NOT_FOUND = "not_found"
    NOT_MANAGER = "not_manager"
    NOT_OWNER = "not_owner"
    NOT_MEMBER = "not_member"
    INVALID_NAME = "invalid_name"
    NAME_TAKEN = "name_taken"
    INVALID_SEATS = "invalid_seats"
    INVALID_CONTRIBUTION = "invalid_contribution"
    INVALID_WINDOW = "invalid_window"


@dataclass(frozen=True, slots=True)
class CarRefused:
    reason: CarRefusalReason


class ActionRefusalReason(StrEnum):
    """Why a decision or a cancellation was refused (`booking.refusal.<value>`)."""

    NOT_FOUND = "not_found"
    NOT_MANAGER = "not_manager"
    NOT_YOURS = "not_yours"
    ALREADY_HANDLED = "already_handled"
    # still pending but due to expire: the expiry job changes it and tells the borrower
    EXPIRED = "expired"
    CONFLICT = "conflict"
    # the borrower left the group, or its admins suspended them: nobody to lend to
    BORROWER_GONE = "borrower_gone"
    BORROWER_SUSPENDED = "borrower_suspended"


@dataclass(frozen=True, slots=True)
class ActionRefused:
    """`booking`: the booking as it stands (already handled, expired, conflict); left out
    for members who may not see it. `holder`: the accepted booking holding the slot, for a
    conflict or for a request declined because that booking was accepted."""

    reason: ActionRefusalReason
    booking: Booking | None = None
    holder: Booking | None = None


@dataclass(frozen=True, slots=True)
class Requested:
    """A pending request, stored; `managers` are the members to prompt (owner first)."""

    booking: Booking
    car: Car
    managers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NeedsVouch:
    """The group asks a neighbour's vouch before a member's first booking; nothing stored."""


@dataclass(frozen=True, slots=True)
class NeedsCharter:
    """The member has not accepted the group's charter yet: shown to them, the request
    waits for « J'accepte »; nothing stored."""

    charter: str


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """A member's request or booking withdrawn for them (a ban, their own /oublier): the
    car's managers are told."""

    booking: Booking
    car: Car
    managers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class HandedOver:
    """A car whose owner left the group, lent on by these co-managers still in it."""

    car: Car
    managers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Departed:
    """A member left a group.

    `withdrawn`: their requests and bookings there not picked up, now cancelled (the cars'
    managers are told). `on_the_road`: a car of the group still with them (its managers
    are told; they may still bring it back). `paused`: the cars they own there that nobody
    else manages, paused now. `called_off`: the requests and bookings of those cars not
    picked up, now cancelled (their borrowers are told). `handed_over`: the cars they own
    that co-managers still in the group go on lending (those co-managers are told)."""

    withdrawn: tuple[Withdrawn, ...] = ()
    on_the_road: tuple[Withdrawn, ...] = ()
    paused: tuple[Car, ...] = ()
    called_off: tuple[BookingView, ...] = ()
    handed_over: tuple[HandedOver, ...] = ()


@dataclass(frozen=True, slots=True)
class Accepted:
    """`declined`: the pending requests overlapping it, declined now; tell their borrowers."""

    booking: Booking
    car: Car
    declined: tuple[Booking, ...]
    managers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AutoAccepted:
    """A trusted neighbour's request for a car that takes them at once: stored and accepted
    in the same transaction, as an owner's Accept would (`accepted.declined` are the
    overlapping requests it declined)."""

    accepted: Accepted


# What a booking request comes to, decided in one transaction (BookingService.request).
RequestOutcome = Requested | AutoAccepted | NeedsVouch | NeedsCharter | Refusal


@dataclass(frozen=True, slots=True)
class Declined:
    booking: Booking
    car: Car


@dataclass(frozen=True, slots=True)
class Cancelled:
    """`notify`: everyone involved but the member who cancelled (borrower and managers)."""

    booking: Booking
    car: Car
    notify: tuple[int, ...]

    @property
    def late(self) -> bool:
        return self.booking.late_cancellation


@dataclass(frozen=True, slots=True)
class CarRemoved:
    """`cancelled`: the car's requests and bookings cancelled with it; tell their borrowers."""

    car: Car
    cancelled: tuple[Booking, ...]


@dataclass(frozen=True, slots=True)
class BookingView:
    booking: Booking
    car: Car


@dataclass(frozen=True, slots=True)
class Upcoming:
    """A member's requests and bookings not over yet, by start."""

    as_borrower: tuple[BookingView, ...]
    as_manager: tuple[BookingView, ...]


def _draft_problem(draft: CarDraft) -> CarRefusalReason | None:
    if not is_valid_name(draft.name):
        return CarRefusalReason.INVALID_NAME
    if not 1 <= draft.seats <= MAX_SEATS:
        return CarRefusalReason.INVALID_SEATS
    contributions = (draft.contribution_per_km_cents, draft.contribution_per_day_cents)
    if any(cents is not None and cents < 0 for cents in contributions):
        return CarRefusalReason.INVALID_CONTRIBUTION
    return None


def _window_problem(when: Interval | WeeklyRule) -> CarRefusalReason | None:
    if isinstance(when, WeeklyRule):
        start, end = weekly_minutes(when)
        valid = bool(when.weekdays) and when.weekdays <= frozenset(range(7)) and start < end
    else:
        valid = when.end > when.start
    return None if valid else CarRefusalReason.INVALID_WINDOW


def _calendar(
    windows: Iterable[Window], zone: ZoneInfo, span: Interval, busy: Iterable[Booking] = ()
) -> CarCalendar:
    opened: list[Interval] = []
    blocked: list[Interval] = []
    for window in windows:
        target = opened if window.kind is WindowKind.OPEN else blocked
        target.extend(occurrences(window, zone, span))
    return CarCalendar(
        open=tuple(opened),
        blocked=tuple(blocked),
        busy=tuple(Interval(booking.start, booking.end) for booking in busy),
    )


class BookingService:
    def __init__(self, repos: Repositories, clock: Callable[[], datetime]) -> None:
        self._repos = repos
        self._db = repos.db
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    # Groups

    async def zone(self, chat_id: int) -> ZoneInfo:
        """The group's time zone, in which days, weekly windows and DST are read."""
        group = await self._repos.groups.get(chat_id)
        if group is None:
            raise LookupError(f"unknown group {chat_id}")
        return ZoneInfo(group.timezone)

    async def settings(self, chat_id: int) -> GroupSettings:
        return await self._repos.settings.get(chat_id)

    # Cars

    async def car(self, car_id: int) -> Car | None:
        return await self._repos.cars.get(car_id)

    async def find_car(self, chat_id: int, name: str) -> Car | None:
        """The group's listed car with that name, whatever the case and accents."""
        return await self._repos.cars.by_name(chat_id, name_key(name))

    async def cars(self, chat_id: int) -> list[Car]:
        """The group's listed cars, paused ones included, by name."""
        return await self._repos.cars.in_group(chat_id)

    async def cars_managed_by(self, user_id: int) -> list[Car]:
        return await self._repos.cars.managed_by(user_id)

    async def managers(self, car_id: int) -> list[int]:
        return await self._repos.cars.managers(car_id)

    async def add_car(self, chat_id: int, owner_id: int, draft: CarDraft) -> Car | CarRefused:
        problem = _draft_problem(draft)
        if problem is not None:
            return CarRefused(problem)
        key = name_key(draft.name)
        async with self._db.transaction() as conn:
            if await self._repos.cars.name_taken(chat_id, key):
                return CarRefused(CarRefusalReason.NAME_TAKEN)
            return await self._repos.cars.insert(conn, chat_id, owner_id, draft, key, self._now())

    async def _listed_car(self, car_id: int, chat_id: int | None) -> Car | CarRefused:
        car = await self._repos.cars.get(car_id)
        if car is None or car.removed_at is not None or chat_id not in (None, car.chat_id):
            return CarRefused(CarRefusalReason.NOT_FOUND)
        return car

    async def _managed_car(
        self, car_id: int, by_user: int, chat_id: int | None
    ) -> Car | CarRefused:
        car = await self._listed_car(car_id, chat_id)
        if isinstance(car, Car) and not await self._repos.cars.is_manager(car.id, by_user):
            return CarRefused(CarRefusalReason.NOT_MANAGER)
        return car

    async def update_car(
        self, car_id: int, by_user: int, draft: CarDraft, chat_id: int | None = None
    ) -> Car | CarRefused:
        """Replace what any manager may edit (start from `car.draft()`)."""
        problem = _draft_problem(draft)
        if problem is not None:
            return CarRefused(problem)
        key = name_key(draft.name)
        async with self._db.transaction() as conn:
            car = await self._managed_car(car_id, by_user, chat_id)
            if isinstance(car, CarRefused):
                return car
            if await self._repos.cars.name_taken(car.chat_id, key, except_car_id=car.id):
                return CarRefused(CarRefusalReason.NAME_TAKEN)
            await self._repos.cars.update(conn, car.id, draft, key)
            return await self._reread_car(car.id)

    async def set_paused(
        self, car_id: int, by_user: int, paused: bool, chat_id: int | None = None
    ) -> Car | CarRefused:
        """A paused car stays listed but takes no requests; its bookings stand."""
        async with self._db.transaction() as conn:
            car = await self._managed_car(car_id, by_user, chat_id)
            if isinstance(car, CarRefused):
                return car
            await self._repos.cars.set_paused(conn, car.id, paused)
            return await self._reread_car(car.id)

    async def set_auto_accept(
        self, car_id: int, by_user: int, auto_accept: bool
    ) -> Car | CarRefused:
        """The owner lets trusted neighbours' requests be accepted at once."""
        async with self._db.transaction() as conn:
            car = await self._listed_car(car_id, None)
            if isinstance(car, CarRefused):
                return car
            if car.owner_id != by_user:
                return CarRefused(CarRefusalReason.NOT_OWNER)
            await self._repos.cars.set_auto_accept(conn, car.id, auto_accept)
            return await self._reread_car(car.id)

    async def add_manager(
        self, car_id: int, by_user: int, user_id: int, chat_id: int | None = None
    ) -> tuple[int, ...] | CarRefused:
        """The owner shares the decisions with a member of the car's group; the managers."""
        async with self._db.transaction() as conn:
            car = await self._listed_car(car_id, chat_id)
            if isinstance(car, CarRefused):
                return car
            if car.owner_id != by_user:
                return CarRefused(CarRefusalReason.NOT_OWNER)
            if await self._repos.groups.member(car.chat_id, user_id) is None:
                return CarRefused(CarRefusalReason.NOT_MEMBER)
            await self._repos.cars.add_manager(conn, car.id, user_id, self._now())
            return tuple(await self._repos.cars.managers(car.id))

    async def remove_car(
        self, car_id: int, by_user: int, is_admin: bool = False, chat_id: int | None = None
    ) -> CarRemoved | CarRefused:
        """The owner (or a group admin) removes a car; its requests and bookings not picked
        up yet are cancelled in the same transaction, and an admin's removal of someone
        else's car is written to the audit log in it too."""
        now = self._now()
        async with self._db.transaction() as conn:
            car = await self._listed_car(car_id, chat_id)
            if isinstance(car, CarRefused):
                return car
            if car.owner_id != by_user and not is_admin:
                return CarRefused(CarRefusalReason.NOT_OWNER)
            by_admin = car.owner_id != by_user
            await self._repos.cars.mark_removed(conn, car.id, now)
            if by_admin:
                await self._repos.moderation.audit(
                    conn,
                    AuditEntry(
                        car.chat_id,
                        by_user,
                        AuditAction.REMOVE_CAR,
                        now,
                        target_id=car.owner_id,
                        car_id=car.id,
                    ),
                )
            cancelled = []
            for booking in await self._repos.bookings.open_of_car(car.id, now):
                if not can_move(booking.status, BookingStatus.CANCELLED):
                    continue  # picked up: the car is on the road, the trip runs its course
                # An admin's removal is nobody's late cancellation: the owner did not choose it.
                late = not by_admin and is_late_cancellation(booking.status, booking.start, now)
                await self._repos.bookings.cancel(conn, booking.id, by_user, now, late)
                if late:
                    await self._repos.ledger.add(
                        conn,
                        ledger_entry(
                            booking, by_user, LedgerKind.LATE_CANCELLATION, booking.borrower_id, now
                        ),
                    )
                cancelled.append(await self._reread(booking.id))
            return CarRemoved(await self._reread_car(car.id), tuple(cancelled))

    # Availability

    async def add_window(
        self,
        car_id: int,
        by_user: int,
        when: Interval | WeeklyRule,
        kind: WindowKind = WindowKind.OPEN,
        chat_id: int | None = None,
    ) -> Window | CarRefused:
        """`/dispo` (open) or `/indispo` (blocked): one period, or a weekly rule read in the
        group's time zone."""
        problem = _window_problem(when)
        if problem is not None:
            return CarRefused(problem)
        now = self._now()
        async with self._db.transaction() as conn:
            car = await self._managed_car(car_id, by_user, chat_id)
            if isinstance(car, CarRefused):
                return car
            if isinstance(when, WeeklyRule):
                start_minute, end_minute = weekly_minutes(when)
                return await self._repos.availability.add_weekly(
                    conn,
                    car.id,
                    kind,
                    when.weekdays,
                    start_minute,
                    end_minute,
                    when.last_day,
                    by_user,
                    now,
                )
            period = utc(when)
            return await self._repos.availability.add_period(
                conn, car.id, kind, period.start, period.end, by_user, now
            )

    async def windows(self, car_id: int) -> list[Window]:
        """The car's open windows and blocked periods not over yet: periods by start, then
        weekly rules."""
        car = await self._repos.cars.get(car_id)
        if car is None:
            return []
        now = self._now()
        today = now.astimezone(await self.zone(car.chat_id)).date()
        return await self._repos.availability.current(car.id, now, today)

    async def delete_window(self, window_id: int, by_user: int) -> Window | CarRefused:
        async with self._db.transaction() as conn:
            window = await self._repos.availability.get(window_id)
            if window is None:
                return CarRefused(CarRefusalReason.NOT_FOUND)
            car = await self._managed_car(window.car_id, by_user, None)
            if isinstance(car, CarRefused):
                return car
            await self._repos.availability.delete(conn, window.id)
            return window

    async def free_cars(self, chat_id: int, interval: Interval) -> list[Car]:
        """`/libre`: the group's bookable cars free for the whole interval, by name."""
        wanted = utc(interval)
        candidates = await self._repos.cars.free_of_bookings(chat_id, wanted.start, wanted.end)
        if not candidates:
            return []
        zone = await self.zone(chat_id)
        first_day = wanted.start.astimezone(zone).date()
        by_car: defaultdict[int, list[Window]] = defaultdict(list)
        for window in await self._repos.availability.relevant_in_group(
            chat_id, wanted.start, wanted.end, first_day
        ):
            by_car[window.car_id].append(window)
        return [
            car
            for car in candidates
            if calendar_allows(wanted, car, _calendar(by_car[car.id], zone, wanted))
        ]

    # Requests and decisions

    async def request(
        self, chat_id: int, borrower_id: int, car_name: str, interval: Interval
    ) -> RequestOutcome:
        """A member asks for a car. Every rule is decided here, in the transaction that
        stores the request, so nothing that lands meanwhile (a ban, a vouch withdrawn, a
        booking of the same slot) slips between the checks and the insert:

        - a suspended member is told so, before any charter or voucher rule;
        - the group's vouch rule, then its charter still to accept (nothing stored);
        - the car, the dates and the group's rules (`Refusal` with what would help: the
          car names, the free slots that day, the limit);
        - stored as pending, and accepted at once for a trusted neighbour when the car
          takes them (`AutoAccepted`), through the same steps as an owner's Accept.
        """
        now = self._now()
        wanted = utc(interval)
        key = name_key(car_name)
        repos = self._repos
        async with self._db.transaction() as conn:
            banned = await repos.moderation.is_banned(chat_id, borrower_id)
            settings = await repos.settings.get(chat_id)
            profile = profile_of(
                await repos.ledger.of_member(chat_id, borrower_id),
                await repos.ledger.vouches_for(chat_id, borrower_id),
            )
            if not banned:
                if needs_a_vouch(profile, settings):
                    return NeedsVouch()
                if settings.charter and not await repos.reputation.accepted_charter(
                    chat_id, borrower_id
                ):
                    return NeedsCharter(settings.charter)
            car = await repos.cars.by_name(chat_id, key)
            if car is None:
                names = tuple(listed.name for listed in await repos.cars.in_group(chat_id))
                return Refusal(RefusalReason.UNKNOWN_CAR, car_names=names)
            zone = await self.zone(chat_id)
            managers = tuple(await repos.cars.managers(car.id))
            # The calendar spans the start's whole day too: a refusal offers that day's
            # free slots.
            day = local_day(wanted.start, zone)
            span = Interval(min(day.start, wanted.start), max(day.end, wanted.end))
            windows = await repos.availability.relevant(
                car.id, span.start, span.end, span.start.astimezone(zone).date()
            )
            busy = await repos.bookings.busy_overlapping(car.id, span.start, span.end)
            refusal = check_request(
                wanted,
                now=now,
                zone=zone,
                settings=settings,
                car=car,
                borrower_id=borrower_id,
                managers=managers,
                banned=banned,
                calendar=_calendar(windows, zone, span, busy),
            )
            if refusal is not None:
                return refusal
            expires_at = expiry_instant(now, wanted.start, settings.request_expiry)
            booking = await repos.bookings.insert_pending(
                conn, car.id, chat_id, borrower_id, wanted.start, wanted.end, now, expires_at
            )
            if car.auto_accept_trusted and is_trusted(profile, settings):
                accepted = await self._accept_now(conn, booking, car, car.owner_id, now)
                if isinstance(accepted, Accepted):
                    return AutoAccepted(accepted)
        return Requested(booking, car, managers)

    async def _decidable(
        self, booking_id: int, manager_id: int, chat_id: int | None
    ) -> tuple[Booking, Car] | ActionRefused:
        """The booking and its car if this manager may still decide on it."""
        booking = await self._repos.bookings.get(booking_id)
        if booking is None or chat_id not in (None, booking.chat_id):
            return ActionRefused(ActionRefusalReason.NOT_FOUND)
        if not await self._repos.cars.is_manager(booking.car_id, manager_id):
            return ActionRefused(ActionRefusalReason.NOT_MANAGER)
        if booking.status is not BookingStatus.PENDING:
            holder = None
            if booking.superseded_by is not None:
                holder = await self._repos.bookings.get(booking.superseded_by)
            return ActionRefused(ActionRefusalReason.ALREADY_HANDLED, booking, holder)
        return booking, await self._reread_car(booking.car_id)

    async def accept(
        self, booking_id: int, manager_id: int, chat_id: int | None = None
    ) -> Accepted | ActionRefused:
        """A manager accepts: the overlap is checked again and the overlapping pending
        requests are declined, all in one transaction, so only one of two overlapping
        requests accepted at once can win."""
        now = self._now()
        async with self._db.transaction() as conn:
            found = await self._decidable(booking_id, manager_id, chat_id)
            if isinstance(found, ActionRefused):
                return found
            booking, car = found
            if booking.expires_at <= now:
                return ActionRefused(ActionRefusalReason.EXPIRED, booking)
            if await self._repos.groups.member(booking.chat_id, booking.borrower_id) is None:
                return ActionRefused(ActionRefusalReason.BORROWER_GONE, booking)
            if await self._repos.moderation.is_banned(booking.chat_id, booking.borrower_id):
                return ActionRefused(ActionRefusalReason.BORROWER_SUSPENDED, booking)
            return await self._accept_now(conn, booking, car, manager_id, now)

    async def _accept_now(
        self, conn: Connection, booking: Booking, car: Car, manager_id: int, now: datetime
    ) -> Accepted | ActionRefused:
        """Inside a transaction: the overlap checked again, the booking accepted and the
        overlapping pending requests declined, so only one of two overlapping requests
        accepted at once can win."""
        holders = await self._repos.bookings.busy_overlapping(car.id, booking.start, booking.end)
        if holders:
            return ActionRefused(ActionRefusalReason.CONFLICT, booking, holders[0])
        await self._repos.bookings.accept(conn, booking.id, manager_id, now)
        declined = []
        for other in await self._repos.bookings.pending_overlapping(
            car.id, booking.start, booking.end
        ):
            await self._repos.bookings.decline(
                conn, other.id, now, manager_id=None, superseded_by=booking.id
            )
            declined.append(await self._reread(other.id))
        managers = tuple(await self._repos.cars.managers(car.id))
        return Accepted(await self._reread(booking.id), car, tuple(declined), managers)

    async def decline(
        self,
        booking_id: int,
        manager_id: int,
        reason: str | None = None,
        chat_id: int | None = None,
    ) -> Declined | ActionRefused:
        """A manager declines, optionally saying why (kept short: it goes into a DM)."""
        reason = (reason or "").strip()[:DECLINE_REASON_MAX_LENGTH] or None
        now = self._now()
        async with self._db.transaction() as conn:
            found = await self._decidable(booking_id, manager_id, chat_id)
            if isinstance(found, ActionRefused):
                return found
            booking, car = found
            await self._repos.bookings.decline(conn, booking.id, now, manager_id, reason)
            return Declined(await self._reread(booking.id), car)

    async def cancel(
        self,
        booking_id: int,
        user_id: int,
        chat_id: int | None = None,
        is_admin: bool = False,
    ) -> Cancelled | ActionRefused:
        """The borrower or a manager (or a group admin) cancels before pickup; less than
        two hours before the start of an accepted booking it is recorded as late. An admin
        cancelling for others is audited in the same transaction and is nobody's late
        cancellation: neither side chose it."""
        now = self._now()
        async with self._db.transaction() as conn:
            booking = await self._repos.bookings.get(booking_id)
            if booking is None or chat_id not in (None, booking.chat_id):
                return ActionRefused(ActionRefusalReason.NOT_FOUND)
            managers = await self._repos.cars.managers(booking.car_id)
            if user_id != booking.borrower_id and user_id not in managers and not is_admin:
                return ActionRefused(ActionRefusalReason.NOT_YOURS)
            if not can_move(booking.status, BookingStatus.CANCELLED):
                return ActionRefused(ActionRefusalReason.ALREADY_HANDLED, booking)
            by_admin = user_id != booking.borrower_id and user_id not in managers
            late = not by_admin and is_late_cancellation(booking.status, booking.start, now)
            await self._repos.bookings.cancel(conn, booking.id, user_id, now, late)
            if by_admin:
                await self._repos.moderation.audit(
                    conn,
                    AuditEntry(
                        booking.chat_id,
                        user_id,
                        AuditAction.CANCEL_BOOKING,
                        now,
                        target_id=booking.borrower_id,
                        car_id=booking.car_id,
                        booking_id=booking.id,
                    ),
                )
            if late:
                other = booking.borrower_id if user_id != booking.borrower_id else managers[0]
                await self._repos.ledger.add(
                    conn, ledger_entry(booking, user_id, LedgerKind.LATE_CANCELLATION, other, now)
                )
            involved = dict.fromkeys([booking.borrower_id, *managers])
            notify = tuple(member for member in involved if member != user_id)
            car = await self._reread_car(booking.car_id)
            return Cancelled(await self._reread(booking.id), car, notify)

    async def member_left(self, chat_id: int, user_id: int) -> Departed:
        """A member left the group or was removed from it, all in one transaction:
        - they are no longer a member, so nothing of the group reaches them any more, not
          even what was kept for them until they opened their private chat;
        - what they asked for there and have not picked up is cancelled, so an owner's
          Accept pressed afterwards finds nothing to accept; a car already on the road
          with them stays theirs to bring back;
        - they no longer decide for the cars they co-managed there;
        - a car they own goes on being lent by its co-managers still in the group; with
          none, it is paused (the owner takes it back to the group by coming back), and
          what was asked of it and not picked up is cancelled.
        None of it is a late cancellation: leaving the village is not letting a neighbour
        down. Told a second time (Telegram's two notices of one departure), it does
        nothing: they were no member any more."""
        now = self._now()
        repos = self._repos
        withdrawn, on_the_road, paused, called_off, handed_over = [], [], [], [], []
        async with self._db.transaction() as conn:
            if not await repos.groups.remove_member(conn, chat_id, user_id):
                return Departed()
            await repos.pending.drop_for_group(conn, user_id, chat_id)
            for booking in await repos.bookings.open_of_borrower(user_id, now):
                if booking.chat_id != chat_id:
                    continue
                car = await self._reread_car(booking.car_id)
                managers = tuple(await repos.cars.managers(car.id))
                if await repos.bookings.cancel(conn, booking.id, user_id, now, False):
                    withdrawn.append(Withdrawn(await self._reread(booking.id), car, managers))
                else:  # active: the car is with them
                    on_the_road.append(Withdrawn(booking, car, managers))
            for car in await repos.cars.in_group(chat_id):
                deciding = await repos.cars.managers(car.id)
                if user_id not in deciding:
                    continue
                await repos.cars.remove_manager(conn, car.id, user_id)
                if car.owner_id != user_id:
                    continue
                others = [
                    m for m in deciding if m != user_id and await repos.groups.member(chat_id, m)
                ]
                if others:
                    # The co-managers answer for the car, as they did beside its owner.
                    handed_over.append(HandedOver(car, tuple(others)))
                    continue
                if not car.paused:
                    await repos.cars.set_paused(conn, car.id, True)
                    paused.append(await self._reread_car(car.id))
                for booking in await repos.bookings.open_of_car(car.id, now):
                    if await repos.bookings.cancel(conn, booking.id, user_id, now, False):
                        called_off.append(BookingView(await self._reread(booking.id), car))
        return Departed(
            tuple(withdrawn),
            tuple(on_the_road),
            tuple(paused),
            tuple(called_off),
            tuple(handed_over),
        )

    async def expire(self, booking_id: int, now: datetime | None = None) -> Booking | None:
        """The expiry job: expire the request if it is still pending and due; the expired
        booking (tell its borrower), or None when there is nothing to do. Safe to run twice
        and after a restart."""
        moment = self._now() if now is None else now.astimezone(UTC)
        async with self._db.transaction() as conn:
            if not await self._repos.bookings.expire(conn, booking_id, moment):
                return None
            return await self._reread(booking_id)

    # Reading bookings

    async def get(self, booking_id: int) -> Booking | None:
        return await self._repos.bookings.get(booking_id)

    async def upcoming_for(self, user_id: int) -> Upcoming:
        """`/resas`: requests and bookings not over yet, as borrower and as manager."""
        now = self._now()
        as_borrower = await self._repos.bookings.open_of_borrower(user_id, now)
        as_manager = await self._repos.bookings.open_of_manager(user_id, now)
        cars: dict[int, Car] = {}
        for booking in (*as_borrower, *as_manager):
            if booking.car_id not in cars:
                cars[booking.car_id] = await self._reread_car(booking.car_id)
        return Upcoming(
            as_borrower=tuple(BookingView(b, cars[b.car_id]) for b in as_borrower),
            as_manager=tuple(BookingView(b, cars[b.car_id]) for b in as_manager),
        )

    async def _reread(self, booking_id: int) -> Booking:
        booking = await self._repos.bookings.get(booking_id)
        assert booking is not None, "bookings are never deleted"
        return booking

    async def _reread_car(self, car_id: int) -> Car:
        car = await self._repos.cars.get(car_id)
        assert car is not None, "cars are removed, never deleted"
        return car
