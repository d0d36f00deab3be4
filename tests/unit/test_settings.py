from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_error

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "BOT_TOKEN",
        "BOT_DB_PATH",
        "BOT_DEFAULT_LANGUAGE",
        "BOT_TIMEZONE",
        "BOT_API_BASE_URL",
        "BOT_SUPERADMIN_IDS",
        "BOT_WEBHOOK_URL",
        "BOT_WEBHOOK_LISTEN",
        "BOT_WEBHOOK_PORT",
        "BOT_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:secret-token")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.db_path == Path("data/covoisin.sqlite3")
    assert settings.default_language == "fr"
    assert settings.timezone == "Europe/Paris"
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.superadmin_ids == frozenset()
    assert settings.webhook_url == ""  # long polling
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)
    assert settings.webhook_secret is None


def test_token_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:secret-token")
    settings = Settings()  # type: ignore[call-arg]
    assert "secret-token" not in repr(settings)
    assert "secret-token" not in str(settings.model_dump())


def test_env_file_and_superadmins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=1:abc\nBOT_SUPERADMIN_IDS= 12, 34 \n")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.superadmin_ids == frozenset({12, 34})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TIMEZONE", "Europe/Atlantis"),
        ("BOT_DEFAULT_LANGUAGE", "de"),
        ("BOT_SUPERADMIN_IDS", "12,abc"),
    ],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://covoisin.example.org/telegram", "/telegram"),
        ("https://covoisin.example.org:8443/a/b", "/a/b"),
        (" https://covoisin.example.org ", "/"),
        # A local Bot API server on this machine may push over http, to any port.
        ("http://127.0.0.1:9000/hook", "/hook"),
        ("http://localhost:9000/hook", "/hook"),
        ("http://[::1]:9000/hook", "/hook"),
    ],
)
def test_webhook_urls_accepted(monkeypatch: pytest.MonkeyPatch, url: str, path: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv("BOT_WEBHOOK_URL", url)
    settings = Settings()  # type: ignore[call-arg]
    assert settings.webhook_url == url.strip()
    assert settings.webhook_path == path


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("BOT_WEBHOOK_URL", "covoisin.example.org/telegram", "must be an https:// address"),
        ("BOT_WEBHOOK_URL", "ftp://covoisin.example.org/", "must be an https:// address"),
        ("BOT_WEBHOOK_URL", "http://covoisin.example.org/", "only sends to https://"),
        ("BOT_WEBHOOK_URL", "https://covoisin.example.org:8080/", "ports 443, 80, 88 or 8443"),
        ("BOT_WEBHOOK_URL", "https://covoisin.example.org:99999/", "port is not a number"),
        ("BOT_WEBHOOK_LISTEN", "everywhere", "must be an IP address"),
        ("BOT_WEBHOOK_PORT", "0", "from 1 to 65535"),
        ("BOT_WEBHOOK_PORT", "65536", "from 1 to 65535"),
        ("BOT_WEBHOOK_PORT", "https", "from 1 to 65535"),
        ("BOT_WEBHOOK_SECRET", "pass word", "A-Z, a-z, 0-9, _ and -"),
        ("BOT_WEBHOOK_SECRET", "x" * 257, "A-Z, a-z, 0-9, _ and -"),
    ],
)
def test_invalid_webhook_settings(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, error: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()  # type: ignore[call-arg]
    [problem] = caught.value.errors()
    assert problem["loc"] == (name.removeprefix("BOT_").lower(),)
    assert error in problem["msg"]
    if name == "BOT_WEBHOOK_SECRET":
        assert value not in describe_error("webhook_secret", problem["msg"])


def test_webhook_secret_is_kept_secret_and_empty_means_generated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "Le_secret-42")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "Le_secret-42"
    assert "Le_secret-42" not in repr(settings) and "Le_secret-42" not in str(settings.model_dump())
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "  ")  # a blank line in .env
    assert Settings().webhook_secret is None  # type: ignore[call-arg]


def _run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    result = _run_bot({"PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    result = _run_bot(
        {"PYTHONPATH": str(ROOT), "BOT_TOKEN": "1:abc", "BOT_TIMEZONE": "Mars/Olympus"}, tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "BOT_TIMEZONE" in result.stderr and "1:abc" not in result.stderr
