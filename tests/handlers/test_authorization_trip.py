"""The authorization matrix of the trip and of reputation: pickup and return (and the fuel
buttons of their form), the managers' check, incidents, no-shows, the contribution, the
feedback, vouching and profiles.

The borrower records the trip and says it is paid; the car's managers check it, mark a
no-show and confirm the payment; either side resolves an incident and gives feedback.
Admins have no part in any of it. Members of the village vouch for neighbours (banned or
not: a ban stops booking and listing). See tests/handlers/authz.py for the roles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio

from bot.callbacks import Kind
from bot.reputation import Vouched
from bot.trips import IncidentView
from tests.fakebot import FakeUser
from tests.handlers.authz import (
    IN_VILLAGE_WITH_BORROWER,
    OUTSIDERS,
    WITH_BORROWER,
    Message,
    Role,
    Row,
    Scene,
    World,
    after_leaving,
    button,
    cells,
    run_cell,
    said,
    text,
    word,
)
from tests.handlers.authz import running_world as _running_world

pytestmark = pytest.mark.asyncio(loop_scope="module")

OWNER = frozenset({Role.OWNER})
BORROWER = frozenset({Role.BORROWER})
SIDES = OWNER | BORROWER
NOT_YOURS = text("trip.refusal.not_yours")
LEFT = dict.fromkeys(OUTSIDERS, text("button.left_group"))


def _trip_id(scene: Scene) -> int:
    assert scene.trip is not None
    return scene.trip.id


def _trip_status(scene: Scene) -> str:
    return str(scene.one("SELECT status FROM bookings WHERE id = ?", _trip_id(scene)))


def _form(scene: Scene, option: str) -> str:
    return button(Kind.TRIP_FORM, _trip_id(scene), option)


# The borrower's forms


async def _trip_form(
    scene: Scene, who: FakeUser, carrier: Message, kind: Kind, answers: list[str]
) -> str:
    """A trip button; when it opens a form, every answer follows. The first question."""
    since = scene.fake.mark()
    refusal = await scene.tap(who, carrier, button(kind, _trip_id(scene)))
    if refusal:
        return refusal
    question = await scene.fake.next_message(to_user=who, since=since)
    await scene.fill(who, question, answers)
    return word(question)


async def _accepted(scene: Scene) -> None:
    await scene.accepted_trip()


async def pickup(scene: Scene, who: FakeUser, carrier: Message) -> str:
    answers = ["12000", _form(scene, "f2"), _form(scene, "skip")]
    return await _trip_form(scene, who, carrier, Kind.PICKUP, answers)


async def _fuel_asked(scene: Scene) -> None:
    """Vic has pressed « J'ai pris la voiture » and given the odometer: the fuel is asked."""
    await scene.accepted_trip()
    vic = scene.borrower
    since = scene.fake.mark()
    assert not await scene.tap(
        vic, await scene.private(vic, "/aide"), button(Kind.PICKUP, _trip_id(scene))
    )
    question = await scene.fake.next_message(to_user=vic, since=since)
    scene.kept = await scene.answer_form(vic, question, "12000")
    assert said("trip.ask.fuel", car="Clio") in word(scene.kept)


async def fuel(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """« ½ » under the fuel question: in Vic's private chat, forged by anyone else."""
    on = scene.kept if who is scene.borrower else carrier
    since = scene.fake.mark()
    answer = await scene.tap(who, on, _form(scene, "f2"))
    if answer:
        return answer
    question = await scene.fake.next_message(to_user=who, since=since)
    await scene.answer_form(who, question, _form(scene, "skip"))
    return word(question)


async def _picked_up(scene: Scene) -> None:
    booking = await scene.accepted_trip()
    await scene.services.trips.record_pickup(booking.id, scene.borrower.id, 12_000, 2, None)


async def give_back(scene: Scene, who: FakeUser, carrier: Message) -> str:
    answers = ["12080", _form(scene, "f2"), _form(scene, "skip")]
    return await _trip_form(scene, who, carrier, Kind.RETURN, answers)


# The managers' check, incidents, no-shows


async def _returned(scene: Scene) -> None:
    await scene.returned_trip()


async def all_good(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.ALL_GOOD, _trip_id(scene)))


async def problem(scene: Scene, who: FakeUser, carrier: Message) -> str:
    answers = ["Une rayure sur la portière", _form(scene, "skip")]
    return await _trip_form(scene, who, carrier, Kind.PROBLEM, answers)


async def _incident(scene: Scene) -> None:
    booking = await scene.returned_trip()
    opened = await scene.services.trips.report_problem(booking.id, scene.owner.id, "Rayure", None)
    assert isinstance(opened, IncidentView), opened
    scene.incident_id = opened.incident.id


async def resolve(scene: Scene, who: FakeUser, carrier: Message) -> str:
    assert scene.incident_id is not None
    return await scene.tap_edit(who, carrier, button(Kind.RESOLVE, scene.incident_id))


async def _missed(scene: Scene) -> None:
    await scene.missed_trip()


async def no_show(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.NO_SHOW, _trip_id(scene)))


# The contribution


async def paid(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.PAID, _trip_id(scene)))


async def _marked_paid(scene: Scene) -> None:
    booking = await scene.returned_trip()
    await scene.services.trips.mark_paid(booking.id, scene.borrower.id)


async def paid_confirmed(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.PAID_CONFIRM, _trip_id(scene)))


def _contribution(scene: Scene, column: str) -> object:
    return scene.one(f"SELECT {column} FROM contributions WHERE booking_id = ?", _trip_id(scene))


# Feedback: 👍 or 👎, tags, « Envoyer »


async def _feedback(scene: Scene, who: FakeUser, carrier: Message, options: list[str]) -> str:
    """Each option's button in turn; the first refusal, or the message as it ends."""
    answer = ""
    for option in options:
        since = scene.fake.mark()
        refusal = await scene.tap(who, carrier, button(Kind.FEEDBACK, _trip_id(scene), option))
        if refusal:
            return refusal
        answer = await scene.edited(carrier, since)
    return answer


async def feedback_up(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await _feedback(scene, who, carrier, ["up", "on_time", "clean", "send"])


async def feedback_down(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await _feedback(scene, who, carrier, ["down", "send"])


def _feedback_given(scene: Scene, who: FakeUser) -> tuple[object, ...] | None:
    found = scene.world.rows(
        "SELECT thumbs_up, tags FROM feedback WHERE booking_id = ? AND author_id = ?",
        _trip_id(scene),
        who.id,
    )
    return found[0] if found else None


# Vouching and profiles


def _villagers(scene: Scene) -> list[FakeUser]:
    return [person for person in scene.people.values() if scene.in_village(person)]


async def _travelled(scene: Scene) -> None:
    """Every villager has a trip behind them: they may vouch."""
    await scene.give_trips(*_villagers(scene))


async def _vouched(scene: Scene) -> None:
    """Everyone vouches for Jeanne; Marie did before she was suspended."""
    await _travelled(scene)
    group, marie, anne = scene.group.id, scene.people[Role.BANNED], scene.people[Role.ADMIN]
    await scene.services.moderation.unban(group, anne.id, marie.id)
    for person in _villagers(scene):
        vouched = await scene.services.reputation.vouch(group, person.id, scene.jeanne.id)
        assert isinstance(vouched, Vouched), vouched
    await scene.services.moderation.ban(group, anne.id, marie.id)


async def garant(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/garant @{scene.jeanne.username}"))


async def garant_retirer(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/garant retirer @{scene.jeanne.username}"))


def _vouch_row(scene: Scene, who: FakeUser, kind: str) -> bool:
    return bool(
        scene.world.rows(
            "SELECT 1 FROM ledger WHERE chat_id = ? AND user_id = ? AND kind = ? AND other_id = ?",
            scene.group.id,
            who.id,
            kind,
            scene.jeanne.id,
        )
    )


async def profil(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/profil @{scene.borrower.username}"))


def _unknown_vic(scene: Scene, who: FakeUser) -> str:
    return said("reputation.unknown_member", username=f"@{scene.borrower.username}")


ROWS: dict[str, Row] = {
    "pickup_button": Row(
        pickup,
        done_for=BORROWER,
        done=text("trip.ask.odometer.pickup", car="Clio"),
        refused=NOT_YOURS,
        changed=lambda scene, who: _trip_status(scene) == "active",
        prepare=_accepted,
        roles=WITH_BORROWER,
        carrier="/resas",
    ),
    "fuel_button": Row(
        fuel,
        done_for=BORROWER,
        done=text("trip.ask.photo", car="Clio"),
        # Nobody else has a form open on this booking.
        refused=text("button.stale"),
        changed=lambda scene, who: (
            _trip_status(scene) == "active"
            and scene.one(
                "SELECT fuel_quarters FROM trip_readings WHERE booking_id = ?", _trip_id(scene)
            )
            == 2
        ),
        prepare=_fuel_asked,
        roles=WITH_BORROWER,
    ),
    "return_button": Row(
        give_back,
        done_for=BORROWER,
        done=text("trip.ask.odometer.return", car="Clio"),
        refused=NOT_YOURS,
        changed=lambda scene, who: _trip_status(scene) == "returned",
        prepare=_picked_up,
        roles=WITH_BORROWER,
        carrier="/resas",
    ),
    "all_good_button": Row(
        all_good,
        done_for=OWNER,
        done=text("trip.checked.all_good"),
        refused=NOT_YOURS,
        refused_as=LEFT,
        changed=lambda scene, who: (
            scene.one("SELECT outcome FROM return_checks WHERE booking_id = ?", _trip_id(scene))
            == "all_good"
        ),
        prepare=_returned,
        roles=WITH_BORROWER,
    ),
    "problem_button": Row(
        problem,
        done_for=OWNER,
        done=text("trip.ask.problem_text", car="Clio"),
        refused=NOT_YOURS,
        changed=lambda scene, who: (
            scene.one("SELECT text FROM incidents WHERE booking_id = ?", _trip_id(scene))
            == "Une rayure sur la portière"
        ),
        prepare=_returned,
        roles=WITH_BORROWER,
    ),
    "resolve_button": Row(
        resolve,
        done_for=SIDES,
        done=text("trip.incident.resolved"),
        refused=NOT_YOURS,
        refused_as=LEFT,
        changed=lambda scene, who: (
            scene.one("SELECT resolved_by FROM incidents WHERE id = ?", scene.incident_id) == who.id
        ),
        prepare=_incident,
        roles=WITH_BORROWER,
    ),
    "no_show_button": Row(
        no_show,
        done_for=OWNER,
        done=text("trip.no_show.done", borrower="Vic"),
        refused=NOT_YOURS,
        refused_as=LEFT,
        changed=lambda scene, who: _trip_status(scene) == "no_show",
        prepare=_missed,
        roles=WITH_BORROWER,
    ),
    "paid_button": Row(
        paid,
        done_for=BORROWER,
        done=text("trip.paid.marked"),
        refused=NOT_YOURS,
        refused_as=LEFT,
        changed=lambda scene, who: _contribution(scene, "paid_at") is not None,
        prepare=_returned,
        roles=WITH_BORROWER,
        carrier="/resas",
    ),
    "paid_confirm_button": Row(
        paid_confirmed,
        done_for=OWNER,
        done=text("trip.paid.confirmed"),
        refused=NOT_YOURS,
        refused_as=LEFT,
        changed=lambda scene, who: _contribution(scene, "confirmed_by") == scene.owner.id,
        prepare=_marked_paid,
        roles=WITH_BORROWER,
        carrier="/resas",
    ),
    "feedback_up_and_tags_buttons": Row(
        feedback_up,
        done_for=SIDES,
        done=text("reputation.feedback.sent"),
        refused=text("reputation.refusal.not_party"),
        changed=lambda scene, who: _feedback_given(scene, who) == (1, "on_time,clean"),
        prepare=_returned,
        roles=WITH_BORROWER,
    ),
    "feedback_down_button": Row(
        feedback_down,
        done_for=SIDES,
        done=text("reputation.feedback.sent"),
        refused=text("reputation.refusal.not_party"),
        changed=lambda scene, who: _feedback_given(scene, who) == (0, ""),
        prepare=_returned,
        roles=WITH_BORROWER,
    ),
    # A suspended member may still withdraw a vouch, not give one.
    "garant": Row(
        garant,
        done_for=IN_VILLAGE_WITH_BORROWER - {Role.BANNED},
        done=lambda scene, who: said(
            "reputation.vouch.given", voucher=who.first_name, name="Jeanne"
        ),
        refused=lambda scene, who: (
            said("reputation.refusal.banned", name="Jeanne")
            if who == scene.people[Role.BANNED]
            else said("reputation.vouch.in_group")
        ),
        changed=lambda scene, who: _vouch_row(scene, who, "vouch_given"),
        prepare=_travelled,
        roles=WITH_BORROWER,
    ),
    "garant_retirer": Row(
        garant_retirer,
        done_for=IN_VILLAGE_WITH_BORROWER,
        done=lambda scene, who: said(
            "reputation.vouch.withdrawn", voucher=who.first_name, name="Jeanne"
        ),
        refused=text("reputation.vouch.in_group"),
        changed=lambda scene, who: _vouch_row(scene, who, "vouch_withdrawn"),
        prepare=_vouched,
        roles=WITH_BORROWER,
    ),
    # A profile is for the village's eyes; elsewhere Vic is unknown.
    "profil": Row(
        profil,
        done_for=IN_VILLAGE_WITH_BORROWER,
        done=text("reputation.profile.title", name="Vic", since=""),
        refused=_unknown_vic,
        changed=None,
        roles=WITH_BORROWER,
    ),
}

LEFT_GROUP = text("button.left_group")
# Someone who left the village acts on nothing there any more, their own trips included,
# except bringing back a car they still have: its owner needs that return.
ROWS |= {
    "pickup_button_after_leaving": after_leaving(ROWS["pickup_button"], LEFT_GROUP, Role.BORROWER),
    "return_button_after_leaving": replace(
        after_leaving(ROWS["return_button"], LEFT_GROUP, Role.BORROWER), done_for=BORROWER
    ),
    "paid_button_after_leaving": after_leaving(ROWS["paid_button"], LEFT_GROUP, Role.BORROWER),
    "all_good_button_after_leaving": after_leaving(ROWS["all_good_button"], LEFT_GROUP, Role.OWNER),
    "problem_button_after_leaving": after_leaving(ROWS["problem_button"], LEFT_GROUP, Role.OWNER),
    "no_show_button_after_leaving": after_leaving(ROWS["no_show_button"], LEFT_GROUP, Role.OWNER),
    "paid_confirm_button_after_leaving": after_leaving(
        ROWS["paid_confirm_button"], LEFT_GROUP, Role.OWNER
    ),
    "resolve_button_after_leaving": after_leaving(
        ROWS["resolve_button"], LEFT_GROUP, Role.OWNER, Role.BORROWER
    ),
    "feedback_button_after_leaving": after_leaving(
        ROWS["feedback_up_and_tags_buttons"], LEFT_GROUP, Role.OWNER, Role.BORROWER
    ),
}

CELLS = cells(ROWS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with _running_world(tmp_path_factory.mktemp("authz-trip"), len(CELLS)) as started:
        yield started


@pytest.mark.parametrize(("row", "role"), CELLS)
async def test_authorization(world: World, row: Row, role: Role) -> None:
    await run_cell(world, row, role)
