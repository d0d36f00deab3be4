"""The fake at the HTTP level: routing, request encodings, errors, long polling."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Conflict

from tests.fakebot import FakeTelegram, running_fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeTelegram, method: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{fake.base_url}{fake.token}/{method}", **kwargs) as resp:
        return resp.status, await resp.json()


async def test_unknown_method_is_404(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, fake, "sendTelepathy")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_wrong_token_is_401(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.base_url}999:WRONG/getMe") as resp:
        assert resp.status == 401
        assert (await resp.json())["description"] == "Unauthorized"


async def test_missing_parameter_is_400(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, fake, "getChatMember", data={"chat_id": "1"})
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: user_id is empty"}
    status, body = await call(http, fake, "setMyCommands", data={})
    assert body["description"].startswith("Bad Request: ")
    assert "commands" in body["description"]
    # Recorded for inspection, not fatal: some tests provoke 400s on purpose.
    assert [c.status for c in fake.errors] == [400, 400]
    assert fake.protocol_errors == []
    with pytest.raises(AssertionError, match="bad requests"):
        fake.assert_no_bad_requests()


async def test_method_names_are_case_insensitive(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, fake, "GETME")
    assert status == 200
    assert body["result"]["username"] == "CovoisinTestBot"
    assert fake.calls[-1].method == "getMe"


async def test_form_json_query_and_multipart(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake.add_user("Alice")
    markup = {"inline_keyboard": [[{"text": "Oui", "callback_data": "yes"}]]}
    # form-urlencoded, every non-string JSON-encoded: what PTB sends
    form = {"chat_id": str(alice.id), "text": "form", "reply_markup": json.dumps(markup)}
    status, body = await call(http, fake, "sendMessage", data=form)
    assert status == 200
    assert body["result"]["reply_markup"] == markup
    # a JSON body with native values
    status, body = await call(
        http,
        fake,
        "sendMessage",
        json={"chat_id": alice.id, "text": "json", "reply_markup": markup},
    )
    assert (status, body["result"]["text"]) == (200, "json")
    # query string
    async with http.get(
        f"{fake.base_url}{fake.token}/sendMessage", params={"chat_id": alice.id, "text": "query"}
    ) as resp:
        assert (await resp.json())["result"]["text"] == "query"
    # multipart with an upload, directly and through attach://
    data = aiohttp.FormData()
    data.add_field("chat_id", str(alice.id))
    data.add_field("caption", "<b>contrat</b>")
    data.add_field("parse_mode", "HTML")
    data.add_field("document", b"%PDF-1.4", filename="contrat.pdf", content_type="application/pdf")
    status, body = await call(http, fake, "sendDocument", data=data)
    assert status == 200, body
    doc = body["result"]["document"]
    assert doc["file_name"] == "contrat.pdf"
    assert doc["mime_type"] == "application/pdf"
    assert body["result"]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    assert fake.file_bytes(doc["file_id"]) == b"%PDF-1.4"
    data = aiohttp.FormData()
    data.add_field("chat_id", str(alice.id))
    data.add_field("document", "attach://part1")
    data.add_field("part1", b"hello", filename="a.txt", content_type="text/plain")
    status, body = await call(http, fake, "sendDocument", data=data)
    assert status == 200, body
    assert body["result"]["document"]["file_name"] == "a.txt"
    assert [m["message_id"] for m in fake.messages_in(alice)] == [1, 2, 3, 4, 5]
    fake.check()


async def test_unimplemented_method_is_a_protocol_error(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, fake, "sendDice", data={"chat_id": "1"})
    assert status == 501
    assert "sendDice" in body["description"]
    with pytest.raises(AssertionError, match="sendDice"):
        fake.check()
    fake.protocol_errors.clear()


async def test_unknown_parameter_is_a_protocol_error(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake.add_user("Alice")
    status, _ = await call(
        http, fake, "sendMessage", data={"chat_id": alice.id, "text": "x", "parse_mod": "HTML"}
    )
    assert status == 200  # Telegram ignores it...
    assert "parse_mod" in fake.protocol_errors[0]  # ...but it is surely a bug in the bot
    fake.protocol_errors.clear()


async def test_long_poll_returns_as_soon_as_an_update_arrives(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await fake.wait_polling()
    started = time.monotonic()
    await fake.send_private(alice, "salut")
    updates = await poll
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates if u.message] == ["salut"]


async def test_offsets_confirm_updates(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    for text in ("un", "deux", "trois"):
        await fake.send_private(alice, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["un", "deux"]
    assert first[1].update_id == first[0].update_id + 1
    again = await bot.get_updates()  # nothing confirmed yet: delivered again
    assert [u.update_id for u in again] == [u.update_id for u in first] + [first[1].update_id + 1]
    rest = await bot.get_updates(offset=first[1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["trois"]
    assert len(fake.pending_updates) == 1
    assert await bot.get_updates(offset=rest[0].update_id + 1) == ()
    assert fake.pending_updates == []
    for text in ("a", "b", "c"):
        await fake.send_private(alice, text)
    last = await bot.get_updates(offset=-1)  # negative: only the newest, older forgotten
    assert [u.message.text for u in last if u.message] == ["c"]
    assert len(fake.pending_updates) == 1


async def test_allowed_updates(fake: FakeTelegram, bot: Bot) -> None:
    alice, bob = fake.add_user("Alice"), fake.add_user("Bob")
    group = fake.add_group("Village", admins=[alice], bot_status="administrator")
    await fake.add_member(group, bob)
    first = await bot.get_updates()
    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in first]
    assert kinds == ["message"]  # chat_member only on request, as in Telegram
    await bot.get_updates(
        offset=first[-1].update_id + 1, allowed_updates=["chat_member", "message"]
    )
    await fake.remove_member(group, bob)
    updates = await bot.get_updates()
    assert updates[0].chat_member is not None
    assert updates[0].chat_member.new_chat_member.status == "left"
    assert updates[1].message is not None
    assert updates[1].message.left_chat_member is not None
    # not repeated: the previous setting stays
    await fake.add_member(group, bob)
    updates = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert updates[0].chat_member is not None


async def test_second_poller_gets_conflict(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=20))
    await fake.wait_polling()
    # PTB serialises getUpdates per Bot, so a second instance plays the second bot process.
    async with Bot(fake.token, base_url=fake.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=20))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        await fake.wait_polling()
        await fake.send_private(fake.add_user("Alice"), "x")
        assert len(await second) == 1
    assert [c.status for c in fake.errors] == [409]


async def test_stop_releases_pending_long_polls() -> None:
    async with running_fake() as fake, Bot(fake.token, base_url=fake.base_url) as local:
        poll = asyncio.create_task(local.get_updates(timeout=30))
        await fake.wait_polling()
        started = time.monotonic()
        await fake.stop()
        assert await poll == ()
        assert time.monotonic() - started < 3


async def test_file_download_route(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    sent = await fake.send_document(alice, None, data=b"carte grise", file_name="cg.pdf")
    file = await bot.get_file(sent["document"]["file_id"])
    assert file.file_path is not None
    assert file.file_path.startswith(fake.base_file_url)
    assert await file.download_as_bytearray() == bytearray(b"carte grise")
