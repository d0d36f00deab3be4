"""A booking's life (product.md, "A booking's life"): its statuses and the allowed moves."""

from __future__ import annotations

from storage.models import BookingStatus

TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.PENDING: frozenset(
        {
            BookingStatus.ACCEPTED,
            BookingStatus.DECLINED,
            BookingStatus.EXPIRED,
            BookingStatus.CANCELLED,
        }
    ),
    BookingStatus.ACCEPTED: frozenset(
        {BookingStatus.ACTIVE, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}
    ),
    BookingStatus.ACTIVE: frozenset({BookingStatus.RETURNED}),
    BookingStatus.RETURNED: frozenset({BookingStatus.CLOSED}),
    BookingStatus.DECLINED: frozenset(),
    BookingStatus.EXPIRED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.CLOSED: frozenset(),
    BookingStatus.NO_SHOW: frozenset(),
}


def can_move(current: BookingStatus, target: BookingStatus) -> bool:
    return target in TRANSITIONS[current]


__all__ = ["TRANSITIONS", "BookingStatus", "can_move"]
