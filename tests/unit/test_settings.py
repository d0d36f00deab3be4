from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings

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
