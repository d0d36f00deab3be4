#!/usr/bin/env python3
"""Set up and run Covoisin with nothing but Python 3.11+ installed.

    python3 scripts/covoisin.py run      # the bot (settings from the environment or .env)
    python3 scripts/covoisin.py test     # ruff, mypy and the whole test suite
    python3 scripts/covoisin.py bench    # the benchmarks in bench/
    python3 scripts/covoisin.py backup FILE   # an online copy of the database

The first call creates `.venv/` beside this project and installs the project in it;
later calls reinstall only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".covoisin-installed"


def ensure_environment(extras: str) -> None:
    # Run by whatever `python3` the volunteer has: say plainly when it is too old.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit("covoisin: Python 3.11 or newer is needed, this is " + sys.version.split()[0])
    if not PYTHON.exists():
        print("covoisin: creating the virtual environment in .venv/ ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if wanted in installed:
        return
    print("covoisin: installing the project and its dependencies ...", file=sys.stderr)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--editable",
            target,
        ],
        check=True,
    )
    STAMP.write_text(" ".join([*installed, wanted]))


def call(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "run":
        ensure_environment("")
        return call("-m", "bot", *rest)
    if command == "backup":
        ensure_environment("")
        return call("-m", "bot.backup", *rest)
    if command == "test":
        ensure_environment("dev")
        for step in (
            ("-m", "ruff", "check", "."),
            ("-m", "ruff", "format", "--check", "."),
            ("-m", "mypy"),
        ):
            if code := call(*step):
                return code
        return call("-m", "pytest", *rest)
    if command == "bench":
        ensure_environment("dev")
        names = rest or sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
        for name in names:
            module = name if name.startswith("bench_") else f"bench_{name}"
            if code := call("-m", f"bench.{module}"):
                return code
        return 0
    print(__doc__, file=sys.stderr)
    return 0 if command in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
