"""The bot's Application run inside the test's event loop, against the fake Bot API.

Same wiring and same HTTP as `python -m bot`, but a test can reach the services (the
clock, the repositories) and start in milliseconds instead of a process start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.app import ALLOWED_UPDATES, build_application
from bot.services import Services, utc_now
from bot.settings import Settings
from handlers.common import jobs
from handlers.common.context import CovoisinApp, CovoisinContext
from storage.due import DueMoment
from tests.fakebot import FakeChat, FakeTelegram, FakeUser


def settings_for(fake: FakeTelegram, workdir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "token": SecretStr(fake.token),
        "api_base_url": fake.base_url,
        "db_path": workdir / "data" / "covoisin.sqlite3",
        **overrides,
    }
    return Settings.model_validate(values)


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram,
    workdir: Path,
    clock: Callable[[], datetime] = utc_now,
    **overrides: object,
) -> AsyncIterator[CovoisinApp]:
    app = build_application(settings_for(fake, workdir, **overrides), clock=clock)
    # The same order as Application.run_polling: post_init and post_shutdown are its hooks.
    assert app.updater is not None and app.post_init and app.post_shutdown
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


def services_of(app: CovoisinApp) -> Services:
    return app.bot_data.services


class MovableClock:
    """Real time by default, so that the JobQueue (which runs on the wall clock) and the
    bot agree; a test moves it forward to look at the future."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


async def join(app: CovoisinApp, user: FakeUser, group: FakeChat) -> None:
    """What the bot records when a member first speaks in the group."""
    services = services_of(app)
    now = services.clock()
    await services.repos.groups.upsert_active(
        group.id,
        group.title or "",
        services.settings.default_language,
        services.settings.timezone,
        now,
    )
    await services.repos.users.seen(
        user.id, user.first_name, user.username, user.language_code, now
    )
    await services.repos.groups.add_member(group.id, user.id, now)


async def run_due(app: CovoisinApp) -> int:
    """What the bookings' timer does when it wakes, now, on the services' clock (a test
    moves the clock rather than waiting): how many due moments were done."""
    return await jobs.run_due(CovoisinContext(app))


async def due_kinds(app: CovoisinApp, booking_id: int | None = None) -> set[tuple[int, str]]:
    """The (booking, kind) of the moments the timer will wake for."""
    stored = await services_of(app).schedule.stored()
    return {(m.booking_id, m.kind) for m in stored if booking_id in (None, m.booking_id)}


async def assert_due_follows_database(app: CovoisinApp) -> None:
    """The moments stored are exactly those the database implies now (times included, for
    those still ahead; one already due is planned at once, whenever that was)."""
    schedule = services_of(app).schedule
    now = services_of(app).clock()

    def shown(moments: list[DueMoment]) -> set[tuple[int, str, datetime | None]]:
        return {(m.booking_id, m.kind, m.at if m.at > now else None) for m in moments}

    assert shown(await schedule.stored()) == shown(await schedule.implied())
