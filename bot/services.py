"""What every handler and job may use, built once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.booking.service import BookingService
from bot.forgetting import ForgettingService
from bot.i18n import Translator
from bot.moderation import ModerationService
from bot.reputation.service import ReputationService
from bot.schedule import SchedulingService
from bot.settings import Settings
from bot.trips.service import TripService
from storage import Repositories


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    repos: Repositories
    translator: Translator
    booking: BookingService
    trips: TripService
    reputation: ReputationService
    moderation: ModerationService
    forgetting: ForgettingService
    schedule: SchedulingService
    # Injected so tests can move time; production uses the wall clock.
    clock: Callable[[], datetime] = utc_now
