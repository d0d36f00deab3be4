"""Configuration read from the environment or a `.env` file."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LANGUAGES = ("fr", "en")
PTB_DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Telegram refuses a webhook on any other port ("Webhook can be set up only on ports ...").
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
# What Telegram accepts as a webhook's secret_token.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


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
    # Empty: long polling, which needs nothing. Set: Telegram pushes updates to this address.
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    # None: a new random one at each start (the bot registers it with Telegram as it starts).
    webhook_secret: SecretStr | None = None

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

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                "must be an https:// address, like https://covoisin.example.org/telegram"
            )
        try:
            port = parts.port
        except ValueError:
            raise ValueError("its port is not a number from 1 to 65535") from None
        # Only a local Bot API server (on this machine) may push over plain http or to
        # another port; Telegram's own servers refuse both.
        if _is_loopback(parts.hostname):
            return value
        if scheme != "https":
            raise ValueError("Telegram only sends to https:// addresses")
        if port is not None and port not in TELEGRAM_WEBHOOK_PORTS:
            raise ValueError("Telegram only sends to the ports 443, 80, 88 or 8443")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen_address(cls, value: str) -> str:
        value = value.strip()
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(
                "must be an IP address of this machine, like 0.0.0.0 (every address) "
                "or 127.0.0.1 (behind a web server on the same machine)"
            ) from None
        return value

    @field_validator("webhook_port", mode="before")
    @classmethod
    def _port_number(cls, value: object) -> object:
        text = str(value).strip()
        if not text.isdecimal() or not 1 <= int(text) <= 65535:
            raise ValueError("must be a port number from 1 to 65535")
        return int(text)

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_token(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None  # an empty line in .env: generate one
            # The message never repeats the value: it is a secret.
            if not _SECRET_TOKEN.fullmatch(value):
                raise ValueError(
                    "must be 1 to 256 characters among A-Z, a-z, 0-9, _ and - (or empty: "
                    "the bot then makes a new one at each start)"
                )
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webhook_path(self) -> str:
        """Where the bot listens for Telegram: the URL's own path, which a reverse proxy
        passes on unchanged."""
        return urlsplit(self.webhook_url).path or "/"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
