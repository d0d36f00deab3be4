"""Ledger arithmetic and the rules read from it: no Telegram, no SQL.

A profile is counts and names, never a grade (docs/product.md, Reputation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import (
    FeedbackSide,
    GroupSettings,
    LedgerEntry,
    LedgerKind,
)

# Each answer stays hidden until both sides answered or this long after the return.
REVEAL_AFTER = timedelta(days=7)
COMMENT_MAX_LENGTH = 500
# The tags an answer may carry, in the order they are shown and stored.
FEEDBACK_TAGS = ("on_time", "clean", "fuel", "as_described", "reachable")


@dataclass(frozen=True, slots=True)
class Profile:
    """What the ledger says of one member in one group. `vouched_by`: member ids, in the
    order they vouched; `open_incidents`: incident ids not resolved yet."""

    borrowed: int = 0
    borrowed_on_time: int = 0
    lent: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    vouched_by: tuple[int, ...] = ()
    open_incidents: tuple[int, ...] = ()

    @property
    def completed_trips(self) -> int:
        return self.borrowed + self.lent


def late_minutes(end: datetime, returned_at: datetime) -> int:
    """Whole minutes after the booking's end; 0 is on time."""
    return max(0, int((returned_at - end).total_seconds() // 60))


def active_vouchers(vouches: Iterable[LedgerEntry]) -> tuple[int, ...]:
    """Who vouches now, from vouch rows given and withdrawn (oldest first)."""
    current: dict[int, None] = {}
    for entry in vouches:
        if entry.kind is LedgerKind.VOUCH_GIVEN:
            current[entry.user_id] = None
        elif entry.kind is LedgerKind.VOUCH_WITHDRAWN:
            current.pop(entry.user_id, None)
    return tuple(current)


def profile_of(own: Iterable[LedgerEntry], vouches: Iterable[LedgerEntry]) -> Profile:
    """Sum a member's ledger rows (`own`) and the vouches given to them."""
    borrowed = on_time = lent = up = down = no_shows = late_cancellations = 0
    incidents: dict[int, None] = {}
    for entry in own:
        match entry.kind:
            case LedgerKind.BORROWED:
                borrowed += 1
                on_time += entry.late_minutes == 0
            case LedgerKind.LENT:
                lent += 1
            case LedgerKind.FEEDBACK_RECEIVED:
                if entry.thumbs_up:
                    up += 1
                else:
                    down += 1
            case LedgerKind.NO_SHOW:
                no_shows += 1
            case LedgerKind.LATE_CANCELLATION:
                late_cancellations += 1
            case LedgerKind.INCIDENT_OPENED if entry.incident_id is not None:
                incidents[entry.incident_id] = None
            case LedgerKind.INCIDENT_RESOLVED if entry.incident_id is not None:
                incidents.pop(entry.incident_id, None)
    return Profile(
        borrowed=borrowed,
        borrowed_on_time=on_time,
        lent=lent,
        thumbs_up=up,
        thumbs_down=down,
        no_shows=no_shows,
        late_cancellations=late_cancellations,
        vouched_by=active_vouchers(vouches),
        open_incidents=tuple(incidents),
    )


def is_trusted(profile: Profile, settings: GroupSettings) -> bool:
    """A trusted neighbour: vouched for, enough completed borrowings, no 👎, nothing open."""
    return (
        len(profile.vouched_by) >= settings.trusted_min_vouches
        and profile.borrowed >= settings.trusted_min_borrowings
        and profile.thumbs_down == 0
        and not profile.open_incidents
    )


def needs_a_vouch(profile: Profile, settings: GroupSettings) -> bool:
    """Where the group asks it, a member's first booking waits for a neighbour's vouch."""
    return settings.vouch_required and profile.borrowed == 0 and not profile.vouched_by


def reveal_due(answered: Iterable[FeedbackSide], due_at: datetime, now: datetime) -> bool:
    """Both sides answered, or the time is up: the answers given are shown to both."""
    return set(answered) == set(FeedbackSide) or now >= due_at


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """The known tags among these, once each, in the fixed order."""
    chosen = set(tags)
    return tuple(tag for tag in FEEDBACK_TAGS if tag in chosen)
