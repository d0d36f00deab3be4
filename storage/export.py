"""A group's tables as rows, for its admins' CSV export.

Each person appears by id (unambiguous) and by first name (what a secretary reads); the
placeholder of forgotten members by the label given. Left out: what only the borrower of
an accepted booking may read (key instructions) and Telegram's internal file ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.db import Database


class ExportTable(StrEnum):
    CARS = "cars"
    BOOKINGS = "bookings"
    LEDGER = "ledger"
    AUDIT_LOG = "audit_log"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One CSV file: its columns, its rows, and which columns hold stored instants."""

    columns: list[str]
    rows: list[tuple[object, ...]]
    instants: frozenset[str]


def _name(alias: str, id_column: str) -> str:
    # `:former` for the placeholder: its stored name is only a fallback in one language.
    return f"CASE WHEN {id_column} = 0 THEN :former ELSE {alias}.first_name END"


# The table → its SELECT (one group's rows, oldest first) and the columns that are instants.
_QUERIES: dict[ExportTable, tuple[str, frozenset[str]]] = {
    ExportTable.CARS: (
        f"""
        SELECT c.id, c.name, c.owner_id, {_name("o", "c.owner_id")} AS owner_name,
               c.seats, c.energy, c.description, c.parked_at AS parked_where, c.rules,
               c.contribution_per_km_cents, c.contribution_per_day_cents, c.booking_mode,
               c.paused, c.auto_accept_trusted, c.created_at, c.removed_at
        FROM cars c LEFT JOIN users o ON o.user_id = c.owner_id
        WHERE c.chat_id = :chat ORDER BY c.id
        """,
        frozenset({"created_at", "removed_at"}),
    ),
    ExportTable.BOOKINGS: (
        f"""
        SELECT b.id, b.car_id, c.name AS car_name,
               b.borrower_id, {_name("u", "b.borrower_id")} AS borrower_name,
               b.start_at, b.end_at, b.status, b.created_at, b.decided_at,
               b.decided_by, {_name("d", "b.decided_by")} AS decided_by_name, b.decline_reason,
               b.cancelled_at, b.cancelled_by, {_name("x", "b.cancelled_by")} AS cancelled_by_name,
               b.late_cancellation
        FROM bookings b
        JOIN cars c ON c.id = b.car_id
        LEFT JOIN users u ON u.user_id = b.borrower_id
        LEFT JOIN users d ON d.user_id = b.decided_by
        LEFT JOIN users x ON x.user_id = b.cancelled_by
        WHERE b.chat_id = :chat ORDER BY b.id
        """,
        frozenset({"start_at", "end_at", "created_at", "decided_at", "cancelled_at"}),
    ),
    ExportTable.LEDGER: (
        f"""
        SELECT l.id, l.at, l.user_id, {_name("u", "l.user_id")} AS user_name, l.kind,
               l.other_id, {_name("o", "l.other_id")} AS other_name,
               l.booking_id, l.incident_id, l.late_minutes, l.thumbs_up
        FROM ledger l
        LEFT JOIN users u ON u.user_id = l.user_id
        LEFT JOIN users o ON o.user_id = l.other_id
        WHERE l.chat_id = :chat ORDER BY l.id
        """,
        frozenset({"at"}),
    ),
    ExportTable.AUDIT_LOG: (
        f"""
        SELECT a.id, a.at, a.admin_id, {_name("m", "a.admin_id")} AS admin_name, a.action,
               a.target_id, {_name("t", "a.target_id")} AS target_name,
               a.car_id, c.name AS car_name, a.booking_id, a.detail
        FROM audit_log a
        LEFT JOIN users m ON m.user_id = a.admin_id
        LEFT JOIN users t ON t.user_id = a.target_id
        LEFT JOIN cars c ON c.id = a.car_id
        WHERE a.chat_id = :chat ORDER BY a.id
        """,
        frozenset({"at"}),
    ),
}


class ExportRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def sheet(self, table: ExportTable, chat_id: int, former_member: str) -> Sheet:
        """The group's rows of one table; `former_member` names the forgotten ones."""
        query, instants = _QUERIES[table]
        columns, rows = await self._db.fetch_columns(
            query, {"chat": chat_id, "former": former_member}
        )
        return Sheet(columns, rows, instants)
