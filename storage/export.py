"""A group's tables as rows, for its admins' CSV export."""

from __future__ import annotations

from enum import StrEnum

from storage.db import Database


class ExportTable(StrEnum):
    """The tables an export holds; each has the group's `chat_id` column."""

    CARS = "cars"
    BOOKINGS = "bookings"
    LEDGER = "ledger"
    AUDIT_LOG = "audit_log"


class ExportRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def rows(
        self, table: ExportTable, chat_id: int
    ) -> tuple[list[str], list[tuple[object, ...]]]:
        """The column names and the group's rows, oldest first."""
        # The table name comes from the enum, never from a user: safe to put in the SQL.
        rows = await self._db.fetchall(
            f"SELECT * FROM {table.value} WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        info = await self._db.fetchall(f"PRAGMA table_info({table.value})")
        return [column["name"] for column in info], [tuple(row) for row in rows]
