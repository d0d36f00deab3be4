"""`python -m bot`: read the settings, then run the bot until it is stopped."""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from bot.settings import Settings, describe_error


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # fields come from the environment
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        print(f"covoisin: {describe_error(field, first['msg'])}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> None:
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
