"""Telling a member privately: the DM, or the group nudge and the deep link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.common.context import CovoisinApp, CovoisinContext
from handlers.common.delivery import (
    MAX_ATTEMPTS,
    OUTBOX_JOB,
    RETRY_FIRST,
    RETRY_LONGEST,
    Private,
    deliver_pending,
    retry_kept_messages,
    tell_each_privately,
    tell_privately,
)
from storage.timeutil import from_db
from tests.expect import assert_said_nothing_more
from tests.fakebot import FakeChat, FakeTelegram, FakeUser
from tests.inprocess import MovableClock, join, running_bot, services_of


@pytest.fixture
async def app(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[CovoisinApp]:
    async with running_bot(fake, tmp_path) as application:
        yield application


async def _tell(app: CovoisinApp, user_id: int, text: str, group_id: int) -> bool:
    context = CovoisinContext(app)  # what a job would receive
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Oui", callback_data="v1:test:1")]])
    return await tell_privately(context, user_id, text, reply_markup=markup, group_chat_id=group_id)


async def test_an_open_private_chat_gets_the_message(fake: FakeTelegram, app: CovoisinApp) -> None:
    marie = fake.add_user("Marie")
    village = fake.add_group("Village", members=[marie])
    assert await _tell(app, marie.id, "Bonjour", village.id) is True
    message = await fake.next_message(chat=marie)
    assert message["text"] == "Bonjour"
    assert not fake.messages_in(village)


async def test_closed_chat_nudges_once_in_the_group_then_delivers_in_order(
    fake: FakeTelegram, app: CovoisinApp
) -> None:
    marie = fake.add_user("Marie", started=False)
    village = fake.add_group("Village", members=[marie])
    await services_of(app).repos.users.seen(marie.id, "Marie", None, "fr", services_of(app).clock())
    await services_of(app).repos.groups.upsert_active(
        village.id, "Village", "fr", "Europe/Paris", services_of(app).clock()
    )

    assert await _tell(app, marie.id, "Premier", village.id) is False
    assert await _tell(app, marie.id, "Second", village.id) is False
    nudge = await fake.next_message(chat=village)
    assert "Marie" in nudge["text"]
    assert_said_nothing_more(fake)  # one nudge, not two

    [[button]] = nudge["reply_markup"]["inline_keyboard"]
    await fake.send_private(marie, "/start " + button["url"].split("?start=")[1])
    greeting = await fake.next_message(chat=marie)
    assert "2 messages" in greeting["text"]
    first = await fake.next_message(chat=marie)
    second = await fake.next_message(chat=marie)
    assert (first["text"], second["text"]) == ("Premier", "Second")
    # The buttons come along: the pending Accept of an owner still works.
    assert first["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v1:test:1"

    await fake.send_private(marie, "/start")
    again = await fake.next_message(chat=marie)
    assert "attendait" not in again["text"]
    assert_said_nothing_more(fake)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def timed_app(
    fake: FakeTelegram, tmp_path: Path, clock: MovableClock
) -> AsyncIterator[CovoisinApp]:
    async with running_bot(fake, tmp_path, clock=clock) as application:
        yield application


async def _village(fake: FakeTelegram, app: CovoisinApp) -> tuple[FakeUser, FakeUser, FakeChat]:
    marie, luc = fake.add_user("Marie"), fake.add_user("Luc")
    village = fake.add_group("Village", members=[marie, luc])
    for member in (marie, luc):
        await join(app, member, village)
    return marie, luc, village


def _refuse_next_message(fake: FakeTelegram, n: int = 1) -> None:
    fake.fail_next(n, status=400, method="sendMessage", description="Bad Request: passing")


async def test_a_message_telegram_fails_to_take_is_sent_again_by_the_outbox_once(
    fake: FakeTelegram, timed_app: CovoisinApp, clock: MovableClock
) -> None:
    marie, luc, village = await _village(fake, timed_app)
    context = CovoisinContext(timed_app)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Oui", callback_data="v1:test:1")]])
    _refuse_next_message(fake)
    unreached = await tell_each_privately(
        context,
        [Private(marie.id, "Acceptée", markup), Private(luc.id, "Refusée")],
        group_chat_id=village.id,
    )
    # Luc still got his; Marie's is kept, and nobody is pointed to a private chat.
    assert unreached == []
    assert (await fake.next_message(chat=luc))["text"] == "Refusée"
    assert_said_nothing_more(fake)

    assert await retry_kept_messages(context) == 0  # not yet: a minute later
    clock.advance(RETRY_FIRST)
    assert await retry_kept_messages(context) == 1
    again = await fake.next_message(chat=marie)
    assert again["text"] == "Acceptée"
    assert again["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v1:test:1"
    clock.advance(RETRY_LONGEST)
    assert await retry_kept_messages(context) == 0
    await fake.send_private(marie, "/start")
    assert "attendait" not in str((await fake.next_message(chat=marie))["text"])
    assert_said_nothing_more(fake)


async def test_the_outbox_waits_longer_each_time_then_leaves_it_for_the_next_visit(
    fake: FakeTelegram, timed_app: CovoisinApp, clock: MovableClock
) -> None:
    marie, _, village = await _village(fake, timed_app)
    context = CovoisinContext(timed_app)
    repos = services_of(timed_app).repos
    _refuse_next_message(fake)
    await tell_privately(context, marie.id, "Rappel", group_chat_id=village.id)
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [kept] = await repos.pending.undelivered(marie.id)
        assert kept.attempts == attempt - 1
        due = await _retry_at(timed_app, kept.id)
        assert due is not None
        waits.append(due - clock())
        clock.advance(due - clock())
        _refuse_next_message(fake)
        assert await retry_kept_messages(context) == 0
    # One minute, then twice as long each time, an hour at most.
    assert [round(w / timedelta(minutes=1)) for w in waits[:7]] == [1, 2, 4, 8, 16, 32, 60]
    assert await _retry_at(timed_app, kept.id) is None  # given up: no more tries
    clock.advance(RETRY_LONGEST * 10)
    assert await retry_kept_messages(context) == 0
    # Still kept: her next visit to the private chat brings it.
    await fake.send_private(marie, "/start")
    await fake.next_message(chat=marie)
    assert (await fake.next_message(chat=marie))["text"] == "Rappel"
    assert_said_nothing_more(fake)


async def test_a_private_chat_closed_before_the_retry_waits_for_the_deep_link(
    fake: FakeTelegram, timed_app: CovoisinApp, clock: MovableClock
) -> None:
    marie, _, village = await _village(fake, timed_app)
    context = CovoisinContext(timed_app)
    _refuse_next_message(fake)
    await tell_privately(context, marie.id, "Annulée", group_chat_id=village.id)
    await fake.block_bot(marie)
    clock.advance(RETRY_FIRST)
    assert await retry_kept_messages(context) == 0
    [kept] = await services_of(timed_app).repos.pending.undelivered(marie.id)
    assert await _retry_at(timed_app, kept.id) is None
    # The group tells her, once, that something waits in her private chat.
    nudge = await fake.next_message(chat=village)
    assert "Marie" in nudge["text"] and "url" in str(nudge["reply_markup"])
    assert await retry_kept_messages(context) == 0
    assert_said_nothing_more(fake)
    await fake.unblock_bot(marie)
    await fake.send_private(marie, "/start")
    await fake.next_message(chat=marie)
    assert (await fake.next_message(chat=marie))["text"] == "Annulée"


async def test_the_outbox_runs_every_minute_from_the_start(timed_app: CovoisinApp) -> None:
    assert timed_app.job_queue is not None
    [job] = timed_app.job_queue.get_jobs_by_name(OUTBOX_JOB)
    assert job.callback is retry_kept_messages


async def _retry_at(app: CovoisinApp, message_id: int) -> datetime | None:
    row = await services_of(app).repos.db.fetchone(
        "SELECT retry_at FROM pending_messages WHERE id = ?", (message_id,)
    )
    assert row is not None
    return None if row["retry_at"] is None else from_db(row["retry_at"])


async def test_one_kept_message_that_fails_does_not_hold_back_the_others(
    fake: FakeTelegram, timed_app: CovoisinApp, clock: MovableClock
) -> None:
    marie = fake.add_user("Marie")
    village = fake.add_group("Village", members=[marie])
    await join(timed_app, marie, village)
    context = CovoisinContext(timed_app)
    await fake.block_bot(marie)
    for text in ("Premier", "Second"):
        assert await tell_privately(context, marie.id, text, group_chat_id=village.id) is False
    await fake.next_message(chat=village)  # the one nudge
    await fake.unblock_bot(marie)

    _refuse_next_message(fake)  # the first kept one
    assert await deliver_pending(context, marie.id) == 1
    assert (await fake.next_message(chat=marie))["text"] == "Second"
    clock.advance(RETRY_FIRST)
    assert await retry_kept_messages(context) == 1
    assert (await fake.next_message(chat=marie))["text"] == "Premier"
    assert_said_nothing_more(fake)


async def test_a_delivered_message_is_not_kept(fake: FakeTelegram, app: CovoisinApp) -> None:
    marie = fake.add_user("Marie", started=False)
    village = fake.add_group("Village", members=[marie])
    await join(app, marie, village)
    await _tell(app, marie.id, "Paul a accepté", village.id)
    await fake.next_message(chat=village)
    await fake.send_private(marie, "/start")
    await fake.next_message(chat=marie)
    assert (await fake.next_message(chat=marie))["text"] == "Paul a accepté"
    # Updates are handled one after the other: once /aide is answered, /start is done.
    await fake.send_private(marie, "/aide")
    await fake.next_message(chat=marie)
    # Once she has it, the text (which names Paul) is no longer stored.
    assert "pending_messages" not in await services_of(app).repos.personal_data.about(marie.id)
