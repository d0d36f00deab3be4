"""Plain records returned by the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Group:
    chat_id: int
    title: str
    language: str
    timezone: str
    active: bool
    added_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    first_name: str
    username: str | None
    language: str | None
    telegram_language: str | None
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class Member:
    chat_id: int
    user_id: int
    first_name: str
    username: str | None
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class PendingMessage:
    id: int
    user_id: int
    chat_id: int | None
    text: str
    reply_markup: str | None
    created_at: datetime
