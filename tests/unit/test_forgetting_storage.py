"""Forgetting in the database: every column naming a person is read by /mydata and erased by
/forgetme, the others' rows stay (moved to the former-member placeholder), and the ledger
stays append-only but for that one rewrite."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database, Repositories
from storage.privacy import FORMER_MEMBER_ID, PEOPLE_COLUMNS

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CHAT = -100
GONE, NEIGHBOUR, ADMIN = 7, 8, 9
T = "2026-11-20T10:00:00+00:00"

# A world where GONE appears in every column that can name a person, and so does NEIGHBOUR.
WORLD = f"""
INSERT INTO groups (chat_id, title, language, timezone, added_at)
    VALUES ({CHAT}, 'Village', 'fr', 'Europe/Paris', '{T}');
INSERT INTO users (user_id, first_name, updated_at) VALUES
    ({GONE}, 'Paul', '{T}'), ({NEIGHBOUR}, 'Marie', '{T}'), ({ADMIN}, 'Anne', '{T}');
INSERT INTO members (chat_id, user_id, first_seen) VALUES
    ({CHAT}, {GONE}, '{T}'), ({CHAT}, {NEIGHBOUR}, '{T}');
INSERT INTO cars (id, chat_id, owner_id, name, name_key, description, seats, energy,
                  parked_at, rules, photo_file_id, key_instructions, created_at) VALUES
    (1, {CHAT}, {GONE}, 'Clio', 'clio', 'rouge', 5, 'petrol', 'chez Paul', 'pas de chien',
     'photo', 'sous le pot', '{T}'),
    (2, {CHAT}, {NEIGHBOUR}, 'Zoé', 'zoe', 'bleue', 4, 'electric', 'place', '', NULL, NULL,
     '{T}');
INSERT INTO car_managers (car_id, user_id, added_at) VALUES
    (1, {GONE}, '{T}'), (2, {NEIGHBOUR}, '{T}'), (2, {GONE}, '{T}');
INSERT INTO availability (id, car_id, kind, weekdays, start_minute, end_minute, created_by,
                          created_at) VALUES
    (1, 1, 'open', 1, 0, 600, {GONE}, '{T}'), (2, 2, 'open', 1, 0, 600, {GONE}, '{T}');
INSERT INTO bookings (id, car_id, chat_id, borrower_id, start_at, end_at, status, created_at,
                      expires_at, decided_at, decided_by, cancelled_at, cancelled_by) VALUES
    (1, 2, {CHAT}, {GONE}, '{T}', '2026-11-20T12:00:00+00:00', 'returned', '{T}', '{T}',
     '{T}', {NEIGHBOUR}, NULL, NULL),
    (2, 1, {CHAT}, {NEIGHBOUR}, '{T}', '2026-11-20T12:00:00+00:00', 'returned', '{T}', '{T}',
     '{T}', {GONE}, NULL, NULL),
    (3, 1, {CHAT}, {NEIGHBOUR}, '{T}', '2026-11-20T12:00:00+00:00', 'cancelled', '{T}', '{T}',
     NULL, NULL, '{T}', {GONE});
INSERT INTO trip_readings (booking_id, moment, odometer_km, fuel_quarters, recorded_by,
                           recorded_at) VALUES
    (1, 'pickup', 100, 4, {GONE}, '{T}'), (2, 'pickup', 200, 4, {NEIGHBOUR}, '{T}');
INSERT INTO return_checks (booking_id, outcome, checked_by, checked_at) VALUES
    (1, 'problem', {NEIGHBOUR}, '{T}'), (2, 'problem', {GONE}, '{T}');
INSERT INTO incidents (id, booking_id, opened_by, text, photo_file_id, opened_at, resolved_by,
                       resolved_at) VALUES
    (1, 2, {GONE}, 'rayure', 'photo', '{T}', {GONE}, '{T}'),
    (2, 1, {NEIGHBOUR}, 'bosse', NULL, '{T}', NULL, NULL);
INSERT INTO no_shows (booking_id, marked_by, marked_at) VALUES (3, {GONE}, '{T}');
INSERT INTO contributions (booking_id, borrower_id, owner_id, distance_km, days, amount_cents,
                           created_at, paid_at, confirmed_by, confirmed_at) VALUES
    (1, {GONE}, {NEIGHBOUR}, 10, 1, 300, '{T}', '{T}', {NEIGHBOUR}, '{T}'),
    (2, {NEIGHBOUR}, {GONE}, 10, 1, 300, '{T}', '{T}', {GONE}, '{T}');
INSERT INTO ledger (id, chat_id, user_id, kind, other_id, booking_id, late_minutes, at) VALUES
    (1, {CHAT}, {GONE}, 'borrowed', {NEIGHBOUR}, 1, 0, '{T}'),
    (2, {CHAT}, {NEIGHBOUR}, 'lent', {GONE}, 1, NULL, '{T}');
INSERT INTO feedback_rounds (booking_id, returned_at, due_at, revealed_at)
    VALUES (1, '{T}', '{T}', '{T}');
INSERT INTO feedback (booking_id, side, author_id, subject_id, thumbs_up, comment, given_at)
    VALUES (1, 'borrower', {GONE}, {NEIGHBOUR}, 1, 'Merci Marie', '{T}'),
           (1, 'owner', {NEIGHBOUR}, {GONE}, 1, 'Paul est ponctuel', '{T}');
INSERT INTO charter_acceptances (chat_id, user_id, accepted_at) VALUES ({CHAT}, {GONE}, '{T}');
INSERT INTO pending_messages (user_id, chat_id, text, created_at) VALUES
    ({GONE}, {CHAT}, 'hello', '{T}');
INSERT INTO bans (chat_id, user_id, banned_by, banned_at) VALUES
    ({CHAT}, {GONE}, {ADMIN}, '{T}'), ({CHAT}, {NEIGHBOUR}, {GONE}, '{T}');
INSERT INTO audit_log (chat_id, admin_id, action, target_id, at) VALUES
    ({CHAT}, {GONE}, 'ban', {NEIGHBOUR}, '{T}'), ({CHAT}, {ADMIN}, 'ban', {GONE}, '{T}');
INSERT INTO user_data (user_id, data, updated_at) VALUES
    ({GONE}, '{{"car_form":{{"name":"Twingo"}}}}', '{T}'), ({NEIGHBOUR}, '{{"x":1}}', '{T}');
INSERT INTO conversations (name, key, user_id, state, updated_at) VALUES
    ('car_form', '[{GONE},{GONE}]', {GONE}, '"filling"', '{T}'),
    ('car_form', '[{NEIGHBOUR},{NEIGHBOUR}]', {NEIGHBOUR}, '"filling"', '{T}');
"""


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    async with database.transaction() as conn:
        for statement in WORLD.split(";"):
            if statement.strip():
                await conn.execute(statement)
    yield database
    await database.close()


async def _column(db: Database, sql: str) -> list[object]:
    return [row[0] for row in await db.fetchall(sql)]


async def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in await db.fetchall(sql)]


async def test_every_column_naming_a_person_is_what_mydata_reads(db: Database) -> None:
    referencing = {("users", "user_id")}
    for (table,) in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for key in await db.fetchall(f"PRAGMA foreign_key_list({table})"):
            if key["table"] == "users":
                referencing.add((table, key["from"]))
    listed = {(table, column) for table, columns in PEOPLE_COLUMNS for column in columns}
    assert listed == referencing
    # The world above names GONE in each of them.
    about = await Repositories.over(db).personal_data.about(GONE)
    for table, column in listed:
        assert any(row[column] == GONE for row in about[table]), (table, column)


async def test_erasing_leaves_nothing_about_the_member_and_keeps_the_others_history(
    db: Database,
) -> None:
    repos = Repositories.over(db)
    before = await repos.personal_data.about(NEIGHBOUR)
    async with db.transaction() as conn:
        await repos.personal_data.erase(conn, GONE)

    assert await repos.personal_data.about(GONE) == {}
    # The neighbour's rows are all still there, the other side now the placeholder.
    after = await repos.personal_data.about(NEIGHBOUR)
    assert {table: len(rows) for table, rows in after.items()} == {
        table: len(rows) for table, rows in before.items()
    }
    assert await _column(db, "SELECT user_id FROM ledger ORDER BY id") == [0, NEIGHBOUR]
    assert await _column(db, "SELECT other_id FROM ledger ORDER BY id") == [NEIGHBOUR, 0]
    borrowers = await _column(db, "SELECT borrower_id FROM bookings ORDER BY id")
    assert borrowers == [0, NEIGHBOUR, NEIGHBOUR]
    assert await _column(db, "SELECT owner_id FROM cars ORDER BY id") == [0, NEIGHBOUR]
    # What they wrote, and what was written about them, is gone; the thumbs stay.
    assert await _column(db, "SELECT comment FROM feedback") == ["", ""]
    assert await _column(db, "SELECT thumbs_up FROM feedback") == [1, 1]
    assert await _column(db, "SELECT text FROM incidents ORDER BY id") == ["", "bosse"]
    car = await repos.cars.get(1)
    assert car is not None
    assert (car.description, car.parked_at, car.rules) == ("", "", "")
    assert (car.photo_file_id, car.key_instructions) == (None, None)
    # Their car's windows went with it; the window they opened on Marie's car stays hers.
    assert await _column(db, "SELECT created_by FROM availability") == [0]
    assert await repos.cars.managers(2) == [NEIGHBOUR]
    # The ban on them is gone; the ban they gave stands, given by a former member.
    assert await _rows(db, "SELECT user_id, banned_by FROM bans") == [(NEIGHBOUR, 0)]
    assert await _rows(db, "SELECT admin_id, target_id FROM audit_log ORDER BY id") == [
        (0, NEIGHBOUR),
        (ADMIN, 0),
    ]
    assert await repos.users.get(GONE) is None
    assert await repos.users.get(FORMER_MEMBER_ID) is not None


async def test_the_placeholder_is_never_erased(db: Database) -> None:
    repos = Repositories.over(db)
    with pytest.raises(ValueError, match="placeholder"):
        async with db.transaction() as conn:
            await repos.personal_data.erase(conn, FORMER_MEMBER_ID)


async def test_the_ledger_lets_only_a_rewrite_to_the_placeholder_through(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(f"UPDATE ledger SET user_id = 0 WHERE user_id = {GONE}")
        await conn.execute(f"UPDATE ledger SET other_id = 0 WHERE other_id = {GONE}")
    assert await _rows(db, "SELECT user_id, other_id, kind, at FROM ledger ORDER BY id") == [
        (0, NEIGHBOUR, "borrowed", T),
        (NEIGHBOUR, 0, "lent", T),
    ]
    kept = await _rows(db, "SELECT * FROM ledger ORDER BY id")

    refused = (
        f"UPDATE ledger SET user_id = {ADMIN} WHERE id = 2",
        f"UPDATE ledger SET other_id = {ADMIN} WHERE id = 1",
        "UPDATE ledger SET other_id = NULL WHERE id = 1",
        "UPDATE ledger SET kind = 'lent' WHERE id = 1",
        "UPDATE ledger SET at = '2020-01-01T00:00:00+00:00' WHERE id = 1",
        "UPDATE ledger SET late_minutes = 30 WHERE id = 1",
        "UPDATE ledger SET thumbs_up = 1 WHERE id = 1",
        "UPDATE ledger SET booking_id = 2 WHERE id = 1",
        "UPDATE ledger SET id = 10 WHERE id = 1",
        # the rewrite carrying another change with it
        "UPDATE ledger SET user_id = 0, late_minutes = 5 WHERE id = 2",
        f"UPDATE ledger SET other_id = 0, chat_id = {CHAT - 1} WHERE id = 1",
        "DELETE FROM ledger WHERE id = 1",
    )
    for statement in refused:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with db.transaction() as conn:
                await conn.execute(statement)
    assert await _rows(db, "SELECT * FROM ledger ORDER BY id") == kept


async def test_the_ledger_still_follows_a_group_to_its_supergroup(db: Database) -> None:
    repos = Repositories.over(db)
    assert await repos.groups.migrate(CHAT, -1000100)
    assert await _column(db, "SELECT DISTINCT chat_id FROM ledger") == [-1000100]
    assert await _column(db, "SELECT user_id FROM ledger ORDER BY id") == [GONE, NEIGHBOUR]


async def test_the_vouches_a_member_stands_behind_are_the_last_word_of_each(db: Database) -> None:
    async with db.transaction() as conn:
        for other, kind in (
            (NEIGHBOUR, "vouch_given"),
            (ADMIN, "vouch_given"),
            (NEIGHBOUR, "vouch_withdrawn"),
            (ADMIN, "vouch_withdrawn"),
            (NEIGHBOUR, "vouch_given"),
        ):
            await conn.execute(
                "INSERT INTO ledger (chat_id, user_id, kind, other_id, at) VALUES (?, ?, ?, ?, ?)",
                (CHAT, GONE, kind, other, T),
            )
        # A vouch for GONE is someone else's, not one GONE gives.
        await conn.execute(
            "INSERT INTO ledger (chat_id, user_id, kind, other_id, at) VALUES (?, ?, ?, ?, ?)",
            (CHAT, ADMIN, "vouch_given", GONE, T),
        )
    assert await Repositories.over(db).personal_data.vouches_given(GONE) == [(CHAT, NEIGHBOUR)]


async def test_what_a_neighbour_said_stays_hidden_from_mydata_until_the_reveal(
    db: Database,
) -> None:
    repos = Repositories.over(db)
    async with db.transaction() as conn:
        await conn.execute("UPDATE feedback_rounds SET revealed_at = NULL")
    # Their own answer they see; the neighbour's about them not yet: no answer in kind.
    about = await repos.personal_data.about(GONE)
    assert [row["author_id"] for row in about["feedback"]] == [GONE]
    async with db.transaction() as conn:
        await conn.execute(f"UPDATE feedback_rounds SET revealed_at = '{T}'")
    about = await repos.personal_data.about(GONE)
    assert {row["author_id"] for row in about["feedback"]} == {GONE, NEIGHBOUR}
