"""What the Telegram handlers call for reputation: profiles, vouches, feedback and its
reveal, the charter.

Like `BookingService`: each write reads the clock once, checks who acts and in what state
the object is, and writes in one transaction together with its ledger rows; refusals change
nothing and name their reason (`reputation.refusal.<value>`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.reputation.rules import (
    COMMENT_MAX_LENGTH,
    REVEAL_AFTER,
    Profile,
    clean_tags,
    is_trusted,
    needs_a_vouch,
    profile_of,
    reveal_due,
)
from storage import Repositories
from storage.models import (
    Booking,
    BookingStatus,
    Car,
    Feedback,
    FeedbackSide,
    LedgerEntry,
    LedgerKind,
    Member,
)


class ReputationRefusalReason(StrEnum):
    NOT_MEMBER = "not_member"
    SELF_VOUCH = "self_vouch"
    NO_TRIP = "no_trip"
    ALREADY_VOUCHED = "already_vouched"
    NOT_VOUCHED = "not_vouched"
    NOT_FOUND = "not_found"
    NOT_PARTY = "not_party"
    NOT_RETURNED = "not_returned"
    ALREADY_GIVEN = "already_given"
    COMMENT_TOO_LONG = "comment_too_long"
    CLOSED = "closed"
    # A suspended member's word does not make others trusted (bot.moderation).
    BANNED = "banned"


@dataclass(frozen=True, slots=True)
class ReputationRefused:
    reason: ReputationRefusalReason


@dataclass(frozen=True, slots=True)
class MemberProfile:
    member: Member
    profile: Profile
    trusted: bool


@dataclass(frozen=True, slots=True)
class Vouched:
    chat_id: int
    voucher_id: int
    member: Member


@dataclass(frozen=True, slots=True)
class FeedbackTarget:
    """A returned booking one member may still answer about, and as which side."""

    booking: Booking
    car: Car
    managers: tuple[int, ...]
    side: FeedbackSide

    @property
    def subject_id(self) -> int:
        """Whom the answer is about: the owner for the borrower, the borrower for managers."""
        return self.car.owner_id if self.side is FeedbackSide.BORROWER else self.booking.borrower_id


@dataclass(frozen=True, slots=True)
class Reveal:
    """The answers given for one returned booking, shown now to both sides."""

    booking: Booking
    car: Car
    managers: tuple[int, ...]
    answers: tuple[Feedback, ...]


class ReputationService:
    def __init__(self, repos: Repositories, clock: Callable[[], datetime]) -> None:
        self._repos = repos
        self._db = repos.db
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    # Profiles

    async def profile_of(self, chat_id: int, user_id: int) -> Profile:
        own = await self._repos.ledger.of_member(chat_id, user_id)
        vouches = await self._repos.ledger.vouches_for(chat_id, user_id)
        return profile_of(own, vouches)

    async def needs_a_vouch(self, chat_id: int, user_id: int) -> bool:
        settings = await self._repos.settings.get(chat_id)
        return needs_a_vouch(await self.profile_of(chat_id, user_id), settings)

    async def profile(self, chat_id: int, user_id: int) -> MemberProfile | None:
        """None for someone the bot never met in that group."""
        member = await self._repos.groups.member(chat_id, user_id)
        if member is None:
            return None
        profile = await self.profile_of(chat_id, user_id)
        settings = await self._repos.settings.get(chat_id)
        return MemberProfile(member, profile, is_trusted(profile, settings))

    async def is_trusted(self, chat_id: int, user_id: int) -> bool:
        settings = await self._repos.settings.get(chat_id)
        return is_trusted(await self.profile_of(chat_id, user_id), settings)

    # Vouches

    async def vouch(
        self, chat_id: int, voucher_id: int, member_id: int
    ) -> Vouched | ReputationRefused:
        """A member with a completed trip vouches for another member, once."""
        now = self._now()
        async with self._db.transaction() as conn:
            refused = await self._vouch_refusal(chat_id, voucher_id, member_id)
            if isinstance(refused, ReputationRefused):
                return refused
            if await self._repos.moderation.is_banned(chat_id, voucher_id):
                return ReputationRefused(ReputationRefusalReason.BANNED)
            if voucher_id in (await self.profile_of(chat_id, member_id)).vouched_by:
                return ReputationRefused(ReputationRefusalReason.ALREADY_VOUCHED)
            if not (await self.profile_of(chat_id, voucher_id)).completed_trips:
                return ReputationRefused(ReputationRefusalReason.NO_TRIP)
            await self._repos.ledger.add(
                conn,
                LedgerEntry(chat_id, voucher_id, LedgerKind.VOUCH_GIVEN, now, other_id=member_id),
            )
            return Vouched(chat_id, voucher_id, refused)

    async def withdraw_vouch(
        self, chat_id: int, voucher_id: int, member_id: int
    ) -> Vouched | ReputationRefused:
        now = self._now()
        async with self._db.transaction() as conn:
            refused = await self._vouch_refusal(chat_id, voucher_id, member_id)
            if isinstance(refused, ReputationRefused):
                return refused
            if voucher_id not in (await self.profile_of(chat_id, member_id)).vouched_by:
                return ReputationRefused(ReputationRefusalReason.NOT_VOUCHED)
            await self._repos.ledger.add(
                conn,
                LedgerEntry(
                    chat_id, voucher_id, LedgerKind.VOUCH_WITHDRAWN, now, other_id=member_id
                ),
            )
            return Vouched(chat_id, voucher_id, refused)

    async def _vouch_refusal(
        self, chat_id: int, voucher_id: int, member_id: int
    ) -> Member | ReputationRefused:
        if voucher_id == member_id:
            return ReputationRefused(ReputationRefusalReason.SELF_VOUCH)
        member = await self._repos.groups.member(chat_id, member_id)
        if member is None:
            return ReputationRefused(ReputationRefusalReason.NOT_MEMBER)
        return member

    # Feedback

    async def feedback_target(
        self, booking_id: int, user_id: int
    ) -> FeedbackTarget | ReputationRefused:
        """The booking and the side this member answers as, if they still may."""
        booking = await self._repos.bookings.get(booking_id)
        if booking is None:
            return ReputationRefused(ReputationRefusalReason.NOT_FOUND)
        managers = tuple(await self._repos.cars.managers(booking.car_id))
        if user_id == booking.borrower_id:
            side = FeedbackSide.BORROWER
        elif user_id in managers:
            side = FeedbackSide.OWNER
        else:
            return ReputationRefused(ReputationRefusalReason.NOT_PARTY)
        if booking.status not in (BookingStatus.RETURNED, BookingStatus.CLOSED):
            return ReputationRefused(ReputationRefusalReason.NOT_RETURNED)
        feedback_round = await self._repos.reputation.round(booking_id)
        if feedback_round is None:
            return ReputationRefused(ReputationRefusalReason.NOT_RETURNED)
        if feedback_round.revealed_at is not None:
            return ReputationRefused(ReputationRefusalReason.CLOSED)
        answers = await self._repos.reputation.feedback_of(booking_id)
        if any(answer.side is side for answer in answers):
            return ReputationRefused(ReputationRefusalReason.ALREADY_GIVEN)
        car = await self._repos.cars.get(booking.car_id)
        assert car is not None, "cars are removed, never deleted"
        return FeedbackTarget(booking, car, managers, side)

    async def give_feedback(
        self,
        booking_id: int,
        user_id: int,
        thumbs_up: bool,
        tags: Iterable[str] = (),
        comment: str = "",
    ) -> FeedbackTarget | ReputationRefused:
        """One answer per side, kept hidden until the reveal."""
        comment = comment.strip()
        if len(comment) > COMMENT_MAX_LENGTH:
            return ReputationRefused(ReputationRefusalReason.COMMENT_TOO_LONG)
        now = self._now()
        async with self._db.transaction() as conn:
            target = await self.feedback_target(booking_id, user_id)
            if isinstance(target, ReputationRefused):
                return target
            feedback = Feedback(
                booking_id=booking_id,
                side=target.side,
                author_id=user_id,
                subject_id=target.subject_id,
                thumbs_up=thumbs_up,
                tags=clean_tags(tags),
                comment=comment,
                given_at=now,
            )
            if not await self._repos.reputation.add_feedback(conn, feedback):
                return ReputationRefused(ReputationRefusalReason.ALREADY_GIVEN)
        return target

    async def claim_reveal(self, booking_id: int) -> Reveal | None:
        """The answers to show, for the one caller that may show them: None when not due
        yet or already revealed (before a restart, or by the other side's answer)."""
        now = self._now()
        async with self._db.transaction() as conn:
            feedback_round = await self._repos.reputation.round(booking_id)
            if feedback_round is None or feedback_round.revealed_at is not None:
                return None
            answers = tuple(await self._repos.reputation.feedback_of(booking_id))
            if not reveal_due((a.side for a in answers), feedback_round.due_at, now):
                return None
            if not await self._repos.reputation.claim_reveal(conn, booking_id, now):
                return None
            booking = await self._repos.bookings.get(booking_id)
            assert booking is not None, "bookings are never deleted"
            for answer in answers:
                # Feedback enters the ledger, and so the profiles, only once revealed.
                await self._repos.ledger.add(
                    conn,
                    LedgerEntry(
                        chat_id=booking.chat_id,
                        user_id=answer.subject_id,
                        kind=LedgerKind.FEEDBACK_RECEIVED,
                        at=now,
                        other_id=answer.author_id,
                        booking_id=booking_id,
                        thumbs_up=answer.thumbs_up,
                    ),
                )
        car = await self._repos.cars.get(booking.car_id)
        assert car is not None, "cars are removed, never deleted"
        managers = tuple(await self._repos.cars.managers(car.id))
        return Reveal(booking, car, managers, answers)

    # Charter

    async def charter_to_accept(self, chat_id: int, user_id: int) -> str | None:
        """The group's charter when this member has not accepted it yet."""
        charter = (await self._repos.settings.get(chat_id)).charter
        if not charter or await self._repos.reputation.accepted_charter(chat_id, user_id):
            return None
        return charter

    async def accept_charter(self, chat_id: int, user_id: int) -> bool:
        """Recorded once per member and group; False when it already was."""
        async with self._db.transaction() as conn:
            return await self._repos.reputation.accept_charter(conn, chat_id, user_id, self._now())


def ledger_entry(
    booking: Booking, user_id: int, kind: LedgerKind, other_id: int, at: datetime
) -> LedgerEntry:
    """A ledger row about one booking, for the services that record its events."""
    return LedgerEntry(
        chat_id=booking.chat_id,
        user_id=user_id,
        kind=kind,
        at=at,
        other_id=other_id,
        booking_id=booking.id,
    )


def reveal_deadline(returned_at: datetime) -> datetime:
    return returned_at + REVEAL_AFTER
