"""A group's settings: request expiry, longest booking, how far ahead, reminders, who is
trusted and the charter."""

from __future__ import annotations

import aiosqlite

from storage.db import Database
from storage.models import GroupSettings


def _settings(row: aiosqlite.Row) -> GroupSettings:
    return GroupSettings(
        request_expiry_minutes=row["request_expiry_minutes"],
        max_duration_minutes=row["max_duration_minutes"],
        horizon_days=row["horizon_days"],
        pickup_reminder_seconds=row["pickup_reminder_seconds"],
        end_reminder_seconds=row["end_reminder_seconds"],
        overdue_alert_seconds=row["overdue_alert_seconds"],
        pending_reminder_seconds=row["pending_reminder_seconds"],
        trusted_min_vouches=row["trusted_min_vouches"],
        trusted_min_borrowings=row["trusted_min_borrowings"],
        charter=row["charter"],
        vouch_required=bool(row["vouch_required"]),
    )


class GroupSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, chat_id: int) -> GroupSettings:
        """The group's settings; the defaults until an admin changes one."""
        row = await self._db.fetchone("SELECT * FROM group_settings WHERE chat_id = ?", (chat_id,))
        return GroupSettings() if row is None else _settings(row)

    async def changed(self) -> dict[int, GroupSettings]:
        """The settings of every group whose admins changed one; the others have the defaults."""
        rows = await self._db.fetchall("SELECT * FROM group_settings")
        return {row["chat_id"]: _settings(row) for row in rows}

    async def save(self, conn: aiosqlite.Connection, chat_id: int, settings: GroupSettings) -> None:
        await conn.execute(
            """
            INSERT INTO group_settings
                (chat_id, request_expiry_minutes, max_duration_minutes, horizon_days,
                 pickup_reminder_seconds, end_reminder_seconds, overdue_alert_seconds,
                 pending_reminder_seconds, trusted_min_vouches, trusted_min_borrowings, charter,
                 vouch_required)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (chat_id) DO UPDATE SET
                request_expiry_minutes = excluded.request_expiry_minutes,
                max_duration_minutes = excluded.max_duration_minutes,
                horizon_days = excluded.horizon_days,
                pickup_reminder_seconds = excluded.pickup_reminder_seconds,
                end_reminder_seconds = excluded.end_reminder_seconds,
                overdue_alert_seconds = excluded.overdue_alert_seconds,
                pending_reminder_seconds = excluded.pending_reminder_seconds,
                trusted_min_vouches = excluded.trusted_min_vouches,
                trusted_min_borrowings = excluded.trusted_min_borrowings,
                charter = excluded.charter,
                vouch_required = excluded.vouch_required
            """,
            (
                chat_id,
                settings.request_expiry_minutes,
                settings.max_duration_minutes,
                settings.horizon_days,
                settings.pickup_reminder_seconds,
                settings.end_reminder_seconds,
                settings.overdue_alert_seconds,
                settings.pending_reminder_seconds,
                settings.trusted_min_vouches,
                settings.trusted_min_borrowings,
                settings.charter,
                int(settings.vouch_required),
            ),
        )
