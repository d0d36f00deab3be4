"""The trip itself: reminders, pickup and return, the managers' check, incidents,
no-shows and the cost contribution.

Domain code: no Telegram here; storage is reached through the repositories.
"""

from bot.trips.rules import (
    FUEL_LEVELS,
    MAX_KM_PER_DAY,
    NO_SHOW_AFTER,
    OdometerProblem,
    Reminder,
    parse_odometer,
)
from bot.trips.service import (
    IncidentView,
    OpenContribution,
    PickedUp,
    Returned,
    Trip,
    TripRefusalReason,
    TripRefused,
    TripService,
)
from storage.models import ReadingMoment, ReminderKind

__all__ = [
    "FUEL_LEVELS",
    "MAX_KM_PER_DAY",
    "NO_SHOW_AFTER",
    "IncidentView",
    "OdometerProblem",
    "OpenContribution",
    "PickedUp",
    "ReadingMoment",
    "Reminder",
    "ReminderKind",
    "Returned",
    "Trip",
    "TripRefusalReason",
    "TripRefused",
    "TripService",
    "parse_odometer",
]
