"""The authorization matrix of the admins' commands and buttons.

Each cell runs in a fresh village: the acting role does one thing, and the database says
whether it was done or refused with nothing changed. Outsiders (a member of another group,
someone in no group) cannot write in the village at all, as in Telegram; they reach the
buttons by forging them from their own private chat, and /export in private.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import pytest

from bot.booking import Car, CarDraft, Energy, Requested
from bot.callbacks import Callback, Kind
from bot.dates import Interval
from handlers.context import CovoisinApp
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import join, running_bot, services_of


class Role(StrEnum):
    MEMBER = "plain member"
    OWNER = "car owner"
    ADMIN = "group admin"
    SUPERADMIN = "super-admin"
    OTHER_GROUP = "member of another group"
    BANNED = "banned member"
    OUTSIDER = "not in any group"


_IN_VILLAGE = {Role.MEMBER, Role.OWNER, Role.ADMIN, Role.SUPERADMIN, Role.BANNED}


@dataclass
class Village:
    fake: FakeTelegram
    app: CovoisinApp
    group: FakeChat
    people: dict[Role, FakeUser]
    anne: FakeUser
    vic: FakeUser
    car_id: int
    booking_id: int
    db_path: Path

    def one(self, sql: str) -> object:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql).fetchone()[0]


@pytest.fixture(name="v")
async def village(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Village]:
    anne = fake.add_user("Anne", "anne")
    paul, luc, root = fake.add_user("Paul"), fake.add_user("Luc"), fake.add_user("Root")
    marie, vic = fake.add_user("Marie", "marie"), fake.add_user("Vic", "vic")
    olga, zoe = fake.add_user("Olga"), fake.add_user("Zoé")
    group = fake.add_group("Saint-Martin", members=[paul, luc, root, marie, vic], admins=[anne])
    # Olga is a plain member there: Hugo runs Le Hameau.
    hameau = fake.add_group("Le Hameau", members=[olga], admins=[fake.add_user("Hugo")])
    async with running_bot(fake, tmp_path, superadmin_ids=frozenset({root.id})) as app:
        for member in (anne, paul, luc, root, marie, vic):
            await join(app, member, group)
        await join(app, olga, hameau)
        services = services_of(app)
        car = await services.booking.add_car(
            group.id, paul.id, CarDraft(name="Clio", seats=5, energy=Energy.PETROL)
        )
        assert isinstance(car, Car)
        start = (services.clock() + timedelta(days=2)).replace(minute=0, second=0)
        requested = await services.booking.request(
            group.id, vic.id, "clio", Interval(start, start + timedelta(hours=2))
        )
        assert isinstance(requested, Requested)
        await services.moderation.ban(group.id, anne.id, marie.id)
        people = {
            Role.MEMBER: luc,
            Role.OWNER: paul,
            Role.ADMIN: anne,
            Role.SUPERADMIN: root,
            Role.OTHER_GROUP: olga,
            Role.BANNED: marie,
            Role.OUTSIDER: zoe,
        }
        yield Village(
            fake,
            app,
            group,
            people,
            anne,
            vic,
            car.id,
            requested.booking.id,
            tmp_path / "data" / "covoisin.sqlite3",
        )


async def _command(v: Village, who: FakeUser, text: str) -> int:
    """Send a group command and wait for the group's answer, the bot's last word on it."""
    since = v.fake.mark()
    await v.fake.send_text(who, v.group, text)
    await v.fake.next_message(chat=v.group, since=since)
    return since


async def _press(v: Village, who: FakeUser, posted_by: FakeUser, command: str, data: str) -> None:
    """`posted_by` posts the message carrying the button; `who` presses it (or forges it)."""
    await v.fake.send_text(posted_by, v.group, command)
    message = await v.fake.next_message(chat=v.group)
    if not v.group.is_member(who.id):
        message = await v.fake.send_private(who, "/aide")
        await v.fake.next_message(chat=who)
    query = await v.fake.forge_callback(who, message, data)
    await v.fake.wait_for_call(
        "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query
    )


async def ban(v: Village, who: FakeUser) -> bool:
    await _command(v, who, "/bannir @vic")
    return bool(v.one(f"SELECT count(*) FROM bans WHERE user_id = {v.vic.id}"))


async def unban(v: Village, who: FakeUser) -> bool:
    await _command(v, who, "/debannir @marie")
    marie = v.people[Role.BANNED]
    return not v.one(f"SELECT count(*) FROM bans WHERE user_id = {marie.id}")


async def incidents(v: Village, who: FakeUser) -> bool:
    since = await _command(v, who, "/incidents")
    return any(
        call.index >= since and call.method == "sendMessage" and call.params["chat_id"] == who.id
        for call in v.fake.calls
    )


async def language_button(v: Village, who: FakeUser) -> bool:
    data = Callback(Kind.SETTING, v.group.id, "lang_en").data()
    await _press(v, who, v.anne, "/reglages", data)
    return v.one(f"SELECT language FROM groups WHERE chat_id = {v.group.id}") == "en"


async def remove_car_button(v: Village, who: FakeUser) -> bool:
    data = Callback(Kind.CAR_REMOVE, v.car_id, "yes").data()
    await _press(v, who, v.people[Role.OWNER], "/retirer clio", data)
    return v.one(f"SELECT removed_at IS NOT NULL FROM cars WHERE id = {v.car_id}") == 1


async def admin_cancel_button(v: Village, who: FakeUser) -> bool:
    data = Callback(Kind.ADMIN_CANCEL, v.booking_id).data()
    await _press(v, who, v.anne, "/annuler clio", data)
    return v.one(f"SELECT status FROM bookings WHERE id = {v.booking_id}") == "cancelled"


async def export(v: Village, who: FakeUser) -> bool:
    since = v.fake.mark()
    await v.fake.send_private(who, "/export")
    return "document" in await v.fake.next_message(chat=who, since=since)


Action = Callable[[Village, FakeUser], Awaitable[bool]]
ADMINS = {Role.ADMIN, Role.SUPERADMIN}
# Each action: the roles for which it is done; every other role is refused.
MATRIX: dict[Action, set[Role]] = {
    ban: ADMINS,
    unban: ADMINS,
    incidents: ADMINS,
    language_button: ADMINS,
    remove_car_button: ADMINS | {Role.OWNER},
    admin_cancel_button: ADMINS,
    export: ADMINS,
}
_GROUP_COMMANDS = {ban, unban, incidents}
# Reading the incidents or the export changes nothing, so leaves no audit row.
_READS = {incidents, export}
CELLS = [
    pytest.param(action, role, role in allowed, id=f"{action.__name__}-{role.name.lower()}")
    for action, allowed in MATRIX.items()
    for role in Role
    # Telegram lets nobody outside the village write there.
    if action not in _GROUP_COMMANDS or role in _IN_VILLAGE
]


@pytest.mark.parametrize(("action", "role", "done"), CELLS)
async def test_authorization(v: Village, action: Action, role: Role, done: bool) -> None:
    audit_before = v.one("SELECT count(*) FROM audit_log")
    assert await action(v, v.people[role]) is done
    audited = v.one("SELECT count(*) FROM audit_log") != audit_before
    # The owner removing their own car is not an admin action.
    assert audited is (done and role is not Role.OWNER and action not in _READS)
