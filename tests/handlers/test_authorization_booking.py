"""The authorization matrix of booking: requests, /resas, cancelling, the owner's Accept and
Decline, the charter's « J'accepte », and the choice of a group to export.

Only a car's managers decide on its requests: not the admins, whose part is cancelling
(`/annuler clio`, audited). Either side of a booking may cancel it. The buttons are pressed
where their owner sees them (the answer to /resas in private), and forged from their own
private chat by everyone else. See tests/handlers/authz.py for the village and the roles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from bot.callbacks import Kind
from bot.timefmt import format_interval_long
from storage.export import ExportTable
from tests.fakebot import FakeUser
from tests.handlers.authz import (
    ADMINS,
    IN_VILLAGE,
    IN_VILLAGE_WITH_BORROWER,
    OUTSIDERS,
    WITH_BORROWER,
    Expect,
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

WHEN = "dans 3 jours 14h-16h"
OWNER = frozenset({Role.OWNER})
SIDES = frozenset({Role.OWNER, Role.BORROWER})
LEFT = dict.fromkeys(OUTSIDERS, text("button.left_group"))


def _status(scene: Scene) -> str:
    return str(scene.one("SELECT status FROM bookings WHERE id = ?", scene.booking.id))


def _when_short(scene: Scene, who: FakeUser) -> str:
    return scene.when_short(scene.booking)


# Requests


def _request_of(scene: Scene, who: FakeUser) -> str | None:
    """When `who`'s request for the Clio is, as the bot states it; None without one."""
    found = scene.world.rows(
        "SELECT start_at, end_at FROM bookings WHERE car_id = ? AND borrower_id = ?",
        scene.car.id,
        who.id,
    )
    if not found:
        return None
    start, end = (datetime.fromisoformat(value).astimezone(UTC) for value in found[0])
    return format_interval_long(start, end, scene.services.settings.zone, "fr")


def _requested(scene: Scene, who: FakeUser) -> str:
    return said(
        "booking.requested.group",
        borrower=who.first_name,
        car="Clio",
        owner="Paul",
        when=_request_of(scene, who) or "?",
    )


async def reserver(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.command(who, f"/reserver clio {WHEN}"))


async def by_mention(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """`@bot je voudrais la clio ...` in the group is a request too."""
    username = scene.fake.bot_user.username
    return word(await scene.command(who, f"@{username} je voudrais la clio {WHEN}"))


async def _bot_is_admin(scene: Scene) -> None:
    """Privacy mode hides plain messages, mentions too, from a bot that is not an admin."""
    await scene.fake.promote(scene.group, scene.fake.bot_user)


REQUEST_REFUSALS: dict[Role, Expect] = {
    Role.OWNER: text("booking.refusal.own_car", car="Clio"),
    Role.BANNED: text("booking.refusal.banned"),
    # Le Hameau has no car: nothing is said of Saint-Martin's.
    Role.OTHER_GROUP: text("booking.refusal.no_cars"),
    Role.OUTSIDER: text("booking.no_group"),
}


# My bookings and cancelling


async def resas(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return word(await scene.private(who, "/resas"))


async def annuler(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """`/annuler 1`: the first line of the member's own /resas, confirmed by its button."""
    question = await scene.command(who, "/annuler 1")
    confirm = button(Kind.CANCEL, scene.booking.id)
    if said("cancel.confirm", line="") in word(question):
        await scene.tap(who, question, confirm)
    return word(question)


async def annuler_car(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """`/annuler clio`: an admin's list of the Clio's bookings, then the first one's button."""
    listing = await scene.command(who, "/annuler clio")
    if said("admin.cancel.pick", car="Clio") in word(listing):
        await scene.tap(who, listing, button(Kind.ADMIN_CANCEL, scene.booking.id))
    return word(listing)


def _audited(scene: Scene) -> bool:
    return bool(scene.one("SELECT count(*) FROM audit_log WHERE booking_id = ?", scene.booking.id))


async def cancel_button(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap(who, carrier, button(Kind.CANCEL, scene.booking.id))


# The owner's decision


async def accept(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.ACCEPT, scene.booking.id))


async def decline(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.DECLINE, scene.booking.id))


async def decline_reason(scene: Scene, who: FakeUser, carrier: Message) -> str:
    return await scene.tap_edit(who, carrier, button(Kind.DECLINE, scene.booking.id, "busy"))


def _decided(key: str) -> Expect:
    return lambda scene, who: said(
        key, borrower="Vic", car="Clio", when=scene.when_short(scene.booking)
    )


# The charter


async def _charter(scene: Scene) -> None:
    await scene.services.moderation.set_charter(
        scene.group.id, scene.people[Role.ADMIN].id, "On rend la voiture propre."
    )


async def charter_of_vic(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """The « J'accepte » shown to Vic before his request."""
    data = button(Kind.CHARTER, scene.group.id, str(scene.borrower.id))
    return await scene.tap_edit(who, carrier, data)


async def charter_own(scene: Scene, who: FakeUser, carrier: Message) -> str:
    """A « J'accepte » made out to oneself, for Saint-Martin."""
    return await scene.tap_edit(who, carrier, button(Kind.CHARTER, scene.group.id, str(who.id)))


def _accepted_charter(scene: Scene, who: FakeUser) -> bool:
    return bool(
        scene.world.rows(
            "SELECT 1 FROM charter_acceptances WHERE chat_id = ? AND user_id = ?",
            scene.group.id,
            who.id,
        )
    )


# Export, when an admin runs several groups


async def export_pick(scene: Scene, who: FakeUser, carrier: Message) -> str:
    since = scene.fake.mark()
    answer = await scene.tap_edit(who, carrier, button(Kind.EXPORT, scene.group.id))
    if said("admin.export.chosen", group=scene.group.title) in answer:
        for _ in ExportTable:
            document = await scene.fake.next_message(to_user=who, since=since)
            assert "document" in document
    return answer


ROWS: dict[str, Row] = {
    "reserver": Row(
        reserver,
        done_for=frozenset({Role.MEMBER, Role.ADMIN, Role.SUPERADMIN}),
        done=_requested,
        refused=text("booking.no_group"),
        refused_as=REQUEST_REFUSALS,
        changed=lambda scene, who: _request_of(scene, who) is not None,
    ),
    "request_by_mention": Row(
        by_mention,
        done_for=frozenset({Role.MEMBER, Role.ADMIN, Role.SUPERADMIN}),
        done=_requested,
        refused=text("booking.refusal.banned"),
        refused_as=REQUEST_REFUSALS,
        changed=lambda scene, who: _request_of(scene, who) is not None,
        prepare=_bot_is_admin,
        # Only a message in the group mentions the bot.
        roles=IN_VILLAGE,
    ),
    # /resas shows a member their own requests and bookings, and their cars': Vic's
    # request to Paul and Vic, to no one else.
    "resas": Row(
        resas,
        done_for=SIDES,
        done=text("bookings.title"),
        refused=text("bookings.none"),
        changed=None,
        roles=WITH_BORROWER,
    ),
    "annuler": Row(
        annuler,
        done_for=SIDES,
        done=text("cancel.confirm", line=""),
        refused=text("cancel.usage"),
        changed=lambda scene, who: _status(scene) == "cancelled",
        roles=WITH_BORROWER,
    ),
    # `/annuler clio` is the admins' (audited); for anyone else it is not a number of theirs.
    "annuler_car": Row(
        annuler_car,
        done_for=ADMINS,
        done=text("admin.cancel.pick", car="Clio"),
        refused=text("cancel.usage"),
        changed=lambda scene, who: (
            _status(scene) == "cancelled"
            and bool(
                scene.one("SELECT count(*) FROM audit_log WHERE booking_id = ?", scene.booking.id)
            )
        ),
        roles=WITH_BORROWER,
    ),
    "cancel_button": Row(
        cancel_button,
        done_for=SIDES,
        done=lambda scene, who: said("cancel.done", car="Clio", when=_when_short(scene, who)),
        refused=text("button.not_yours"),
        refused_as=LEFT,
        changed=lambda scene, who: _status(scene) == "cancelled",
        roles=WITH_BORROWER,
        carrier="/resas",
    ),
    "accept_button": Row(
        accept,
        done_for=OWNER,
        done=_decided("booking.decided.accepted"),
        refused=text("button.not_yours"),
        refused_as=LEFT,
        changed=lambda scene, who: _status(scene) == "accepted",
        roles=WITH_BORROWER,
        carrier="/resas",
    ),
    # « Refuser » asks why; nothing is decided yet.
    "decline_button": Row(
        decline,
        done_for=OWNER,
        done=text("booking.decline.reason.busy"),
        refused=text("button.not_yours"),
        refused_as=LEFT,
        changed=None,
        roles=WITH_BORROWER,
    ),
    "decline_reason_button": Row(
        decline_reason,
        done_for=OWNER,
        done=_decided("booking.decided.declined"),
        refused=text("button.not_yours"),
        refused_as=LEFT,
        changed=lambda scene, who: (
            _status(scene) == "declined"
            and scene.one("SELECT decline_reason FROM bookings WHERE id = ?", scene.booking.id)
            == said("booking.decline.reason.busy")
        ),
        roles=WITH_BORROWER,
    ),
    "charter_button_of_another": Row(
        charter_of_vic,
        done_for=frozenset({Role.BORROWER}),
        done=text("reputation.charter.accepted", name="Vic"),
        refused=text("button.not_yours"),
        changed=lambda scene, who: _accepted_charter(scene, scene.borrower),
        prepare=_charter,
        roles=WITH_BORROWER,
    ),
    # Agreeing to the charter is not booking: a banned member may, and still books nothing.
    "charter_button_own": Row(
        charter_own,
        done_for=IN_VILLAGE_WITH_BORROWER,
        done=lambda scene, who: said("reputation.charter.accepted", name=who.first_name),
        refused=text("button.left_group"),
        changed=_accepted_charter,
        prepare=_charter,
        roles=WITH_BORROWER,
    ),
    "export_pick_button": Row(
        export_pick,
        done_for=ADMINS,
        done=lambda scene, who: said("admin.export.chosen", group=scene.group.title),
        refused=text("admin.only"),
        changed=None,
    ),
}

LEFT_GROUP = text("button.left_group")
# Someone who left the village decides nothing there any more, on their own car neither.
ROWS |= {
    "accept_button_after_leaving": after_leaving(ROWS["accept_button"], LEFT_GROUP, Role.OWNER),
    "decline_button_after_leaving": after_leaving(
        ROWS["decline_reason_button"], LEFT_GROUP, Role.OWNER
    ),
    "cancel_button_after_leaving": after_leaving(
        ROWS["cancel_button"], LEFT_GROUP, Role.OWNER, Role.BORROWER
    ),
    "charter_button_after_leaving": after_leaving(
        ROWS["charter_button_own"], LEFT_GROUP, Role.MEMBER
    ),
}

CELLS = cells(ROWS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with _running_world(tmp_path_factory.mktemp("authz-booking"), len(CELLS)) as started:
        yield started


@pytest.mark.parametrize(("row", "role"), CELLS)
async def test_authorization(world: World, row: Row, role: Role) -> None:
    await run_cell(world, row, role)
