"""The composition root: the one place that builds the application and wires its parts.

It is the only module of `bot` that knows the handlers: everything else points one way,
handlers → bot → storage.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseHandler, Defaults, ExtBot

from bot.booking.service import BookingService
from bot.forgetting import ForgettingService
from bot.i18n import Translator
from bot.moderation import ModerationService
from bot.reputation.service import ReputationService
from bot.schedule import EXPIRY, REVEAL, SchedulingService
from bot.services import Services, utc_now
from bot.settings import Settings
from bot.stopping import stop_requests
from bot.transport import PatientRateLimiter
from bot.trips.service import TripService
from handlers import availability, booking, help, membership, privacy, reputation, start
from handlers.admin import export, group_settings, journal, moderation
from handlers.cars import listing as cars
from handlers.common import admins, delivery, errors, jobs
from handlers.common.context import CONTEXT_TYPES, BotData, CovoisinApp, CovoisinContext, DueActions
from handlers.common.conversations import FORM_TIMEOUT, OpenForms
from handlers.common.menus import publish_menus
from handlers.trip import form as trip_form
from handlers.trip import reports as trip
from storage import Repositories
from storage.db import Database
from storage.models import ReminderKind
from storage.persistence import LazyDatabase, SqlitePersistence

log = logging.getLogger(__name__)

# Updates the bot asks for; chat_member is not sent by Telegram unless asked for.
ALLOWED_UPDATES = Update.ALL_TYPES


def file_url_for(base_url: str) -> str:
    """Files live beside the API: `.../bot` → `.../file/bot` (Telegram and local servers)."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else base_url


def build_application(settings: Settings, clock: Callable[[], datetime] = utc_now) -> CovoisinApp:
    translator = Translator.load(settings.default_language)

    # Opened by the persistence when PTB's initialize() loads it, before post_init.
    database = LazyDatabase(settings.db_path)
    # A stop may come at any step of the start: post_shutdown closes the database if it
    # was opened, whether or not post_init got as far as the services.
    opened: list[Database] = []

    async def open_database() -> Database:
        db = await database.get()
        if not opened:
            opened.append(db)
        return db

    async def open_resources(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        db = await open_database()
        repos = Repositories.over(db)
        app.bot_data.attach(
            Services(
                settings=settings,
                repos=repos,
                translator=translator,
                booking=BookingService(repos, clock),
                trips=TripService(repos, clock),
                reputation=ReputationService(repos, clock),
                moderation=ModerationService(repos, clock),
                forgetting=ForgettingService(repos, clock),
                schedule=SchedulingService(repos, clock),
                clock=clock,
            )
        )
        await publish_menus(app.bot, translator)
        app.bot_data.due_actions = DueActions(
            {
                EXPIRY: booking.expire_request,
                REVEAL: reputation.reveal_due,
                **dict.fromkeys(ReminderKind, trip.send_reminder),
            }
        )
        app.bot_data.after_return = reputation.offer_feedback
        planned = await jobs.rebuild(app)
        log.info("%d expiries, reminders and reveals planned", planned)
        delivery.schedule_outbox(app)
        log.info("ready as @%s, database %s", app.bot.username, settings.db_path)

    async def close_resources(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        while opened:
            await opened.pop().close()
            log.info("database closed")

    application: CovoisinApp = (
        ApplicationBuilder()
        .application_class(CovoisinApplication)
        .persistence(SqlitePersistence(open_database, forget_after=FORM_TIMEOUT))
        .token(settings.token.get_secret_value())
        .base_url(settings.api_base_url)
        .base_file_url(file_url_for(settings.api_base_url))
        .context_types(CONTEXT_TYPES)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.zone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(PatientRateLimiter())
        .post_init(open_resources)
        .post_shutdown(close_resources)
        .build()
    )
    application.add_error_handler(errors.on_error)
    return application


class CovoisinApplication(
    Application[ExtBot[int], CovoisinContext, dict[Any, Any], dict[Any, Any], BotData, Any]
):
    """PTB's Application, whose handlers are registered in `initialize()`: after the bot's
    getMe (some filters need its username) and before PTB loads the persistence, which
    restores the conversations of the handlers registered by then only."""

    __slots__ = ()

    async def initialize(self) -> None:
        await self.bot.initialize()
        # initialize() is tried again after a network error at start: register once.
        if not self.handlers:
            register_handlers(self)
        await super().initialize()


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Features first, the catch-all help last; the bot's username is known by now."""
    for handler in membership.tracking_handlers():
        app.add_handler(handler, group=-1)
    for handler in admins.tracking_handlers():
        app.add_handler(handler, group=-2)
    # The private forms' texts go to the form each member opened last (handlers/conversations.py).
    forms = OpenForms(app.user_data)
    features: list[BaseHandler[Any, Any, Any]] = [
        *membership.handlers(),
        *cars.handlers(forms),
        *moderation.handlers(),
        *export.handlers(),
        *journal.handlers(),
        *group_settings.handlers(forms),
        *privacy.handlers(),
        # Before booking: `/annuler` in the middle of a pickup or return form ends the form.
        *trip_form.handlers(forms),
        *booking.handlers(app.bot.username),
        *trip.handlers(),
        *reputation.handlers(forms),
        *availability.handlers(),
        *start.handlers(),
        *help.handlers(app.bot.username),
    ]
    for handler in features:
        app.add_handler(handler)


class CannotListen(Exception):
    """The webhook's address or port cannot be opened: a setting to change, not a crash."""


# What binding a socket fails with when the address or port is the problem.
_LISTEN_ERRORS = frozenset({errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES})


def run(settings: Settings) -> None:
    stop_requests.install()  # done already by `python -m bot`, earlier
    application = build_application(settings)
    updater = application.updater
    assert updater is not None  # ApplicationBuilder makes one

    if not settings.webhook_url:

        def on_polling_error(exc: TelegramError) -> None:
            # As run_polling does: a failed getUpdates goes to the error handler.
            application.create_task(application.process_error(error=exc, update=None))

        asyncio.run(
            _serve(
                application,
                lambda: updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, error_callback=on_polling_error
                ),
            )
        )
        return
    # A fresh secret at each start costs nothing: the bot registers it with Telegram before
    # the first update can arrive, and Telegram sends the latest one with every update.
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret is not None
        else secrets.token_urlsafe(32)
    )
    log.info(
        "webhook: Telegram sends updates to %s, received on %s port %d",
        settings.webhook_url,
        settings.webhook_listen,
        settings.webhook_port,
    )
    try:
        # The same allowed_updates and pending-update handling as polling.
        asyncio.run(
            _serve(
                application,
                lambda: updater.start_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path=settings.webhook_path,
                    webhook_url=settings.webhook_url,
                    secret_token=secret,
                    allowed_updates=ALLOWED_UPDATES,
                ),
            )
        )
    except OSError as exc:
        # Socket errors carry no file name; a file the bot could not open does.
        if exc.errno not in _LISTEN_ERRORS or exc.filename is not None:
            raise
        raise CannotListen(
            f"cannot receive updates on {settings.webhook_listen} port "
            f"{settings.webhook_port} ({exc.strerror}): set BOT_WEBHOOK_PORT to a free port "
            "above 1023 (and BOT_WEBHOOK_LISTEN to an address of this machine)"
        ) from None


async def _serve(application: CovoisinApp, start_updates: Callable[[], Awaitable[object]]) -> None:
    """PTB's run_polling / run_webhook (initialize, post_init, the updater, start; then stop
    and shut down), except for the stop signals: PTB raises SystemExit wherever the loop
    is, which leaves a start-up step half done and, at a second signal, the shutdown too.
    Here the first signal cancels the start or the run, further ones change nothing, and
    the shutdown undoes whatever the start got to, the database closed last."""
    running = asyncio.create_task(_start_and_run(application, start_updates))

    def stop() -> None:
        if not running.done() and not running.cancelling():
            log.info("stop signal received, stopping")
            running.cancel()

    stop_requests.connect(asyncio.get_running_loop(), stop)
    try:
        await asyncio.wait([running])
        await _shut_down(application)
    finally:
        stop_requests.disconnect()
    if not running.cancelled():
        running.result()  # a start that failed (a port already taken...): raised, now


async def _start_and_run(
    application: CovoisinApp, start_updates: Callable[[], Awaitable[object]]
) -> None:
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await start_updates()
    await application.start()
    await asyncio.get_running_loop().create_future()  # until stopped


async def _shut_down(application: CovoisinApp) -> None:
    """PTB's own shutdown sequence, each step only if the start got that far."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    await application.shutdown()  # flushes the persistence, if initialize() completed
    if application.post_shutdown:
        await application.post_shutdown(application)
