"""`python -m bot`: read the settings, then run the bot until it is stopped."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

# Nothing but the standard library before this: the stop signals are taken over first
# thing, so that a SIGTERM while the rest loads is a clean stop rather than a death.
from bot.stopping import stop_requests

if TYPE_CHECKING:
    from bot.settings import Settings


def load_settings() -> Settings:
    from pydantic import ValidationError

    from bot.settings import Settings, describe_error

    try:
        return Settings()  # type: ignore[call-arg]  # fields come from the environment
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        print(f"covoisin: {describe_error(field, first['msg'])}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> None:
    stop_requests.install()
    settings = load_settings()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.app import CannotListen, run

    try:
        run(settings)
    except CannotListen as exc:
        print(f"covoisin: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
