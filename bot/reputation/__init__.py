"""Reputation: the ledger's arithmetic, feedback and its reveal, vouches, the charter."""

from bot.reputation.rules import (
    COMMENT_MAX_LENGTH,
    FEEDBACK_TAGS,
    REVEAL_AFTER,
    Profile,
    is_trusted,
    late_minutes,
    profile_of,
    reveal_due,
)
from bot.reputation.service import (
    FeedbackTarget,
    MemberProfile,
    ReputationRefusalReason,
    ReputationRefused,
    ReputationService,
    Reveal,
    Vouched,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "FEEDBACK_TAGS",
    "REVEAL_AFTER",
    "FeedbackTarget",
    "MemberProfile",
    "Profile",
    "ReputationRefusalReason",
    "ReputationRefused",
    "ReputationService",
    "Reveal",
    "Vouched",
    "is_trusted",
    "late_minutes",
    "profile_of",
    "reveal_due",
]
