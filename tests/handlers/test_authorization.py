"""The authorization matrix of the admins' commands and buttons: /bannir, /debannir,
/incidents, /reglages and its buttons, removing a car, cancelling anyone's booking, /export.

The group's Telegram admins and the super-admins may; a car's owner may remove it too.
Every admin action is written to the audit log with what it did, and nothing else is.
Outsiders cannot write in the village, as in Telegram: they reach its buttons by forging
them from their own private chat, and /export in private. See tests/handlers/authz.py
for the village and the roles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.callbacks import Kind
from bot.i18n import Html
from bot.timefmt import format_interval_short
from handlers.common.speech import mention
from storage.export import ExportTable
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
    button,
    cells,
    run_cell,
    said,
    said_in,
    said_plural,
    text,
    word,
)
from tests.handlers.authz import running_world as _running_world

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN_ONLY = text("admin.only")
# A settings button forged elsewhere than on the group's /reglages changes nothing.
STALE_OUTSIDE = dict.fromkeys(OUTSIDERS, text("button.stale"))
CHARTER = "Soyez à l'heure, rendez-la propre."


def _audited(scene: Scene, who: FakeUser, action: str) -> bool:
    """Whether `who` has done `action` in the village, Anne's ban of Marie before the
    cell aside."""
    return bool(
        scene.world.rows(
            "SELECT 1 FROM audit_log WHERE chat_id = ? AND admin_id = ? AND action = ?"
            " AND NOT (action = 'ban' AND target_id = ?)",
            scene.group.id,
            who.id,
            action,
            scene.people[Role.BANNED].id,
        )
    )


def _banned(scene: Scene, person: FakeUser) -> bool:
    return bool(
        scene.world.rows(
            "SELECT 1 FROM bans WHERE chat_id = ? AND user_id = ?", scene.group.id, person.id
        )
    )


# Moderation


async def ban(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/bannir @{scene.borrower.username}"))


async def unban(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/debannir @{scene.people[Role.BANNED].username}"))


async def incidents(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """/incidents: one line in the group, the list in private."""
    since = scene.fake.mark()
    answer = word(await scene.command(who, "/incidents"))
    if said("admin.incidents.sent") in answer:
        listed = await scene.fake.next_message(to_user=who, since=since)
        assert said("admin.incidents.none", group=scene.group.title) in word(listed)
    return answer


# Settings


async def settings(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, "/reglages"))


async def _settings_shown(scene: Scene) -> None:
    """Anne's /reglages in the group, with its buttons."""
    scene.kept = await scene.command(scene.people[Role.ADMIN], "/reglages")


async def language_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_in_group(who, carrier, button(Kind.SETTING, scene.group.id, "lang_en"))


async def expiry_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_in_group(who, carrier, button(Kind.SETTING, scene.group.id, "exp_360"))


async def charter_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """« Charte » in the group: the text is asked in private, and written there."""
    since = scene.fake.mark()
    data = button(Kind.SETTING, scene.group.id, "charter")
    on = scene.kept if scene.in_village(who) else carrier
    answer = await scene.tap(who, on, data)
    if answer:
        return answer
    question = await scene.fake.next_message(to_user=who, since=since)
    saved = await scene.private(who, CHARTER)
    assert said("admin.settings.charter.saved") in word(saved)
    return word(question)


def _setting(scene: Scene, column: str) -> object:
    return scene.one(f"SELECT {column} FROM group_settings WHERE chat_id = ?", scene.group.id)


# A car, a booking


async def _removal_asked(scene: Scene) -> None:
    """Paul's /retirer in the group: « Oui » waits under the question."""
    scene.kept = await scene.command(scene.owner, "/retirer clio")


async def remove_car_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_in_group(who, carrier, button(Kind.CAR_REMOVE, scene.car.id, "yes"))


async def _cancellations_listed(scene: Scene) -> None:
    """Anne's /annuler clio in the group: a button per booking."""
    scene.kept = await scene.command(scene.people[Role.ADMIN], "/annuler clio")


async def admin_cancel_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_in_group(who, carrier, button(Kind.ADMIN_CANCEL, scene.booking.id))


def _admin_cancelled(scene: Scene, who: FakeUser) -> str:
    booking = scene.booking
    when = format_interval_short(booking.start, booking.end, scene.services.settings.zone, "fr")
    return said("admin.cancel.done", car="Clio", borrower="Vic", when=when)


async def export(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """/export in private: one CSV document per table."""
    since = scene.fake.mark()
    await scene.fake.send_private(who, "/export")
    first = await scene.fake.next_message(to_user=who, since=since)
    if "document" in first:
        for _ in list(ExportTable)[1:]:
            assert "document" in await scene.fake.next_message(to_user=who, since=since)
    return word(first)


OWNER_OR_ADMINS = ADMINS | {Role.OWNER}
SETTINGS_SHOWN = dict.fromkeys(
    [
        "language",
        "expiry",
        "duration",
        "horizon",
        "pickup",
        "vouches",
        "borrowings",
        "vouch_required",
    ],
    "",
)

ROWS: dict[str, Row] = {
    "ban": Row(
        ban,
        done_for=ADMINS,
        done=lambda scene, who: said(
            "admin.ban.done", name=mention(scene.borrower.id, scene.borrower.first_name)
        ),
        refused=ADMIN_ONLY,
        changed=lambda scene, who: _banned(scene, scene.borrower) and _audited(scene, who, "ban"),
        roles=IN_VILLAGE,
    ),
    "unban": Row(
        unban,
        done_for=ADMINS,
        done=text("admin.unban.done", name="Marie"),
        refused=ADMIN_ONLY,
        changed=lambda scene, who: (
            not _banned(scene, scene.people[Role.BANNED]) and _audited(scene, who, "unban")
        ),
        roles=IN_VILLAGE,
    ),
    "incidents": Row(
        incidents,
        done_for=ADMINS,
        done=text("admin.incidents.sent"),
        refused=ADMIN_ONLY,
        changed=None,
        roles=IN_VILLAGE,
    ),
    "reglages": Row(
        settings,
        done_for=ADMINS,
        done=lambda scene, who: said("admin.settings.title", **SETTINGS_SHOWN).split("\n")[0],
        refused=ADMIN_ONLY,
        changed=None,
        roles=IN_VILLAGE,
    ),
    "language_button": Row(
        language_button,
        done_for=ADMINS,
        # Said in the language just chosen.
        done=lambda scene, who: said_in("en", "admin.settings.language.changed"),
        refused=ADMIN_ONLY,
        refused_as=STALE_OUTSIDE,
        changed=lambda scene, who: (
            scene.one("SELECT language FROM groups WHERE chat_id = ?", scene.group.id) == "en"
            and _audited(scene, who, "change_setting")
        ),
        prepare=_settings_shown,
    ),
    "expiry_button": Row(
        expiry_button,
        done_for=ADMINS,
        done=text(
            "admin.settings.request_expiry_minutes.changed",
            value=Html(said_plural("booking.limit.hours", 6)),
        ),
        refused=ADMIN_ONLY,
        refused_as=STALE_OUTSIDE,
        changed=lambda scene, who: (
            _setting(scene, "request_expiry_minutes") == 360
            and _audited(scene, who, "change_setting")
        ),
        prepare=_settings_shown,
    ),
    "charter_button": Row(
        charter_button,
        done_for=ADMINS,
        done=lambda scene, who: said("admin.settings.charter.ask", group=scene.group.title),
        refused=ADMIN_ONLY,
        refused_as=STALE_OUTSIDE,
        changed=lambda scene, who: (
            _setting(scene, "charter") == CHARTER and _audited(scene, who, "change_setting")
        ),
        prepare=_settings_shown,
    ),
    # The owner removing their own car is not an admin action: not audited.
    "remove_car_button": Row(
        remove_car_button,
        done_for=OWNER_OR_ADMINS,
        done=text("cars.removed.group", car="Clio", owner="Paul"),
        refused=text("cars.refusal.not_manager"),
        changed=lambda scene, who: (
            scene.one("SELECT removed_at FROM cars WHERE id = ?", scene.car.id) is not None
            and _audited(scene, who, "remove_car") is (who is not scene.owner)
        ),
        prepare=_removal_asked,
    ),
    "admin_cancel_button": Row(
        admin_cancel_button,
        done_for=ADMINS,
        done=_admin_cancelled,
        refused=ADMIN_ONLY,
        # Those who cannot see the group's list can only forge it onto another message.
        refused_as=STALE_OUTSIDE,
        changed=lambda scene, who: (
            scene.one("SELECT status FROM bookings WHERE id = ?", scene.booking.id) == "cancelled"
            and _audited(scene, who, "cancel_booking")
        ),
        prepare=_cancellations_listed,
    ),
    "export": Row(
        export,
        done_for=ADMINS,
        # The documents' captions name the group.
        done=lambda scene, who: str(scene.group.title),
        refused=text("admin.export.none"),
        changed=None,
    ),
}

CELLS = cells(ROWS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with _running_world(tmp_path_factory.mktemp("authz-admins"), len(CELLS)) as started:
        yield started


@pytest.mark.parametrize(("row", "role"), CELLS)
async def test_authorization(world: World, row: Row, role: Role) -> None:
    await run_cell(world, row, role)
