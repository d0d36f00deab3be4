#!/usr/bin/env python3
"""Set up and run Covoisin with nothing but Python 3.11+ installed.

    python3 scripts/covoisin.py run      # the bot (settings from the environment or .env)
    python3 scripts/covoisin.py test     # ruff, mypy and the whole test suite
    python3 scripts/covoisin.py bench    # the benchmarks in bench/
    python3 scripts/covoisin.py backup FILE   # an online copy of the database

The first call creates `.venv/` beside this project and installs the project in it;
later calls reinstall only when pyproject.toml changes.

`run` then becomes the bot (on Windows, starts it and waits): a service manager's stop
signal, or Ctrl-C, reaches the bot itself, which stops cleanly.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".covoisin-installed"


def _stamp_for(extras: str) -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()


def is_installed(extras: str) -> bool:
    """Whether .venv holds this pyproject.toml's project with `extras`. Installed with an
    extra, the project is installed too: `run` needs no install after `test` made one."""
    installed = STAMP.read_text().split() if STAMP.exists() else []
    return any(_stamp_for(e) in installed for e in ([extras] if extras else ["", "dev"]))


def ensure_environment(extras: str) -> None:
    # Run by whatever `python3` the volunteer has: say plainly when it is too old.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit("covoisin: Python 3.11 or newer is needed, this is " + sys.version.split()[0])
    if not PYTHON.exists():
        print("covoisin: creating the virtual environment in .venv/ ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if is_installed(extras):
        return
    wanted = _stamp_for(extras)
    installed = STAMP.read_text().split() if STAMP.exists() else []
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


def _let_the_child_take_ctrl_c(signum: int, frame: object) -> None:
    """Ctrl-C reaches every process of the terminal's foreground group (of the console, on
    Windows): the child takes it and stops; the wrapper only waits for it and passes its
    exit code on, without a KeyboardInterrupt of its own (a traceback, and a child killed
    in the middle of its stop). A handler rather than SIG_IGN: an ignored signal stays
    ignored in the child on POSIX, a handled one is reset to the default."""


def call(*args: str) -> int:
    previous = signal.signal(signal.SIGINT, _let_the_child_take_ctrl_c)
    try:
        return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode
    finally:
        signal.signal(signal.SIGINT, previous)


def become(*args: str) -> int:
    """Replace this process by the program (POSIX): its pid is the one a service manager
    signals and waits for, its process group the one Ctrl-C reaches, with no wrapper in
    between to die of the signal and leave it running. Windows has no exec that keeps
    the process: there the wrapper starts the program and waits."""
    if os.name == "nt":
        return call(*args)
    os.chdir(ROOT)  # where `call` runs it: `.env` and ./data are looked for there
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(PYTHON, [str(PYTHON), *args])


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "run":
        ensure_environment("")
        return become("-m", "bot", *rest)
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
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        # Ctrl-C while the environment is being set up: one line, no traceback.
        sys.exit("covoisin: interrupted")
