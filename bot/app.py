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


# How long a stop waits for the updates and jobs under way before cancelling them. PTB's
# own stop waits for them without end, and during a Telegram outage a handler's message may
# be retried for tens of seconds: past Docker's 10 s (systemd's 90 s) the bot is killed,
# its database left open. Cancelling a handler rolls its transaction back; the persistence
# is still flushed and the database closed.
GRACE_SECONDS = 5.0
# Once cancelled, how long the tasks get to unwind (a rollback) before the shutdown.
UNWIND_SECONDS = 1.0


class _Grace:
    """The time a stop gives the work under way: GRACE_SECONDS from the start of the stop,
    or none left once a second stop signal came (an operator, or a service manager, in a
    hurry)."""

    def __init__(self) -> None:
        self._deadline = 0.0
        self._cut = False
        self._current: asyncio.Timeout | None = None

    @property
    def cut(self) -> bool:
        return self._cut

    def cut_short(self) -> None:
        self._cut = True
        current = self._current
        if current is not None and not current.expired():
            current.reschedule(asyncio.get_running_loop().time())

    def begin(self) -> None:
        self._deadline = asyncio.get_running_loop().time() + GRACE_SECONDS

    async def run(self, step: Callable[[], Awaitable[object]], *, cut_short: bool = True) -> bool:
        """`step` within what is left of the grace, cancelled at its end (or at a second
        signal, if `cut_short`); whether it finished. A step begun with no time left
        still runs up to its first wait: PTB's stop methods mark the updater or the
        application stopped before that, as their shutdown requires."""
        now = asyncio.get_running_loop().time()
        deadline = now if cut_short and self._cut else self._deadline
        try:
            async with asyncio.timeout_at(deadline) as timeout:
                if cut_short:
                    self._current = timeout
                await step()
        except TimeoutError:
            return False
        finally:
            self._current = None
        return True


async def _serve(application: CovoisinApp, start_updates: Callable[[], Awaitable[object]]) -> None:
    """PTB's run_polling / run_webhook (initialize, post_init, the updater, start; then stop
    and shut down), except for the stop signals: PTB raises SystemExit wherever the loop
    is, which leaves a start-up step half done and, at a second signal, the shutdown too.
    Here the first signal cancels the start or the run, and the shutdown undoes whatever
    the start got to, the database closed last. The stop waits GRACE_SECONDS at most for
    the work under way; a second signal ends that wait at once (the shutdown itself, which
    keeps the forms and closes the database, still runs)."""
    running = asyncio.create_task(_start_and_run(application, start_updates))
    grace = _Grace()

    def stop() -> None:
        if not running.done() and not running.cancelling():
            log.info("stop signal received, stopping")
            running.cancel()
        elif not grace.cut:
            log.info("stop signal received while stopping: not waiting for the work under way")
            grace.cut_short()

    stop_requests.connect(asyncio.get_running_loop(), stop)
    try:
        try:
            await asyncio.wait([running])
        except asyncio.CancelledError:
            # Without sigwait (Windows), Ctrl-C makes asyncio.run cancel this task: the same
            # clean stop as a signal's. The cancel is then handled (uncancel), so that
            # asyncio.run returns rather than raising KeyboardInterrupt at the end.
            this = asyncio.current_task()
            assert this is not None
            this.uncancel()
            stop()
            await asyncio.wait([running])
        await _shut_down(application, grace)
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


async def _shut_down(application: CovoisinApp, grace: _Grace) -> None:
    """PTB's own shutdown sequence, each step only if the start got that far: the stopping
    steps within the grace, then whatever they left running cancelled; the shutdown and
    post_shutdown (the database closed) whatever happened before."""
    grace.begin()
    try:
        try:
            if not await _stop(application, grace):
                log.warning("stopping: the work under way did not end in time, cancelling it")
        finally:
            await _cancel_the_rest(application)
    finally:
        try:
            await application.shutdown()  # flushes the persistence, if initialize() completed
        finally:
            if application.post_shutdown:
                await application.post_shutdown(application)


async def _stop(application: CovoisinApp, grace: _Grace) -> bool:
    """The updater, then the application (which waits for the updates, jobs and tasks
    under way), as PTB's run_polling stops them, within the grace; whether in time."""
    updater = application.updater
    in_time = True
    try:
        if updater is not None and updater.running:
            # Not cut short by a second signal: cancelled while it waits for its polling
            # task to end (its first wait, a few turns of the loop), PTB's updater
            # swallows the cancel, then its last getUpdates waits a second for the
            # connection the long poll still holds and logs an error. Its last getUpdates
            # (which confirms the updates fetched) is still bounded by the grace.
            in_time = await grace.run(updater.stop, cut_short=False)
    finally:
        # Even when the updater's stop was cancelled: the application's stop marks it
        # stopped first thing, which its shutdown requires.
        if application.running:
            stopped = await grace.run(application.stop)
            in_time = stopped and in_time
            post_stop = application.post_stop
            if stopped and post_stop is not None:
                in_time = await grace.run(lambda: post_stop(application)) and in_time
    return in_time


# A task may swallow the first cancel: those still running after UNWIND_SECONDS are
# cancelled once more.
_CANCEL_ROUNDS = 2


async def _cancel_the_rest(application: CovoisinApp) -> None:
    """Cancel the tasks a stop cut short left running (handlers, jobs, PTB's persistence
    loop): nothing of the bot may run while it shuts down and closes the database. After
    a stop that finished, there are none. Each task is cancelled once a round, not at
    every turn: a second cancel would break off the rollback the first one started."""
    job_queue = application.job_queue
    if job_queue is not None and job_queue.scheduler.running:
        # No job may start from now on. Paused, not shut down: the stop cut short may
        # have asked for that already, which APScheduler does later in the loop (twice,
        # the second fails).
        job_queue.scheduler.pause()
    this = asyncio.current_task()
    for _ in range(_CANCEL_ROUNDS):
        others = asyncio.all_tasks() - {this}
        if not others:
            return
        for task in others:
            task.cancel()
        done, _pending = await asyncio.wait(others, timeout=UNWIND_SECONDS)
        for task in done:
            # Retrieved, or asyncio would log it with a traceback when the task is collected.
            if not task.cancelled() and (error := task.exception()) is not None:
                log.warning("%s ended with %r while cancelled", task.get_name(), error)
    if left := asyncio.all_tasks() - {this}:
        log.warning("%d tasks still running after being cancelled", len(left))
