"""ReputationService and the ledger rows the booking and trip services write, over a real
database: every refusal leaves the tables as they were."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.booking import Cancelled
from bot.reputation import (
    FeedbackTarget,
    ReputationRefusalReason,
    ReputationRefused,
    ReputationService,
    Reveal,
    Vouched,
)
from bot.schedule import REVEAL, SchedulingService
from bot.trips import IncidentView, PickedUp, Returned
from storage.models import FeedbackSide, GroupSettings, LedgerKind
from tests.booking.conftest import BORROWER, CHAT, CO_MANAGER, NEIGHBOUR, OWNER, STRANGER
from tests.trips.conftest import Trips

TABLES = ("ledger", "feedback", "feedback_rounds", "charter_acceptances")


@pytest.fixture
def reputation(trips: Trips) -> ReputationService:
    return ReputationService(trips.village.repos, trips.village.clock)


async def _reveals(trips: Trips) -> list[tuple[int, datetime]]:
    """The reveals the bookings' timer plans, from the database (bot/schedule.py)."""
    schedule = SchedulingService(trips.village.repos, trips.village.clock)
    return [(m.booking_id, m.at) for m in await schedule.implied() if m.kind == REVEAL]


def refused(result: object, reason: ReputationRefusalReason) -> None:
    assert isinstance(result, ReputationRefused), result
    assert result.reason is reason, result


async def counts(t: Trips) -> tuple[int, ...]:
    return tuple([await t.village.count(table) for table in TABLES])


async def returned(t: Trips, late: timedelta = timedelta(0)) -> int:
    """A two-hour trip of BORROWER in OWNER's car, returned at its end plus `late`."""
    booking = await t.accepted(timedelta(minutes=30))
    km = await t.service.last_return_km(t.car.id) or 1000
    picked = await t.service.record_pickup(booking.id, BORROWER, km, 4, None)
    assert isinstance(picked, PickedUp), picked
    t.village.clock.now = booking.end + late
    back = await t.service.record_return(booking.id, BORROWER, km + 40, 4, None)
    assert isinstance(back, Returned), back
    return booking.id


async def test_a_return_is_a_borrowing_and_a_loan_and_opens_feedback(
    trips: Trips, reputation: ReputationService
) -> None:
    await returned(trips)
    await returned(trips, late=timedelta(minutes=35))
    paul = await reputation.profile_of(CHAT, BORROWER)
    assert (paul.borrowed, paul.borrowed_on_time, paul.lent) == (2, 1, 0)
    marie = await reputation.profile_of(CHAT, OWNER)
    assert (marie.borrowed, marie.lent) == (0, 2)
    assert len(await _reveals(trips)) == 2
    row = await trips.village.db.fetchone("SELECT max(late_minutes) FROM ledger")
    assert row is not None and row[0] == 35


async def test_the_ledger_refuses_updates_and_deletes(trips: Trips) -> None:
    await returned(trips)
    async with trips.village.db.transaction() as conn:
        for sql in ("UPDATE ledger SET kind = 'lent'", "DELETE FROM ledger"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                await conn.execute(sql)
    source = (Path(__file__).parents[2] / "storage" / "ledger.py").read_text()
    assert "UPDATE" not in source and "DELETE" not in source


async def test_incidents_no_shows_payments_and_late_cancellations_are_recorded(
    trips: Trips, reputation: ReputationService
) -> None:
    booking_id = await returned(trips)
    opened = await trips.service.report_problem(booking_id, OWNER, "Rayure", None)
    assert isinstance(opened, IncidentView)
    assert (await reputation.profile_of(CHAT, BORROWER)).open_incidents == (opened.incident.id,)
    await trips.service.resolve_incident(opened.incident.id, BORROWER)
    assert (await reputation.profile_of(CHAT, BORROWER)).open_incidents == ()

    no_show = await trips.accepted(timedelta(minutes=30))
    trips.village.clock.advance(timedelta(minutes=90))
    await trips.service.mark_no_show(no_show.id, OWNER)
    late = await trips.accepted(timedelta(hours=1))
    cancelled = await trips.village.service.cancel(late.id, BORROWER)
    assert isinstance(cancelled, Cancelled) and cancelled.late
    paul = await reputation.profile_of(CHAT, BORROWER)
    assert (paul.no_shows, paul.late_cancellations) == (1, 1)
    kinds = [e.kind for e in await trips.village.repos.ledger.of_member(CHAT, BORROWER)]
    assert kinds == [
        LedgerKind.BORROWED,
        LedgerKind.INCIDENT_OPENED,
        LedgerKind.INCIDENT_RESOLVED,
        LedgerKind.NO_SHOW,
        LedgerKind.LATE_CANCELLATION,
    ]


async def test_a_paid_contribution_is_recorded(trips: Trips) -> None:
    booking_id = await returned(trips)
    await trips.service.mark_paid(booking_id, BORROWER)
    kinds = [e.kind for e in await trips.village.repos.ledger.of_member(CHAT, BORROWER)]
    assert kinds[-1] is LedgerKind.CONTRIBUTION_PAID


async def test_feedback_refusals_store_nothing(trips: Trips, reputation: ReputationService) -> None:
    booking_id = await returned(trips)
    early = await trips.accepted(timedelta(minutes=30))
    before = await counts(trips)
    refused(
        await reputation.give_feedback(early.id, BORROWER, True),
        ReputationRefusalReason.NOT_RETURNED,
    )
    refused(
        await reputation.give_feedback(booking_id, NEIGHBOUR, False),
        ReputationRefusalReason.NOT_PARTY,
    )
    refused(
        await reputation.give_feedback(booking_id, BORROWER, True, comment="x" * 501),
        ReputationRefusalReason.COMMENT_TOO_LONG,
    )
    refused(await reputation.give_feedback(999, BORROWER, True), ReputationRefusalReason.NOT_FOUND)
    assert await counts(trips) == before
    given = await reputation.give_feedback(booking_id, BORROWER, True, ["clean", "x"], "Merci !")
    assert isinstance(given, FeedbackTarget) and given.side is FeedbackSide.BORROWER
    after_one = await counts(trips)
    refused(
        await reputation.give_feedback(booking_id, BORROWER, False),
        ReputationRefusalReason.ALREADY_GIVEN,
    )
    assert await counts(trips) == after_one
    [answer] = await trips.village.repos.reputation.feedback_of(booking_id)
    assert (answer.subject_id, answer.tags, answer.comment) == (OWNER, ("clean",), "Merci !")


async def test_answers_are_revealed_once_when_both_sides_answered(
    trips: Trips, reputation: ReputationService
) -> None:
    booking_id = await returned(trips)
    await reputation.give_feedback(booking_id, BORROWER, True, comment="x" * 500)
    assert await reputation.claim_reveal(booking_id) is None
    # Hidden: nothing in the profiles yet.
    assert (await reputation.profile_of(CHAT, OWNER)).thumbs_up == 0
    # A co-manager answers for the owner's side, once for that side.
    await trips.village.service.add_manager(trips.car.id, OWNER, CO_MANAGER)
    assert isinstance(await reputation.give_feedback(booking_id, CO_MANAGER, False), FeedbackTarget)
    refused(
        await reputation.give_feedback(booking_id, OWNER, True),
        ReputationRefusalReason.ALREADY_GIVEN,
    )
    reveal = await reputation.claim_reveal(booking_id)
    assert isinstance(reveal, Reveal) and len(reveal.answers) == 2
    assert await reputation.claim_reveal(booking_id) is None
    assert (await reputation.profile_of(CHAT, OWNER)).thumbs_up == 1
    assert (await reputation.profile_of(CHAT, BORROWER)).thumbs_down == 1
    assert await _reveals(trips) == []


async def test_one_answer_is_revealed_after_seven_days(
    trips: Trips, reputation: ReputationService
) -> None:
    booking_id = await returned(trips)
    await reputation.give_feedback(booking_id, OWNER, True)
    [(_, due)] = await _reveals(trips)
    trips.village.clock.now = due - timedelta(minutes=1)
    assert await reputation.claim_reveal(booking_id) is None
    trips.village.clock.now = due
    reveal = await reputation.claim_reveal(booking_id)
    assert isinstance(reveal, Reveal) and [a.author_id for a in reveal.answers] == [OWNER]
    refused(
        await reputation.give_feedback(booking_id, BORROWER, True),
        ReputationRefusalReason.CLOSED,
    )


async def test_vouching_rules(trips: Trips, reputation: ReputationService) -> None:
    before = await counts(trips)
    refused(await reputation.vouch(CHAT, OWNER, OWNER), ReputationRefusalReason.SELF_VOUCH)
    refused(await reputation.vouch(CHAT, NEIGHBOUR, OWNER), ReputationRefusalReason.NO_TRIP)
    refused(await reputation.vouch(CHAT, OWNER, STRANGER), ReputationRefusalReason.NOT_MEMBER)
    refused(
        await reputation.withdraw_vouch(CHAT, OWNER, NEIGHBOUR),
        ReputationRefusalReason.NOT_VOUCHED,
    )
    assert await counts(trips) == before
    await returned(trips)
    vouched = await reputation.vouch(CHAT, OWNER, NEIGHBOUR)
    assert isinstance(vouched, Vouched) and vouched.member.user_id == NEIGHBOUR
    with_vouch = await counts(trips)
    refused(await reputation.vouch(CHAT, OWNER, NEIGHBOUR), ReputationRefusalReason.ALREADY_VOUCHED)
    assert await counts(trips) == with_vouch
    assert (await reputation.profile_of(CHAT, NEIGHBOUR)).vouched_by == (OWNER,)
    assert isinstance(await reputation.withdraw_vouch(CHAT, OWNER, NEIGHBOUR), Vouched)
    assert (await reputation.profile_of(CHAT, NEIGHBOUR)).vouched_by == ()


async def test_trusted_after_two_borrowings_and_a_vouch(
    trips: Trips, reputation: ReputationService
) -> None:
    await returned(trips)
    assert not await reputation.is_trusted(CHAT, BORROWER)
    await returned(trips)
    await reputation.vouch(CHAT, OWNER, BORROWER)
    assert await reputation.is_trusted(CHAT, BORROWER)
    async with trips.village.db.transaction() as conn:
        await trips.village.repos.settings.save(conn, CHAT, GroupSettings(trusted_min_borrowings=3))
    assert not await reputation.is_trusted(CHAT, BORROWER)


async def test_the_charter_is_accepted_once(trips: Trips, reputation: ReputationService) -> None:
    assert await reputation.charter_to_accept(CHAT, BORROWER) is None
    async with trips.village.db.transaction() as conn:
        await trips.village.repos.settings.save(conn, CHAT, GroupSettings(charter="Soyez sympa."))
    assert await reputation.charter_to_accept(CHAT, BORROWER) == "Soyez sympa."
    assert await reputation.accept_charter(CHAT, BORROWER)
    assert not await reputation.accept_charter(CHAT, BORROWER)
    assert await reputation.charter_to_accept(CHAT, BORROWER) is None
    assert await trips.village.count("charter_acceptances") == 1


async def test_removing_a_car_just_before_a_booking_is_the_owner_s_late_cancellation(
    trips: Trips, reputation: ReputationService
) -> None:
    await trips.accepted(timedelta(hours=1))
    await trips.village.service.remove_car(trips.car.id, OWNER)
    assert (await reputation.profile_of(CHAT, OWNER)).late_cancellations == 1
    assert (await reputation.profile_of(CHAT, BORROWER)).late_cancellations == 0


async def test_the_ledger_follows_a_group_upgraded_to_a_supergroup(
    trips: Trips, reputation: ReputationService
) -> None:
    await returned(trips)
    assert await trips.village.repos.groups.migrate(CHAT, -1009)
    assert (await reputation.profile_of(-1009, BORROWER)).borrowed == 1
    assert await trips.village.repos.ledger.of_member(CHAT, BORROWER) == []
