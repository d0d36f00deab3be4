"""The test-side API: users acting, group life, privacy mode, waiting for the bot."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.fakebot import GROUP_ANONYMOUS_BOT_ID, FakeTelegram


def kinds(fake: FakeTelegram) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in fake.pending_updates]


def texts(fake: FakeTelegram) -> list[str]:
    return [u["message"].get("text", "") for u in fake.pending_updates if "message" in u]


async def test_send_text_builds_entities(fake: FakeTelegram) -> None:
    alice = fake.add_user("Alice", "alice_v")
    msg = await fake.send_private(alice, "/start@CovoisinTestBot 🚗 @alice_v")
    assert msg["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 22},
        {"type": "mention", "offset": 26, "length": 8},
    ]
    assert msg["from"]["id"] == alice.id
    assert msg["chat"] == {
        "id": alice.id,
        "type": "private",
        "first_name": "Alice",
        "username": "alice_v",
    }
    (update,) = fake.pending_updates
    assert update["message"] == msg


async def test_privacy_mode_in_groups(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    group = fake.add_group("Village", members=[alice])
    await fake.send_text(alice, group, "bonjour tout le monde")
    await fake.send_text(alice, group, "/trajet@AutreBot")
    await fake.send_text(alice, group, "/trajet demain")
    await fake.send_text(alice, group, "/trajet@covoisintestbot")
    sent = await bot.send_message(group.id, "Qui conduit ?")
    await fake.send_text(alice, group, "moi", reply_to=sent.message_id)
    assert texts(fake) == ["/trajet demain", "/trajet@covoisintestbot", "moi"]
    await fake.promote(group, fake.bot_user)  # admins see everything
    await fake.send_text(alice, group, "merci")
    assert kinds(fake)[-2:] == ["my_chat_member", "message"]
    assert texts(fake)[-1] == "merci"


async def test_privacy_mode_can_be_disabled() -> None:
    from tests.fakebot import running_fake

    async with running_fake(privacy_mode=False) as fake:
        alice = fake.add_user("Alice")
        group = fake.add_group("Village", members=[alice])
        await fake.send_text(alice, group, "bonjour")
        assert texts(fake) == ["bonjour"]


async def test_misuse_fails_the_test(fake: FakeTelegram) -> None:
    alice, bob = fake.add_user("Alice"), fake.add_user("Bob")
    group = fake.add_group("Village", members=[alice])
    with pytest.raises(AssertionError, match="not a member"):
        await fake.send_text(bob, group, "/start")
    with pytest.raises(AssertionError, match="another user's DM"):
        await fake.send_text(bob, fake.private_chat(alice), "/start")
    with pytest.raises(AssertionError, match="already in"):
        await fake.add_member(group, alice)
    with pytest.raises(AssertionError, match="no message 99"):
        await fake.send_text(alice, group, "/x", reply_to=99)


async def test_group_life_updates(fake: FakeTelegram) -> None:
    alice, bob = fake.add_user("Alice"), fake.add_user("Bob")
    group = fake.add_group("Village", admins=[alice], bot_status=None)
    assert await fake.send_text(alice, group, "/start") and fake.pending_updates == []
    service = await fake.add_bot_to_group(group, alice)
    assert [u["my_chat_member"]["new_chat_member"]["status"] for u in fake.pending_updates[:1]] == [
        "member"
    ]
    assert service["new_chat_members"][0]["id"] == fake.bot_user.id
    assert kinds(fake) == ["my_chat_member", "message"]
    await fake.add_member(group, bob)  # bot not admin: no chat_member, but the service message
    assert kinds(fake)[2:] == ["message"]
    await fake.promote(group, fake.bot_user, by=alice)
    await fake.promote(group, bob)
    await fake.demote(group, bob)
    await fake.remove_member(group, bob, by=alice, ban=True)
    assert kinds(fake)[3:] == [
        "my_chat_member",
        "chat_member",
        "chat_member",
        "chat_member",
        "message",
    ]
    banned = fake.pending_updates[-2]["chat_member"]
    assert banned["new_chat_member"] == {
        "status": "kicked",
        "user": bob.to_dict(),
        "until_date": 0,
    }
    assert banned["from"]["id"] == alice.id
    assert fake.member_status(group, bob) == "kicked"
    await fake.remove_bot_from_group(group, alice)
    assert kinds(fake)[-2:] == ["my_chat_member", "message"]
    assert fake.pending_updates[-1]["message"]["left_chat_member"]["id"] == fake.bot_user.id


async def test_anonymous_admin_channel_and_edits(fake: FakeTelegram) -> None:
    alice = fake.add_user("Alice")
    group = fake.add_group("Village", admins=[alice])
    anon = await fake.send_as_chat(group, "/annonce route barrée")
    assert anon["from"]["id"] == GROUP_ANONYMOUS_BOT_ID
    assert anon["sender_chat"]["id"] == group.id
    channel = fake.add_channel("Infos Village", username="infos_village")
    post = await fake.channel_post(channel, "Marché samedi")
    assert "from" not in post
    assert post["sender_chat"]["id"] == channel.id
    await fake.edit_text(post, "Marché dimanche")
    msg = await fake.send_private(alice, "/trajet lundi")
    edited = await fake.edit_text(msg, "/trajet mardi")
    assert edited["edit_date"] >= edited["date"]
    assert kinds(fake) == [
        "message",
        "channel_post",
        "edited_channel_post",
        "message",
        "edited_message",
    ]
    assert fake.messages_in(alice)[0]["text"] == "/trajet mardi"


async def test_send_raw_update(fake: FakeTelegram) -> None:
    alice = fake.add_user("Alice")
    raw = {
        "message": {
            "message_id": 77,
            "date": 1,
            "chat": {"id": alice.id, "type": "private", "first_name": "Alice"},
            "text": "sans expéditeur",
        }
    }
    queued = await fake.send_raw_update(raw)
    assert queued["update_id"] >= 1
    with pytest.raises(AssertionError, match="missing required field 'date'"):
        await fake.send_raw_update({"message": {"message_id": 1, "chat": raw["message"]["chat"]}})
    await fake.send_raw_update({"oddity": True}, validate=False)
    assert len(fake.pending_updates) == 2


async def test_next_message_and_wait_for_call(fake: FakeTelegram, bot: Bot) -> None:
    alice, bob = fake.add_user("Alice"), fake.add_user("Bob")
    group = fake.add_group("Village", members=[alice, bob])
    await bot.send_message(alice.id, "Pour Alice")
    await bot.send_message(group.id, "Pour le groupe")
    await bot.send_message(bob.id, "Pour Bob 1")
    await bot.send_message(bob.id, "Pour Bob 2")
    # matched at most once each, oldest first, out-of-order filters allowed
    assert (await fake.next_message(group))["text"] == "Pour le groupe"
    assert (await fake.next_message(to_user=bob))["text"] == "Pour Bob 1"
    assert (await fake.next_message(text_contains="Bob"))["text"] == "Pour Bob 2"
    assert (await fake.next_message())["text"] == "Pour Alice"
    # waiting: the message arrives after the wait starts
    waiter = asyncio.create_task(fake.next_message(chat=group.id, text_contains="plus tard"))
    await bot.send_message(group.id, "plus tard")
    assert (await waiter)["chat"]["id"] == group.id
    call = await fake.wait_for_call("getMe")
    assert call.result["username"] == "CovoisinTestBot"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    failed = await fake.wait_for_call("editMessageText", ok=False)
    assert failed.status == 400
    assert fake.unconsumed_calls("sendMessage") == []
    # since=mark(): only calls made from now on, whatever older ones remain unconsumed
    await bot.get_me()
    mark = fake.mark()
    call_waiter = asyncio.create_task(fake.wait_for_call("getMe", since=mark))
    await bot.get_me()
    assert (await call_waiter).index == mark
    assert len(fake.unconsumed_calls("getMe")) == 1


async def test_timeout_reports_what_the_bot_did(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    await bot.send_message(alice.id, "Bonjour Alice")
    with pytest.raises(AssertionError) as err:
        await fake.next_message(to_user=alice, text_contains="Au revoir", timeout=0.05)
    report = str(err.value)
    assert "no message in chat" in report
    assert "sendMessage" in report
    assert "Bonjour Alice" in report
    with pytest.raises(ValueError, match="not a Bot API method"):
        await fake.wait_for_call("sendMesage")


async def test_wait_updates_confirmed(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    await fake.send_private(alice, "/start")
    waiter = asyncio.create_task(fake.wait_updates_confirmed())
    (update,) = await bot.get_updates()
    assert not waiter.done()
    await bot.get_updates(offset=update.update_id + 1)
    await waiter
