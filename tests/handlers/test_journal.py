"""`/journal`: an admin reads the latest admin actions of their group, in private."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.booking import CarDraft, Energy
from bot.booking.service import Requested
from bot.callbacks import Callback, Kind
from bot.dates import Interval
from bot.forgetting import ForgetRefused
from bot.moderation.service import GroupSetting
from bot.timefmt import format_interval_short
from handlers.admin.journal import SHOWN
from handlers.common.context import CovoisinApp
from storage.models import Car
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import join, running_bot, services_of

MARTINIQUE = ZoneInfo("America/Martinique")


@dataclass
class Scene:
    fake: FakeTelegram
    app: CovoisinApp
    village: FakeChat
    anne: FakeUser
    paul: FakeUser
    marie: FakeUser


@pytest.fixture(name="s")
async def scene(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    anne, paul, marie = fake.add_user("Anne"), fake.add_user("Paul"), fake.add_user("Marie")
    village = fake.add_group("Saint-Martin", members=[paul, marie], admins=[anne])
    async with running_bot(fake, tmp_path) as app:
        for member in (anne, paul, marie):
            await join(app, member, village)
        yield Scene(fake, app, village, anne, paul, marie)


async def _journal(s: Scene, who: FakeUser) -> str:
    await s.fake.send_private(who, "/journal")
    return str((await s.fake.next_message(chat=who))["text"])


async def test_the_journal_names_who_did_what_newest_first(s: Scene) -> None:
    assert "Aucune action d'administrateur pour l'instant dans Saint-Martin" in await _journal(
        s, s.anne
    )
    services = services_of(s.app)
    car = await services.booking.add_car(
        s.village.id, s.paul.id, CarDraft(name="clio", seats=5, energy=Energy.PETROL)
    )
    assert isinstance(car, Car)
    # Three days ahead at 09:00 UTC, whatever day the tests run.
    start = (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    # Read back in the group's time, which is Martinique's by then.
    dates = format_interval_short(start, start + timedelta(hours=2), MARTINIQUE, "fr")
    asked = await services.booking.request(
        s.village.id, s.marie.id, "clio", Interval(start, start + timedelta(hours=2))
    )
    assert isinstance(asked, Requested)
    await services.booking.cancel(asked.booking.id, s.anne.id, is_admin=True)
    await services.moderation.ban(s.village.id, s.anne.id, s.marie.id)
    await services.moderation.unban(s.village.id, s.anne.id, s.marie.id)
    await services.booking.remove_car(car.id, s.anne.id, is_admin=True)
    moderation = services.moderation
    await moderation.set_group_setting(s.village.id, s.anne.id, GroupSetting.REQUEST_EXPIRY, 360)
    await moderation.set_group_setting(s.village.id, s.anne.id, GroupSetting.VOUCH_REQUIRED, 1)
    await moderation.set_timezone(s.village.id, s.anne.id, "America/Martinique")
    await moderation.set_language(s.village.id, s.anne.id, "en")
    await moderation.set_charter(s.village.id, s.anne.id, None)

    lines = (await _journal(s, s.anne)).splitlines()
    assert lines[0] == (
        "📒 Journal des administrateurs de Saint-Martin — 9 actions, la plus récente d'abord :"
    )
    assert [line.split(" — ", 1)[1] for line in lines[1:]] == [
        "Anne a changé un réglage : charte retirée",
        "Anne a changé un réglage : langue des messages → English",
        "Anne a changé un réglage : fuseau horaire → Martinique",
        "Anne a changé un réglage : un garant avant le premier emprunt → oui",
        "Anne a changé un réglage : délai de réponse à une demande → 6 heures",
        "Anne a retiré la Clio (propriétaire : Paul)",
        "Anne a levé le bannissement de Marie",
        "Anne a banni Marie",
        f"Anne a annulé le prêt de la Clio à Marie ({dates})",
    ]
    assert_said_nothing_more(s.fake)


async def test_only_the_latest_actions_are_listed(s: Scene) -> None:
    services = services_of(s.app)
    for _ in range(SHOWN):
        await services.moderation.ban(s.village.id, s.anne.id, s.marie.id)
        await services.moderation.unban(s.village.id, s.anne.id, s.marie.id)
    lines = (await _journal(s, s.anne)).splitlines()
    assert f"les {SHOWN} dernières actions sur {2 * SHOWN}" in lines[0]
    assert len(lines) == 1 + SHOWN


async def test_members_and_forged_buttons_read_nothing(s: Scene) -> None:
    await services_of(s.app).moderation.ban(s.village.id, s.anne.id, s.marie.id)
    assert "Seuls les administrateurs" in await _journal(s, s.paul)
    # Paul forges the group's button from his own chat: he administers nothing.
    own = await s.fake.send_private(s.paul, "/aide")
    await s.fake.next_message(chat=s.paul)
    forged = await s.fake.forge_callback(s.paul, own, Callback(Kind.JOURNAL, s.village.id).data())
    await s.fake.wait_for_call(
        "answerCallbackQuery", lambda call: call.params["callback_query_id"] == forged
    )
    answer = s.fake.callback_answer(forged)
    assert answer is not None and "réservée aux administrateurs" in str(answer["text"])
    assert_said_nothing_more(s.fake)


async def test_an_admin_of_several_groups_picks_one(s: Scene) -> None:
    hameau = s.fake.add_group("Le Hameau", members=[s.marie], admins=[s.anne])
    await join(s.app, s.anne, hameau)
    await services_of(s.app).moderation.ban(hameau.id, s.anne.id, s.marie.id)
    await s.fake.send_private(s.anne, "/journal")
    choice = await s.fake.next_message(chat=s.anne)
    since = s.fake.mark()
    await s.fake.press_button(s.anne, choice, text="Le Hameau")
    edit = await s.fake.wait_for_call("editMessageText", since=since)
    text = str(edit.params["text"])
    assert "Le Hameau" in text and "Anne a banni Marie" in text
    assert "reply_markup" not in edit.params  # the choice cannot be pressed again
    assert_said_nothing_more(s.fake)


async def test_a_forgotten_member_reads_as_former_member(s: Scene) -> None:
    services = services_of(s.app)
    await services.moderation.ban(s.village.id, s.anne.id, s.marie.id)
    await services.moderation.unban(s.village.id, s.anne.id, s.marie.id)
    assert not isinstance(await services.forgetting.forget(s.marie.id), ForgetRefused)
    lines = (await _journal(s, s.anne)).splitlines()
    assert [line.split(" — ", 1)[1] for line in lines[1:]] == [
        "Anne a levé le bannissement de ancien membre",
        "Anne a banni ancien membre",
    ]
