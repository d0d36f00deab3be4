"""Banning and unbanning a member of a group, and changing its settings, each with its
audit row.

A ban is one transaction: the ban itself, the member's pending requests declined, their
bookings not picked up yet cancelled, and the audit row. A car already out stays with the
borrower until it is returned: taking it back is a matter for the neighbours, not the bot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from zoneinfo import available_timezones

from bot.booking.service import Withdrawn
from storage import Repositories
from storage.models import AuditAction, AuditEntry, BookingStatus


class GroupSetting(StrEnum):
    """The group settings an admin sets from /reglages; values name GroupSettings fields."""

    REQUEST_EXPIRY = "request_expiry_minutes"
    MAX_DURATION = "max_duration_minutes"
    HORIZON = "horizon_days"
    PICKUP_REMINDER = "pickup_reminder_seconds"
    END_REMINDER = "end_reminder_seconds"
    OVERDUE_ALERT = "overdue_alert_seconds"
    TRUSTED_VOUCHES = "trusted_min_vouches"
    TRUSTED_BORROWINGS = "trusted_min_borrowings"
    VOUCH_REQUIRED = "vouch_required"


# In the time-zone database but no place's time: a group is never set to them.
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


def _folded(name: str) -> str:
    """A zone's name as people may type it: any case, spaces for « _ » or « - »."""
    name = re.sub(r"\s*/\s*", "/", name.strip())
    return re.sub(r"[\s_-]+", "_", name).casefold()


@cache
def _zones_by_folded_name() -> dict[str, str]:
    # Reading the zone names walks the time-zone files: once per process is enough.
    return {_folded(name): name for name in available_timezones() - _NOT_PLACES}


def zone_named(text: str) -> str | None:
    """The time zone an admin wrote (« europe/paris », « America/Port au Prince »), by its
    IANA name; None when there is none by that name."""
    return _zones_by_folded_name().get(_folded(text))


@dataclass(frozen=True, slots=True)
class Banned:
    """`newly` is False when the member was already banned (nothing changed)."""

    newly: bool
    withdrawn: tuple[Withdrawn, ...] = ()


@dataclass(frozen=True, slots=True)
class Unbanned:
    """`newly` is False when the member was not banned (nothing changed)."""

    newly: bool


class ModerationService:
    def __init__(self, repos: Repositories, clock: Callable[[], datetime]) -> None:
        self._repos = repos
        self._db = repos.db
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    async def is_banned(self, chat_id: int, user_id: int) -> bool:
        return await self._repos.moderation.is_banned(chat_id, user_id)

    async def ban(self, chat_id: int, admin_id: int, user_id: int) -> Banned:
        now = self._now()
        repos = self._repos
        async with self._db.transaction() as conn:
            if not await repos.moderation.ban(conn, chat_id, user_id, admin_id, now):
                return Banned(newly=False)
            withdrawn = []
            for booking in await repos.bookings.open_of_borrower(user_id, now):
                if booking.chat_id != chat_id:
                    continue
                if booking.status is BookingStatus.PENDING:
                    changed = await repos.bookings.decline(conn, booking.id, now, admin_id)
                elif booking.status is BookingStatus.ACCEPTED:
                    # Not the borrower's late cancellation: the admin cancelled, not them.
                    changed = await repos.bookings.cancel(conn, booking.id, admin_id, now, False)
                else:
                    changed = False
                if not changed:
                    continue
                car = await repos.cars.get(booking.car_id)
                assert car is not None
                managers = tuple(await repos.cars.managers(car.id))
                reread = await repos.bookings.get(booking.id)
                assert reread is not None
                withdrawn.append(Withdrawn(reread, car, managers))
            await repos.moderation.audit(
                conn, AuditEntry(chat_id, admin_id, AuditAction.BAN, now, target_id=user_id)
            )
        return Banned(newly=True, withdrawn=tuple(withdrawn))

    async def set_language(self, chat_id: int, admin_id: int, language: str) -> bool:
        """The language of the group's messages; False when it already was that one."""
        now = self._now()
        async with self._db.transaction() as conn:
            if not await self._repos.groups.set_language(conn, chat_id, language):
                return False
            await self._repos.moderation.audit(
                conn,
                AuditEntry(
                    chat_id,
                    admin_id,
                    AuditAction.CHANGE_SETTING,
                    now,
                    detail=f"language={language}",
                ),
            )
        return True

    async def set_timezone(self, chat_id: int, admin_id: int, zone: str) -> bool:
        """The zone the group's dates are shown and read in; False when it already was."""
        if zone_named(zone) != zone:
            raise ValueError(f"not a time zone's name: {zone!r}")
        now = self._now()
        async with self._db.transaction() as conn:
            if not await self._repos.groups.set_timezone(conn, chat_id, zone):
                return False
            await self._repos.moderation.audit(
                conn,
                AuditEntry(
                    chat_id, admin_id, AuditAction.CHANGE_SETTING, now, detail=f"timezone={zone}"
                ),
            )
        return True

    async def set_group_setting(
        self, chat_id: int, admin_id: int, limit: GroupSetting, value: int
    ) -> bool:
        """One of the settings of `GroupSetting`; False when it already had that value."""
        now = self._now()
        async with self._db.transaction() as conn:
            current = await self._repos.settings.get(chat_id)
            if getattr(current, limit.value) == value:
                return False
            updated = {
                GroupSetting.REQUEST_EXPIRY: replace(current, request_expiry_minutes=value),
                GroupSetting.MAX_DURATION: replace(current, max_duration_minutes=value),
                GroupSetting.HORIZON: replace(current, horizon_days=value),
                GroupSetting.PICKUP_REMINDER: replace(current, pickup_reminder_seconds=value),
                GroupSetting.END_REMINDER: replace(current, end_reminder_seconds=value),
                GroupSetting.OVERDUE_ALERT: replace(current, overdue_alert_seconds=value),
                GroupSetting.TRUSTED_VOUCHES: replace(current, trusted_min_vouches=value),
                GroupSetting.TRUSTED_BORROWINGS: replace(current, trusted_min_borrowings=value),
                GroupSetting.VOUCH_REQUIRED: replace(current, vouch_required=bool(value)),
            }[limit]
            await self._repos.settings.save(conn, chat_id, updated)
            await self._repos.moderation.audit(
                conn,
                AuditEntry(
                    chat_id, admin_id, AuditAction.CHANGE_SETTING, now, detail=f"{limit}={value}"
                ),
            )
        return True

    async def set_charter(self, chat_id: int, admin_id: int, text: str | None) -> None:
        """The charter shown before a member's first request; None takes it away."""
        now = self._now()
        async with self._db.transaction() as conn:
            current = await self._repos.settings.get(chat_id)
            await self._repos.settings.save(conn, chat_id, replace(current, charter=text))
            await self._repos.moderation.audit(
                conn,
                AuditEntry(
                    chat_id,
                    admin_id,
                    AuditAction.CHANGE_SETTING,
                    now,
                    detail="charter" if text else "charter=none",
                ),
            )

    async def unban(self, chat_id: int, admin_id: int, user_id: int) -> Unbanned:
        now = self._now()
        async with self._db.transaction() as conn:
            if not await self._repos.moderation.unban(conn, chat_id, user_id):
                return Unbanned(newly=False)
            await self._repos.moderation.audit(
                conn, AuditEntry(chat_id, admin_id, AuditAction.UNBAN, now, target_id=user_id)
            )
        return Unbanned(newly=True)
