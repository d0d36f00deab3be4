"""Booking cars between neighbours: the rules and the service the handlers call.

Domain code: no Telegram here; storage is reached through the repositories.
"""

from bot.booking.names import is_valid_name, name_key
from bot.booking.rules import CarCalendar, Refusal, RefusalReason
from bot.booking.service import (
    Accepted,
    ActionRefusalReason,
    ActionRefused,
    AutoAccepted,
    BookingService,
    BookingView,
    Cancelled,
    CarRefusalReason,
    CarRefused,
    CarRemoved,
    Declined,
    Departed,
    HandedOver,
    NeedsCharter,
    NeedsVouch,
    Requested,
    RequestOutcome,
    Upcoming,
    Withdrawn,
)
from bot.booking.status import BookingStatus, can_move
from storage.models import (
    Booking,
    BookingMode,
    Car,
    CarDraft,
    Energy,
    GroupSettings,
    Window,
    WindowKind,
)

__all__ = [
    "Accepted",
    "ActionRefusalReason",
    "ActionRefused",
    "AutoAccepted",
    "Booking",
    "BookingMode",
    "BookingService",
    "BookingStatus",
    "BookingView",
    "Cancelled",
    "Car",
    "CarCalendar",
    "CarDraft",
    "CarRefusalReason",
    "CarRefused",
    "CarRemoved",
    "Declined",
    "Departed",
    "Energy",
    "GroupSettings",
    "HandedOver",
    "NeedsCharter",
    "NeedsVouch",
    "Refusal",
    "RefusalReason",
    "RequestOutcome",
    "Requested",
    "Upcoming",
    "Window",
    "WindowKind",
    "Withdrawn",
    "can_move",
    "is_valid_name",
    "name_key",
]
