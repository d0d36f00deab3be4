from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database, Repositories

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    yield database
    await database.close()


async def test_open_creates_folder_and_sets_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "nested" / "dir" / "bot.sqlite3")
    try:
        assert (tmp_path / "nested" / "dir" / "bot.sqlite3").exists()
        journal = await db.fetchone("PRAGMA journal_mode")
        foreign_keys = await db.fetchone("PRAGMA foreign_keys")
        busy = await db.fetchone("PRAGMA busy_timeout")
        assert journal is not None and journal[0] == "wal"
        assert foreign_keys is not None and foreign_keys[0] == 1
        assert busy is not None and busy[0] > 0
    finally:
        await db.close()


async def test_migrations_run_twice_are_a_no_op(db: Database) -> None:
    version = await db.schema_version()
    assert version >= 1
    tables = await db.fetchall("SELECT name FROM sqlite_master ORDER BY name")
    assert await db.migrate() == 0
    assert await db.schema_version() == version
    assert await db.fetchall("SELECT name FROM sqlite_master ORDER BY name") == tables


async def test_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    repos = Repositories.over(db)
    await repos.groups.upsert_active(-100, "Saint-Martin", "fr", "Europe/Paris", NOW)
    await repos.users.seen(7, "Marie", "marie", "fr", NOW)
    await repos.groups.add_member(-100, 7, NOW)
    await db.close()

    db = await Database.open(path)
    repos = Repositories.over(db)
    try:
        group = await repos.groups.get(-100)
        member = await repos.groups.member(-100, 7)
        assert group is not None and group.title == "Saint-Martin" and group.active
        assert member is not None and member.first_name == "Marie"
        assert member.first_seen == NOW
    finally:
        await db.close()


async def test_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    repos = Repositories.over(db)
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO groups (chat_id, title, language, timezone, added_at)"
                " VALUES (-1, 'x', 'fr', 'Europe/Paris', '2026-01-01T00:00:00+00:00')"
            )
            raise RuntimeError("boom")
    assert await repos.groups.get(-1) is None
    # The connection is usable again afterwards (no transaction left open).
    await repos.groups.upsert_active(-2, "ok", "fr", "Europe/Paris", NOW)
    assert await repos.groups.get(-2) is not None


async def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.db as dbmodule

    good = dbmodule._migration_scripts()
    broken = [*good, (len(good) + 1, "CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;")]
    monkeypatch.setattr(dbmodule, "_migration_scripts", lambda: broken)
    with pytest.raises(Exception, match="syntax error"):
        await Database.open(tmp_path / "bot.sqlite3")
    monkeypatch.setattr(dbmodule, "_migration_scripts", lambda: good)
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.schema_version() == len(good)
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'half'") is None
    finally:
        await db.close()


async def test_group_migration_moves_members(db: Database) -> None:
    repos = Repositories.over(db)
    await repos.groups.upsert_active(-5, "Village", "fr", "Europe/Paris", NOW)
    await repos.users.seen(1, "Paul", None, None, NOW)
    await repos.groups.add_member(-5, 1, NOW)
    assert await repos.groups.migrate(-5, -1005) is True
    assert await repos.groups.migrate(-5, -1005) is False  # the second update finds it done
    assert await repos.groups.get(-5) is None
    assert await repos.groups.member(-1005, 1) is not None


async def test_returning_group_keeps_its_settings(db: Database) -> None:
    repos = Repositories.over(db)
    await repos.groups.upsert_active(-5, "Village", "en", "Europe/Paris", NOW)
    await repos.groups.set_active(-5, False)
    group = await repos.groups.upsert_active(-5, "Village (new name)", "fr", "UTC", NOW)
    assert group.active and group.language == "en" and group.title == "Village (new name)"


async def test_pending_message_is_claimed_once(db: Database) -> None:
    repos = Repositories.over(db)
    await repos.users.seen(3, "Luc", None, None, NOW)
    message_id = await repos.pending.add(3, None, "hello", None, NOW)
    assert [m.text for m in await repos.pending.undelivered(3)] == ["hello"]
    assert await repos.pending.claim(message_id, NOW) is True
    assert await repos.pending.claim(message_id, NOW) is False
    assert await repos.pending.undelivered(3) == []
    await repos.pending.release(message_id)
    assert len(await repos.pending.undelivered(3)) == 1


async def test_backup_is_a_readable_copy(db: Database, tmp_path: Path) -> None:
    repos = Repositories.over(db)
    await repos.groups.upsert_active(-9, "Backup", "fr", "Europe/Paris", NOW)
    target = tmp_path / "copy" / "backup.sqlite3"
    await db.backup(target)
    copy = await Database.open(target)
    try:
        assert await Repositories.over(copy).groups.get(-9) is not None
    finally:
        await copy.close()
