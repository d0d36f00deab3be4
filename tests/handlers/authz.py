"""The authorization matrices of the members' commands and buttons (test_authorization_*).

One bot and one fake Telegram per test module; each cell gets a village of its own, with
new people, so that no cell sees what another did. A fresh village also has its own flood
limit: the bot waits after twenty messages a minute in one group, as Telegram wants.

The roles are the issue's seven, plus the borrower of the village's booking for the rows
where the borrower is the one who acts (pickup, return, payment, feedback...).

A cell is either done (the row's change is in the database, and the bot said so) or
refused: the bot's localized refusal, and every table as it was. "As it was" leaves out
`users` and `members` (the bot records whom it meets on every update, whatever it answers)
and the forms under way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from bot.booking import Accepted, Car, CarDraft, Energy, Requested
from bot.callbacks import Callback, Kind
from bot.dates import Interval
from bot.i18n import Translator
from bot.services import Services
from bot.timefmt import format_interval_long, format_interval_short
from bot.trips import TripRefused
from handlers.common.context import CovoisinApp
from storage.models import Booking, LedgerEntry, LedgerKind
from tests.fakebot import FakeChat, FakeTelegram, FakeUser, parse_html, running_fake
from tests.inprocess import join, running_bot, services_of

Message = dict[str, Any]


class Role(StrEnum):
    MEMBER = "plain member"
    OWNER = "car owner"
    ADMIN = "group admin"
    SUPERADMIN = "super-admin"
    OTHER_GROUP = "member of another group"
    BANNED = "banned member"
    OUTSIDER = "not in the group"
    BORROWER = "the booking's borrower"


SEVEN = frozenset(Role) - {Role.BORROWER}
WITH_BORROWER = frozenset(Role)
ADMINS = frozenset({Role.ADMIN, Role.SUPERADMIN})
# Those whom Telegram lets write in the village group.
IN_VILLAGE = frozenset({Role.MEMBER, Role.OWNER, Role.ADMIN, Role.SUPERADMIN, Role.BANNED})
IN_VILLAGE_WITH_BORROWER = IN_VILLAGE | {Role.BORROWER}
OUTSIDERS = frozenset({Role.OTHER_GROUP, Role.OUTSIDER})

# The bot records whom it meets on every update, refused or not.
# Also the forms under way (storage/persistence.py), written on PTB's own timer: what a
# member typed is kept even when the bot refuses it, and says nothing of what they may do.
_BOOKKEEPING = frozenset({"users", "members", "user_data", "conversations"})
_TRANSLATOR = Translator.load("fr")


def said(key: str, /, **values: object) -> str:
    """What the bot writes for `key` in French, as the member reads it (HTML applied)."""
    return said_in("fr", key, **values)


def said_in(language: str, key: str, /, **values: object) -> str:
    return parse_html(_TRANSLATOR.text(language, key, **values))[0]


def said_plural(key: str, count: int, /, **values: object) -> str:
    return parse_html(_TRANSLATOR.plural("fr", key, count, **values))[0]


def word(message: Message) -> str:
    """A message's text or caption, then its buttons' labels, one a line."""
    labels = [
        str(button["text"])
        for row in message.get("reply_markup", {}).get("inline_keyboard", [])
        for button in row
    ]
    return "\n".join([str(message.get("text", message.get("caption", ""))), *labels])


@dataclass
class Scene:
    """One cell's village, Saint-Martin: Paul owns the Clio and Vic has asked for it in two
    days. Anne administers it, Marie is banned there, Luc is a plain member, Jeanne a
    neighbour others name; Olga lives in Le Hameau; Zoé left Saint-Martin (the bot still
    has her as a member, Telegram says she left)."""

    world: World
    group: FakeChat
    hameau: FakeChat
    people: dict[Role, FakeUser]
    jeanne: FakeUser
    car: Car
    booking: Booking
    # What a row's preparation made: the trip's booking, an incident, a window, a message.
    trip: Booking | None = None
    incident_id: int | None = None
    window_id: int | None = None
    kept: Message = field(default_factory=dict)

    @property
    def fake(self) -> FakeTelegram:
        return self.world.fake

    @property
    def services(self) -> Services:
        return services_of(self.world.app)

    @property
    def owner(self) -> FakeUser:
        return self.people[Role.OWNER]

    @property
    def borrower(self) -> FakeUser:
        return self.people[Role.BORROWER]

    def when_long(self, booking: Booking) -> str:
        return format_interval_long(booking.start, booking.end, self.services.settings.zone, "fr")

    def when_short(self, booking: Booking) -> str:
        return format_interval_short(booking.start, booking.end, self.services.settings.zone, "fr")

    def in_village(self, who: FakeUser) -> bool:
        return self.group.is_member(who.id)

    def leave(self, who: FakeUser) -> None:
        """`who` leaves Saint-Martin and the bot is not told (big groups hide those
        messages): only asking Telegram tells."""
        self.fake.world.set_member(self.group, who, "left")

    # Acting

    async def command(self, who: FakeUser, text: str) -> Message:
        """A command in the village group, or in the private chat for whoever cannot write
        there; the bot's answer in that chat."""
        since = self.fake.mark()
        if self.in_village(who):
            await self.fake.send_text(who, self.group, text)
            return await self.fake.next_message(chat=self.group, since=since)
        return await self.private(who, text)

    async def private(self, who: FakeUser, text: str) -> Message:
        since = self.fake.mark()
        await self.fake.send_private(who, text)
        return await self.fake.next_message(to_user=who, since=since)

    async def carrier(self, who: FakeUser, command: str) -> Message:
        """The bot's answer to `command` in `who`'s private chat: its buttons are pressed,
        others forged on it. Waiting for it also makes sure the bot has finished with
        everything sent before."""
        return await self.private(who, command)

    async def tap(self, who: FakeUser, message: Message, data: str) -> str:
        """`who` sends this button's data from `message` (forged unless it carries it);
        the text of the bot's answer, "" when it answers without words."""
        shown = [
            button.get("callback_data")
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        chat = message["chat"]["id"]
        if data in shown:
            query = await self.fake.press_button(who, message, data, chat=chat)
        else:
            query = await self.fake.forge_callback(who, message, data, chat=chat)
        call = await self.fake.wait_for_call(
            "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query
        )
        return str(call.params.get("text") or "")

    async def tap_then(self, who: FakeUser, message: Message, data: str) -> str:
        """A button whose silent answer is followed by a message in `who`'s private chat
        (the next question of a form): the refusal, or that message."""
        since = self.fake.mark()
        answer = await self.tap(who, message, data)
        if answer:
            return answer
        return word(await self.fake.next_message(to_user=who, since=since))

    async def tap_edit(self, who: FakeUser, message: Message, data: str) -> str:
        """A button whose silent answer rewrites the message it is on: the refusal, or the
        message as rewritten."""
        since = self.fake.mark()
        answer = await self.tap(who, message, data)
        return answer or await self.edited(message, since)

    async def edited(self, message: Message, since: int) -> str:
        """`message` as the bot rewrote it after `since`."""
        chat, message_id = message["chat"]["id"], message["message_id"]
        call = await self.fake.wait_for_call(
            "editMessageText",
            lambda call: (
                call.params.get("chat_id") == chat and call.params.get("message_id") == message_id
            ),
            since=since,
        )
        return word(call.result)

    async def tap_in_group(self, who: FakeUser, carrier: Message, data: str) -> str:
        """A button of the group message kept by the row's preparation: pressed there by
        members, forged from their private chat by those who cannot see the group."""
        return await self.tap_edit(who, self.kept if self.in_village(who) else carrier, data)

    async def answer_form(self, who: FakeUser, question: Message, answer: str) -> Message:
        """Types `answer` in the private chat, or presses it when it is a button's data."""
        since = self.fake.mark()
        if answer.startswith("v1:"):
            await self.tap(who, question, answer)
        else:
            await self.fake.send_private(who, answer)
        return await self.fake.next_message(to_user=who, since=since)

    async def fill(self, who: FakeUser, first: Message, answers: Iterable[str]) -> Message:
        """Answers a private form question after question; the bot's last message."""
        message = first
        for answer in answers:
            message = await self.answer_form(who, message, answer)
        return message

    # The trip, ready for a row

    async def accepted_trip(self, start_in: timedelta = timedelta(minutes=30)) -> Booking:
        """Vic's second booking of the Clio, accepted, starting soon: it can be picked up."""
        services = self.services
        start = services.clock() + start_in
        requested = await services.booking.request(
            self.group.id, self.borrower.id, "clio", Interval(start, start + timedelta(hours=3))
        )
        assert isinstance(requested, Requested), requested
        accepted = await services.booking.accept(requested.booking.id, self.owner.id)
        assert isinstance(accepted, Accepted), accepted
        self.trip = accepted.booking
        return accepted.booking

    async def missed_trip(self) -> Booking:
        """Vic's booking accepted for two hours ago, never picked up: a no-show to mark.
        Written as it stands, since no request may start in the past."""
        repos, now = self.services.repos, self.services.clock()
        start = now - timedelta(hours=2)
        async with repos.db.transaction() as conn:
            booking = await repos.bookings.insert_pending(
                conn,
                self.car.id,
                self.group.id,
                self.borrower.id,
                start,
                start + timedelta(hours=4),
                start - timedelta(days=1),
                start,
            )
            assert await repos.bookings.accept(conn, booking.id, self.owner.id, start)
        self.trip = booking
        return booking

    async def returned_trip(self) -> Booking:
        """The trip picked up at 12,000 km and returned at 12,080 km: 24 € to contribute."""
        booking = await self.accepted_trip()
        trips = self.services.trips
        picked = await trips.record_pickup(booking.id, self.borrower.id, 12_000, 2, None)
        assert not isinstance(picked, TripRefused), picked
        returned = await trips.record_return(booking.id, self.borrower.id, 12_080, 2, None)
        assert not isinstance(returned, TripRefused), returned
        return booking

    async def give_trips(self, *who: FakeUser) -> None:
        """A completed borrowing each, as the ledger records it: they may vouch."""
        repos, now = self.services.repos, self.services.clock()
        async with repos.db.transaction() as conn:
            for person in who:
                await repos.ledger.add(
                    conn,
                    LedgerEntry(
                        self.group.id,
                        person.id,
                        LedgerKind.BORROWED,
                        now,
                        other_id=self.owner.id,
                        late_minutes=0,
                    ),
                )

    def one(self, sql: str, *params: object) -> Any:
        return self.world.one(sql, *params)


@dataclass
class World:
    fake: FakeTelegram
    app: CovoisinApp
    db_path: Path
    # Super-admins are set when the bot starts: one, never met before, for each village.
    roots: list[FakeUser]

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return list(conn.execute(sql, params))

    def one(self, sql: str, *params: object) -> Any:
        found = self.rows(sql, *params)
        return found[0][0] if found else None

    def snapshot(self) -> dict[str, list[str]]:
        """Every table but the bookkeeping ones, as sorted rows."""
        tables = [
            name
            for (name,) in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in _BOOKKEEPING and not name.startswith("sqlite_")
        ]
        return {table: sorted(map(repr, self.rows(f'SELECT * FROM "{table}"'))) for table in tables}

    async def scene(self) -> Scene:
        assert self.roots, "more cells than super-admins made for them: raise `cells`"
        fake, number = self.fake, len(self.roots)
        anne, paul, luc = fake.add_user("Anne"), fake.add_user("Paul"), fake.add_user("Luc")
        marie, vic = fake.add_user("Marie", f"marie{number}"), fake.add_user("Vic", f"vic{number}")
        jeanne, olga = fake.add_user("Jeanne", f"jeanne{number}"), fake.add_user("Olga")
        zoe = fake.add_user("Zoé")
        root = self.roots.pop()
        villagers = [paul, luc, root, marie, vic, jeanne]
        group = fake.add_group(f"Saint-Martin {number}", members=villagers, admins=[anne])
        hameau = fake.add_group(
            f"Le Hameau {number}", members=[olga], admins=[fake.add_user("Hugo")]
        )
        for person in (anne, *villagers, zoe):
            await join(self.app, person, group)
        await join(self.app, olga, hameau)
        services = services_of(self.app)
        car = await services.booking.add_car(
            group.id,
            paul.id,
            CarDraft(name="Clio", seats=5, energy=Energy.PETROL, contribution_per_km_cents=30),
        )
        assert isinstance(car, Car)
        start = (services.clock() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
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
            Role.BORROWER: vic,
        }
        return Scene(self, group, hameau, people, jeanne, car, requested.booking)


@asynccontextmanager
async def running_world(workdir: Path, cells: int) -> AsyncIterator[World]:
    async with running_fake() as fake:
        roots = [fake.add_user("Root") for _ in range(cells)]
        superadmins = frozenset(root.id for root in roots)
        async with running_bot(fake, workdir, superadmin_ids=superadmins) as app:
            yield World(fake, app, workdir / "data" / "covoisin.sqlite3", roots)


# The table

Act = Callable[[Scene, FakeUser, Message], Awaitable[str]]
Prepare = Callable[[Scene], Awaitable[None]]
Expect = Callable[[Scene, FakeUser], str]
Check = Callable[[Scene, FakeUser], bool]


def text(key: str, /, **values: object) -> Expect:
    """The bot's words for `key`, the same whoever acts and wherever."""
    return lambda scene, who: said(key, **values)


@dataclass(frozen=True)
class Row:
    """One command or button kind. `act` runs it as one person and returns what the bot
    said (its answer, or the message that followed a silent one); `changed` says whether
    its effect is in the database, None for what only reads. `refused` is the refusal of
    every role not in `done_for`, `refused_as` the ones said differently to some roles."""

    act: Act
    done_for: frozenset[Role]
    done: Expect
    refused: Expect
    changed: Check | None
    refused_as: Mapping[Role, Expect] = field(default_factory=dict)
    prepare: Prepare | None = None
    roles: frozenset[Role] = SEVEN
    # What `who` types in private first: the buttons they see are on its answer.
    carrier: str = "/aide"
    # A known authorization bug in a file this matrix does not own: its cells must fail.
    known_bug: str = ""


def after_leaving(row: Row, refused: Expect, *leavers: Role) -> Row:
    """`row` once the `leavers`, who could do it, have left the village: refused."""

    async def prepare(scene: Scene) -> None:
        if row.prepare is not None:
            await row.prepare(scene)
        for role in leavers:
            scene.leave(scene.people[role])

    return replace(
        row,
        done_for=frozenset(),
        refused=refused,
        refused_as={},
        prepare=prepare,
        roles=frozenset(leavers),
    )


def cells(rows: Mapping[str, Row]) -> list[Any]:
    return [
        pytest.param(
            row,
            role,
            id=f"{name}-{role.name.lower()}",
            marks=[pytest.mark.xfail(strict=True, reason=row.known_bug)] if row.known_bug else [],
        )
        for name, row in rows.items()
        for role in Role
        if role in row.roles
    ]


async def run_cell(world: World, row: Row, role: Role) -> None:
    scene = await world.scene()
    if row.prepare is not None:
        await row.prepare(scene)
    who = scene.people[role]
    carrier = await scene.carrier(who, row.carrier)
    before = world.snapshot()
    answer = await row.act(scene, who, carrier)
    if role in row.done_for:
        expected = row.done(scene, who)
        assert expected in answer, f"done: {expected!r} not in {answer!r}"
        if row.changed is None:
            assert world.snapshot() == before
        else:
            assert row.changed(scene, who)
        return
    refusal = row.refused_as.get(role, row.refused)(scene, who)
    assert refusal in answer, f"refused: {refusal!r} not in {answer!r}"
    after = world.snapshot()
    changed = [table for table in before if before[table] != after.get(table)]
    assert not changed, f"refused, yet these tables changed: {changed}"


def button(kind: Kind, target: int, option: str | None = None) -> str:
    return Callback(kind, target, option).data()
