"""Persistence: one SQLite database, reached only through the repositories here."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database
from storage.groups import GroupRepository
from storage.pending import PendingMessageRepository
from storage.users import UserRepository


@dataclass(frozen=True, slots=True)
class Repositories:
    db: Database
    groups: GroupRepository
    users: UserRepository
    pending: PendingMessageRepository

    @classmethod
    def over(cls, db: Database) -> Repositories:
        return cls(
            db=db,
            groups=GroupRepository(db),
            users=UserRepository(db),
            pending=PendingMessageRepository(db),
        )


__all__ = ["Database", "Repositories"]
