"""Ledger arithmetic, the trusted rule and the reveal rule, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.reputation import REVEAL_AFTER, Profile, is_trusted, late_minutes, profile_of, reveal_due
from bot.reputation.rules import clean_tags
from storage.models import FeedbackSide, GroupSettings, LedgerEntry, LedgerKind

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)
CHAT, MARIE, PAUL, JEAN = -100, 1, 2, 3


def row(kind: LedgerKind, user: int = MARIE, other: int = PAUL, **extra: object) -> LedgerEntry:
    return LedgerEntry(CHAT, user, kind, AT, other_id=other, **extra)  # type: ignore[arg-type]


def test_an_empty_ledger_is_an_empty_profile() -> None:
    assert profile_of([], []) == Profile()


def test_borrowings_count_on_time_returns_and_loans() -> None:
    own = [
        row(LedgerKind.BORROWED, late_minutes=0),
        row(LedgerKind.BORROWED, late_minutes=25),
        row(LedgerKind.BORROWED, late_minutes=0),
        row(LedgerKind.LENT),
        row(LedgerKind.CONTRIBUTION_PAID),
    ]
    profile = profile_of(own, [])
    assert (profile.borrowed, profile.borrowed_on_time, profile.lent) == (3, 2, 1)
    assert profile.completed_trips == 4


def test_feedback_no_shows_and_late_cancellations_are_counted() -> None:
    own = [
        row(LedgerKind.FEEDBACK_RECEIVED, thumbs_up=True),
        row(LedgerKind.FEEDBACK_RECEIVED, thumbs_up=True),
        row(LedgerKind.FEEDBACK_RECEIVED, thumbs_up=False),
        row(LedgerKind.NO_SHOW),
        row(LedgerKind.LATE_CANCELLATION),
    ]
    profile = profile_of(own, [])
    assert (profile.thumbs_up, profile.thumbs_down) == (2, 1)
    assert (profile.no_shows, profile.late_cancellations) == (1, 1)


def test_an_incident_stays_open_until_resolved() -> None:
    opened = [
        row(LedgerKind.INCIDENT_OPENED, incident_id=7),
        row(LedgerKind.INCIDENT_OPENED, incident_id=8),
    ]
    assert profile_of(opened, []).open_incidents == (7, 8)
    resolved = [*opened, row(LedgerKind.INCIDENT_RESOLVED, incident_id=7)]
    assert profile_of(resolved, []).open_incidents == (8,)


def test_vouches_given_and_withdrawn() -> None:
    vouches = [
        row(LedgerKind.VOUCH_GIVEN, user=JEAN, other=MARIE),
        row(LedgerKind.VOUCH_GIVEN, user=PAUL, other=MARIE),
        row(LedgerKind.VOUCH_WITHDRAWN, user=JEAN, other=MARIE),
    ]
    assert profile_of([], vouches).vouched_by == (PAUL,)
    again = [*vouches, row(LedgerKind.VOUCH_GIVEN, user=JEAN, other=MARIE)]
    assert profile_of([], again).vouched_by == (PAUL, JEAN)


def test_trusted_needs_a_vouch_two_borrowings_no_thumbs_down_nothing_open() -> None:
    settings = GroupSettings()
    trusted = Profile(borrowed=2, borrowed_on_time=2, vouched_by=(JEAN,))
    assert is_trusted(trusted, settings)
    assert not is_trusted(Profile(borrowed=2), settings)
    assert not is_trusted(Profile(borrowed=1, vouched_by=(JEAN,)), settings)
    assert not is_trusted(Profile(borrowed=5, thumbs_down=1, vouched_by=(JEAN,)), settings)
    assert not is_trusted(Profile(borrowed=5, open_incidents=(3,), vouched_by=(JEAN,)), settings)
    stricter = GroupSettings(trusted_min_vouches=2, trusted_min_borrowings=3)
    assert not is_trusted(trusted, stricter)
    assert is_trusted(Profile(borrowed=3, vouched_by=(JEAN, PAUL)), stricter)


def test_late_minutes_are_whole_minutes_after_the_end() -> None:
    assert late_minutes(AT, AT - timedelta(minutes=5)) == 0
    assert late_minutes(AT, AT + timedelta(seconds=59)) == 0
    assert late_minutes(AT, AT + timedelta(minutes=42, seconds=30)) == 42


def test_reveal_when_both_answered() -> None:
    due = AT + REVEAL_AFTER
    assert reveal_due([FeedbackSide.BORROWER, FeedbackSide.OWNER], due, AT)


def test_reveal_one_answer_only_once_seven_days_passed() -> None:
    due = AT + REVEAL_AFTER
    assert not reveal_due([FeedbackSide.OWNER], due, due - timedelta(seconds=1))
    assert reveal_due([FeedbackSide.OWNER], due, due)


def test_no_answer_is_not_revealed_before_the_time_is_up() -> None:
    due = AT + REVEAL_AFTER
    assert not reveal_due([], due, AT + timedelta(days=3))
    assert reveal_due([], due, due)


def test_tags_are_known_once_and_in_order() -> None:
    assert clean_tags(["clean", "bogus", "on_time", "clean"]) == ("on_time", "clean")
