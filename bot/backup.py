"""`python -m bot.backup FILE`: a consistent copy of the database, even while the bot runs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.settings import StorageSettings
from storage import Database


async def backup(source: Path, target: Path) -> None:
    db = await Database.open(source)
    try:
        await db.backup(target)
    finally:
        await db.close()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bot.backup FILE   (copies BOT_DB_PATH to FILE)", file=sys.stderr)
        return 2
    settings = StorageSettings()
    if not settings.db_path.exists():
        print(f"covoisin: no database at {settings.db_path} (BOT_DB_PATH)", file=sys.stderr)
        return 2
    target = Path(argv[0])
    asyncio.run(backup(settings.db_path, target))
    print(f"covoisin: database copied to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
