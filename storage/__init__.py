"""Persistence: one SQLite database, reached only through the repositories here."""

from __future__ import annotations

from dataclasses import dataclass

from storage.availability import AvailabilityRepository
from storage.bookings import BookingRepository
from storage.cars import CarRepository
from storage.db import Database
from storage.due import DueRepository
from storage.export import ExportRepository
from storage.groups import GroupRepository
from storage.ledger import LedgerRepository
from storage.moderation import ModerationRepository
from storage.pending import PendingMessageRepository
from storage.privacy import PersonalDataRepository
from storage.reputation import ReputationRepository
from storage.settings import GroupSettingsRepository
from storage.trips import TripRepository
from storage.users import UserRepository


@dataclass(frozen=True, slots=True)
class Repositories:
    db: Database
    groups: GroupRepository
    users: UserRepository
    pending: PendingMessageRepository
    cars: CarRepository
    availability: AvailabilityRepository
    bookings: BookingRepository
    settings: GroupSettingsRepository
    trips: TripRepository
    ledger: LedgerRepository
    reputation: ReputationRepository
    moderation: ModerationRepository
    export: ExportRepository
    personal_data: PersonalDataRepository
    due: DueRepository

    @classmethod
    def over(cls, db: Database) -> Repositories:
        return cls(
            db=db,
            groups=GroupRepository(db),
            users=UserRepository(db),
            pending=PendingMessageRepository(db),
            cars=CarRepository(db),
            availability=AvailabilityRepository(db),
            bookings=BookingRepository(db),
            settings=GroupSettingsRepository(db),
            trips=TripRepository(db),
            ledger=LedgerRepository(db),
            reputation=ReputationRepository(db),
            moderation=ModerationRepository(db),
            export=ExportRepository(db),
            personal_data=PersonalDataRepository(db),
            due=DueRepository(db),
        )


__all__ = ["Database", "Repositories"]
