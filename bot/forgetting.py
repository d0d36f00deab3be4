"""`/forgetme`: a member asks the bot to forget them (docs/product.md, Privacy).

Their cars are removed and the requests and bookings not picked up yet, theirs and those
of their cars, are cancelled; the vouches they give are withdrawn; then every row naming
them is deleted, or moved to the former-member placeholder where it is the others'
history too (a trip lent to them stays counted in the owner's profile). All of it in one
transaction, which re-checks that no car is on the road with them or with their car: the
return must still be recorded by the people who know what happened, so forgetting waits
for it.

Domain code: no Telegram here; storage is reached through the repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.booking.service import BookingView, Withdrawn
from bot.booking.status import can_move
from storage import Repositories
from storage.models import Booking, BookingStatus, Car, LedgerEntry, LedgerKind
from storage.privacy import FORMER_MEMBER_ID


class ForgetRefusalReason(StrEnum):
    # nothing is stored about them: never met, or already forgotten
    NOTHING = "nothing"
    # a car is on the road with them, or one of their cars with someone
    CAR_OUT = "car_out"
    # suspended by a group's admins: forgetting would lift the ban with the rest of them
    BANNED = "banned"


@dataclass(frozen=True, slots=True)
class ForgetRefused:
    """`out`: for CAR_OUT, the trips not returned yet; `groups`: for BANNED, where."""

    reason: ForgetRefusalReason
    out: tuple[BookingView, ...] = ()
    groups: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ForgetPlan:
    """What forgetting would do now: the cars it removes and the requests and bookings it
    cancels (of those cars, and the member's own)."""

    cars: int
    bookings: int


@dataclass(frozen=True, slots=True)
class Forgotten:
    """`lent`: the bookings of the member's cars, cancelled with the cars (tell each
    borrower). `borrowed`: the member's own, cancelled (tell the managers). Bookings and
    cars are as cancelled, before the member's id left them."""

    lent: tuple[BookingView, ...]
    borrowed: tuple[Withdrawn, ...]


class ForgettingService:
    def __init__(self, repos: Repositories, clock: Callable[[], datetime]) -> None:
        self._repos = repos
        self._db = repos.db
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    async def plan(self, user_id: int) -> ForgetPlan | ForgetRefused:
        """What the confirmation tells the member before they decide."""
        refused = await self._refusal(user_id)
        if refused is not None:
            return refused
        now = self._now()
        cars = await self._own_cars(user_id)
        bookings = await self._cancellable_of_borrower(user_id, now)
        for car in cars:
            bookings += await self._cancellable_of_car(car.id, now)
        return ForgetPlan(cars=len(cars), bookings=len(bookings))

    async def forget(self, user_id: int) -> Forgotten | ForgetRefused:
        now = self._now()
        repos = self._repos
        async with self._db.transaction() as conn:
            refused = await self._refusal(user_id)
            if refused is not None:
                return refused
            cars = await self._own_cars(user_id)
            # Nobody's late cancellation: the member leaves, and their record goes with them.
            lent = []
            for car in cars:
                await repos.cars.mark_removed(conn, car.id, now)
                for booking in await self._cancellable_of_car(car.id, now):
                    await repos.bookings.cancel(conn, booking.id, user_id, now, late=False)
                    lent.append(BookingView(await self._reread(booking.id), car))
            borrowed = []
            for booking in await self._cancellable_of_borrower(user_id, now):
                asked = await self._car(booking.car_id)
                managers = tuple(await repos.cars.managers(asked.id))
                await repos.bookings.cancel(conn, booking.id, user_id, now, late=False)
                borrowed.append(Withdrawn(await self._reread(booking.id), asked, managers))
            # The ledger is append-only: a vouch goes the way a member withdraws it, and the
            # neighbour's profile no longer counts it.
            for chat_id, member_id in await repos.personal_data.vouches_given(user_id):
                await repos.ledger.add(
                    conn,
                    LedgerEntry(chat_id, user_id, LedgerKind.VOUCH_WITHDRAWN, now, member_id),
                )
            await repos.personal_data.erase(conn, user_id)
        return Forgotten(tuple(lent), tuple(borrowed))

    async def _refusal(self, user_id: int) -> ForgetRefused | None:
        # Every row naming a member references their users row: without it, nothing is left.
        # The placeholder's row is everyone forgotten, nobody to forget.
        if user_id == FORMER_MEMBER_ID or await self._repos.users.get(user_id) is None:
            return ForgetRefused(ForgetRefusalReason.NOTHING)
        out = []
        for booking in await self._repos.personal_data.cars_out(user_id):
            out.append(BookingView(booking, await self._car(booking.car_id)))
        if out:
            return ForgetRefused(ForgetRefusalReason.CAR_OUT, tuple(out))
        banned = await self._repos.moderation.banned_in(user_id)
        if banned:
            return ForgetRefused(ForgetRefusalReason.BANNED, groups=tuple(banned))
        return None

    async def _own_cars(self, user_id: int) -> list[Car]:
        """Their listed cars, in every group (a co-managed car stays with its owner)."""
        managed = await self._repos.cars.managed_by(user_id)
        return [car for car in managed if car.owner_id == user_id]

    async def _cancellable_of_car(self, car_id: int, now: datetime) -> list[Booking]:
        return _cancellable(await self._repos.bookings.open_of_car(car_id, now))

    async def _cancellable_of_borrower(self, user_id: int, now: datetime) -> list[Booking]:
        return _cancellable(await self._repos.bookings.open_of_borrower(user_id, now))

    async def _car(self, car_id: int) -> Car:
        car = await self._repos.cars.get(car_id)
        assert car is not None, "cars are removed, never deleted"
        return car

    async def _reread(self, booking_id: int) -> Booking:
        booking = await self._repos.bookings.get(booking_id)
        assert booking is not None, "bookings are never deleted"
        return booking


def _cancellable(bookings: list[Booking]) -> list[Booking]:
    """Requests and bookings not picked up yet."""
    return [b for b in bookings if can_move(b.status, BookingStatus.CANCELLED)]
