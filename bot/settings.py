"""Configuration read from the environment or a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LANGUAGES = ("fr", "en")
PTB_DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class StorageSettings(BaseSettings):
    """Enough to reach the database (the backup command needs no token)."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    db_path: Path = Path("./data/covoisin.sqlite3")


class Settings(StorageSettings):
    token: SecretStr
    default_language: str = "fr"
    timezone: str = "Europe/Paris"
    api_base_url: str = PTB_DEFAULT_BASE_URL
    # NoDecode: a comma-separated list is friendlier for the volunteer than JSON.
    superadmin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)

    @field_validator("token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("empty")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (use a name like Europe/Paris)") from None
        return value

    @field_validator("superadmin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be Telegram user ids separated by commas") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_HINTS = {
    "token": (
        "BOT_TOKEN is missing: create a bot with @BotFather on Telegram (/newbot), "
        "then put its token in the environment or in .env as BOT_TOKEN=123456:ABC..."
    ),
}


def describe_error(field: str, message: str) -> str:
    """One line for the volunteer who installs the bot: which setting, and how to fix it."""
    if field == "token" and message in {"Field required", "Value error, empty"}:
        return _HINTS["token"]
    env_name = f"BOT_{field.upper()}"
    message = message.removeprefix("Value error, ")
    return f"{env_name} is invalid: {message}. Fix it in the environment or in .env."
