"""The authorization matrix of the cars' commands and buttons: listing one, availability,
/libre, /voitures, co-managers, /retirer, and the buttons under a car's card.

Only the managers act on a car; of the admins' rights the product gives none here but
removing it (test_authorization.py presses that button). Members of the village write
their commands in the group; the others can only write to the bot in private, where the
same commands work. See tests/handlers/authz.py for the village and the roles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from bot.booking.car_form import Step
from bot.callbacks import Kind
from bot.dates import Interval
from bot.deeplinks import Action, DeepLink
from bot.i18n import Html
from bot.timefmt import format_interval_long
from handlers.cars.form import PICK_OPTION
from handlers.common.speech import mention
from storage.models import Window, WindowKind
from tests.fakebot import FakeUser
from tests.handlers.authz import (
    ADMINS,
    IN_VILLAGE,
    OUTSIDERS,
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
    said_plural,
    text,
    word,
)
from tests.handlers.authz import running_world as _running_world
from tests.inprocess import join

pytestmark = pytest.mark.asyncio(loop_scope="module")

WHEN = "dans 4 jours 9h-18h"


# Listing a car: the link under /ajouter in the group opens the private chat on it.


def _form(step: Step, option: str) -> str:
    return button(Kind.FORM, int(step), option)


CAR_ANSWERS = (
    "twingo",
    "Twingo rouge",
    _form(Step.SEATS, "4"),
    _form(Step.ENERGY, "petrol"),
    "Place de l'église",
    _form(Step.RULES, "skip"),
    _form(Step.PHOTO, "skip"),
    _form(Step.CONTRIBUTION, "skip"),
    _form(Step.KEYS, "skip"),
    _form(Step.MODE, "on_request"),
)


async def _car_form(scene: Scene, who: FakeUser, first: Message) -> str:
    """When the form asks the car's name, every answer follows; the first question."""
    if said("cars.ask.name") in word(first):
        await scene.fill(who, first, CAR_ANSWERS)
    return word(first)


async def addcar(scene: Scene, who: FakeUser, carrier: Message) -> str:
    link = DeepLink(Action.ADD_CAR, scene.group.id).payload()
    return await _car_form(scene, who, await scene.private(who, f"/start {link}"))


async def _second_group(scene: Scene) -> None:
    """Les Granges, where everyone is: /ajouter in private then asks which group."""
    people = list(scene.people.values())
    granges = scene.fake.add_group(f"Les Granges {scene.group.id}", members=people)
    for person in people:
        await join(scene.world.app, person, granges)


# What pick_group returns for someone to whom the village is not even offered.
NOT_OFFERED = "(the group is not offered)"


async def pick_group(scene: Scene, who: FakeUser, carrier: Message) -> str:
    choice = await scene.private(who, "/ajouter")
    if said("cars.add.pick_group") not in word(choice):
        # Telegram says they are not in the village: only their other group is offered,
        # and the village is not named.
        assert str(scene.group.title) not in word(choice)
        return NOT_OFFERED
    since = scene.fake.mark()
    data = button(Kind.PICK_GROUP, scene.group.id, PICK_OPTION)
    answer = await scene.tap(who, choice, data)
    if answer:
        return answer
    return await _car_form(scene, who, await scene.fake.next_message(to_user=who, since=since))


async def _owner_form_at_mode(scene: Scene) -> None:
    """Paul is listing a second car and has answered everything but the booking mode."""
    owner = scene.owner
    link = DeepLink(Action.ADD_CAR, scene.group.id).payload()
    first = await scene.private(owner, f"/start {link}")
    scene.kept = await scene.fill(owner, first, CAR_ANSWERS[:-1])
    assert said("cars.ask.mode") in word(scene.kept)


async def form_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """« Sur demande » under the last question of Paul's form; forged by anyone else."""
    on = scene.kept if who is scene.owner else carrier
    since = scene.fake.mark()
    answer = await scene.tap(who, on, CAR_ANSWERS[-1])
    return answer or word(await scene.fake.next_message(to_user=who, since=since))


def _car_listed_by(scene: Scene, who: FakeUser) -> bool:
    owner = scene.one(
        "SELECT owner_id FROM cars WHERE chat_id = ? AND name_key = 'twingo'"
        " AND removed_at IS NULL",
        scene.group.id,
    )
    return bool(owner == who.id)


def _not_member(scene: Scene, who: FakeUser) -> str:
    return said("cars.add.not_member", group=scene.group.title)


def _cannot_list(scene: Scene, who: FakeUser) -> str:
    return said("admin.ban.cannot_list", group=scene.group.title)


def _intro(scene: Scene, who: FakeUser) -> str:
    return said("cars.add.intro", group=scene.group.title)


LISTERS = frozenset({Role.MEMBER, Role.OWNER, Role.ADMIN, Role.SUPERADMIN})


# Availability and what is free


def _window(scene: Scene, who: FakeUser, kind: WindowKind) -> str | None:
    """The period `who` posted for the Clio, as the bot states it; None without one."""
    found = scene.world.rows(
        "SELECT start_at, end_at FROM availability WHERE car_id = ? AND kind = ?"
        " AND created_by = ?",
        scene.car.id,
        kind.value,
        who.id,
    )
    if not found:
        return None
    start, end = (datetime.fromisoformat(value).astimezone(UTC) for value in found[0])
    return format_interval_long(start, end, scene.services.settings.zone, "fr")


async def dispo(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/dispo clio {WHEN}"))


async def indispo(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/indispo clio {WHEN}"))


async def libre(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, "/libre dans 4 jours 10h-12h"))


async def voitures(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, "/voitures"))


# Co-managers and removal


async def cogerant(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/cogerant clio @{scene.jeanne.username}"))


def _comanager_added(scene: Scene, who: FakeUser) -> str:
    return said(
        "cars.comanager.added",
        member=mention(scene.jeanne.id, "Jeanne"),
        car="Clio",
        managers="Paul",
    )


async def retirer(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """`/retirer clio`, then « Oui » on the question when the bot asks it."""
    question = await scene.command(who, "/retirer clio")
    yes = button(Kind.CAR_REMOVE, scene.car.id, "yes")
    if said("cars.remove.confirm", car="Clio") in word(question):
        await scene.tap(who, question, yes)
    return word(question)


def _car_removed(scene: Scene, who: FakeUser) -> bool:
    return scene.one("SELECT removed_at FROM cars WHERE id = ?", scene.car.id) is not None


# The buttons under a car's card, forged by whoever presses them


async def pause(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap(who, carrier, button(Kind.CAR_PAUSE, scene.car.id))


async def _paused(scene: Scene) -> None:
    await scene.services.booking.set_paused(scene.car.id, scene.owner.id, True)


async def resume(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap(who, carrier, button(Kind.CAR_RESUME, scene.car.id))


def _is_paused(scene: Scene) -> bool:
    return bool(scene.one("SELECT paused FROM cars WHERE id = ?", scene.car.id))


async def edit_menu(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.CAR_EDIT, scene.car.id))


async def edit_field(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """« Modifier » then « Description »: the question, then the new description."""
    answer = await scene.tap_then(who, carrier, button(Kind.CAR_EDIT, scene.car.id, "description"))
    if said("cars.ask.description") in answer:
        saved = await scene.private(who, "Clio bleue, très propre")
        assert said("cars.edit.saved", summary="").strip() in word(saved)
    return answer


async def auto_accept(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap(who, carrier, button(Kind.CAR_AUTO, scene.car.id, "on"))


async def _a_window(scene: Scene) -> None:
    """Paul's Clio is free on the day of Vic's request: the row his /dispo list shows."""
    booking = scene.booking
    window = await scene.services.booking.add_window(
        scene.car.id, scene.owner.id, Interval(booking.start, booking.end)
    )
    assert isinstance(window, Window)
    scene.window_id = window.id


async def delete_window(scene: Scene, who: FakeUser, carrier: Message) -> str:
    assert scene.window_id is not None
    return await scene.tap(who, carrier, button(Kind.WINDOW_DELETE, scene.window_id))


OWNER = frozenset({Role.OWNER})
NOT_MANAGER = text("cars.refusal.not_manager")


def _posted(kind: WindowKind, key: str) -> Row:
    def done(scene: Scene, who: FakeUser) -> str:
        return said(key, car="Clio", when=_window(scene, who, kind) or "?")

    return Row(
        dispo if kind is WindowKind.OPEN else indispo,
        done_for=OWNER,
        done=done,
        refused=text("availability.not_manager", car="Clio"),
        refused_as={
            # Le Hameau has no Clio: the bot asks which car, and of Saint-Martin says nothing.
            Role.OTHER_GROUP: text("availability.usage"),
            Role.OUTSIDER: text("booking.no_group"),
        },
        changed=lambda scene, who: _window(scene, who, kind) is not None,
    )


ROWS: dict[str, Row] = {
    "addcar": Row(
        addcar,
        done_for=LISTERS,
        done=_intro,
        refused=_not_member,
        refused_as={Role.BANNED: _cannot_list},
        changed=_car_listed_by,
    ),
    "addcar_pick_group": Row(
        pick_group,
        done_for=LISTERS,
        done=_intro,
        refused=_not_member,
        refused_as={Role.BANNED: _cannot_list, Role.OUTSIDER: lambda scene, who: NOT_OFFERED},
        changed=_car_listed_by,
        prepare=_second_group,
    ),
    # The answer buttons of a form are its author's: nobody else has that form open.
    "car_form_button": Row(
        form_button,
        done_for=OWNER,
        done=lambda scene, who: said(
            "cars.added.private", car="Twingo", group=scene.group.title, summary=""
        ).strip(),
        refused=text("cars.refusal.stale"),
        changed=_car_listed_by,
        prepare=_owner_form_at_mode,
    ),
    "dispo": _posted(WindowKind.OPEN, "availability.added.open"),
    "indispo": _posted(WindowKind.BLOCKED, "availability.added.blocked"),
    # Reading which cars are free is everyone's in the village, banned or not; elsewhere
    # the Clio is not shown.
    "libre": Row(
        libre,
        done_for=IN_VILLAGE,
        done=text(
            "free.line", car="Clio", owner="Paul", car_key="clio", when_text="dans 4 jours 10h-12h"
        ),
        refused=text("booking.no_group"),
        refused_as={Role.OTHER_GROUP: lambda scene, who: said("free.none", when="")[:26]},
        changed=None,
    ),
    "voitures": Row(
        voitures,
        done_for=IN_VILLAGE,
        done=lambda scene, who: (
            said("cars.list.group_title")
            + "\n"
            + said(
                "cars.list.group_line",
                car="Clio",
                owner="Paul",
                seats=Html(said_plural("cars.seats", 5)),
                energy=Html(said("cars.energy.petrol")),
                status=Html(said("cars.status.on_request")),
            )
        ),
        refused=text("cars.list.mine_empty"),
        changed=None,
    ),
    # Sharing a car is its owner's choice, not an admin's.
    "cogerant": Row(
        cogerant,
        done_for=OWNER,
        done=_comanager_added,
        refused=text("cars.refusal.not_owner", car="Clio"),
        refused_as=dict.fromkeys(OUTSIDERS, text("cars.comanager.in_group")),
        changed=lambda scene, who: (
            scene.jeanne.id
            in {
                row[0]
                for row in scene.world.rows(
                    "SELECT user_id FROM car_managers WHERE car_id = ?", scene.car.id
                )
            }
        ),
    ),
    "retirer": Row(
        retirer,
        done_for=OWNER | ADMINS,
        done=text("cars.remove.confirm", car="Clio"),
        refused=text("cars.refusal.not_owner", car="Clio"),
        refused_as=dict.fromkeys(OUTSIDERS, text("cars.refusal.not_yours_named", name="clio")),
        changed=_car_removed,
    ),
    "pause_button": Row(
        pause,
        done_for=OWNER,
        done=text("cars.paused.answer", car="Clio"),
        refused=NOT_MANAGER,
        carrier="/voitures",
        changed=lambda scene, who: _is_paused(scene),
    ),
    "resume_button": Row(
        resume,
        done_for=OWNER,
        done=text("cars.resumed.answer", car="Clio"),
        refused=NOT_MANAGER,
        carrier="/voitures",
        changed=lambda scene, who: not _is_paused(scene),
        prepare=_paused,
    ),
    # « Modifier »: which field; nothing changes yet.
    "edit_button": Row(
        edit_menu,
        done_for=OWNER,
        done=text("cars.field.description"),
        refused=NOT_MANAGER,
        carrier="/voitures",
        changed=None,
    ),
    "edit_field_button": Row(
        edit_field,
        done_for=OWNER,
        done=text("cars.ask.description"),
        refused=NOT_MANAGER,
        carrier="/voitures",
        changed=lambda scene, who: (
            scene.one("SELECT description FROM cars WHERE id = ?", scene.car.id)
            == "Clio bleue, très propre"
        ),
    ),
    "auto_accept_button": Row(
        auto_accept,
        done_for=OWNER,
        done=text("reputation.auto.on", car="Clio"),
        refused=NOT_MANAGER,
        carrier="/voitures",
        changed=lambda scene, who: bool(
            scene.one("SELECT auto_accept_trusted FROM cars WHERE id = ?", scene.car.id)
        ),
    ),
    "window_delete_button": Row(
        delete_window,
        done_for=OWNER,
        done=text("availability.deleted"),
        refused=text("button.not_yours"),
        refused_as=dict.fromkeys(OUTSIDERS, text("button.left_group")),
        changed=lambda scene, who: (
            not scene.world.rows("SELECT 1 FROM availability WHERE id = ?", scene.window_id)
        ),
        prepare=_a_window,
        carrier="/dispo clio",
    ),
}

# A manager who left the village manages nothing there any more.
ROWS |= {
    f"{name}_after_leaving": after_leaving(ROWS[name], NOT_MANAGER, Role.OWNER)
    for name in ("pause_button", "edit_button", "edit_field_button", "auto_accept_button")
}
ROWS["window_delete_button_after_leaving"] = after_leaving(
    ROWS["window_delete_button"], text("button.left_group"), Role.OWNER
)

CELLS = cells(ROWS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with _running_world(tmp_path_factory.mktemp("authz-cars"), len(CELLS)) as started:
        yield started


@pytest.mark.parametrize(("row", "role"), CELLS)
async def test_authorization(world: World, row: Row, role: Role) -> None:
    await run_cell(world, row, role)
