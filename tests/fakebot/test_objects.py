"""Everything the fake emits carries the fields the spec requires for its type.

One scenario exercises every update kind and every implemented method; each result and update
is then validated again here, explicitly, on top of the fake's own check on every response.
"""

from __future__ import annotations

import socket
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction

from tests.fakebot import FakeTelegram, validate_object
from tests.fakebot.state import TINY_PNG

ALL_UPDATES = list(Update.ALL_TYPES)


async def scenario(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice", "alice_v", last_name="Martin")
    bob = fake.add_user("Bob", language_code="en")
    group = fake.add_group("Village", admins=[alice], bot_status=None)
    basic = fake.add_group("Hameau", members=[alice], supergroup=False)
    channel = fake.add_channel("Infos", username="infos_village")
    await bot.get_updates(allowed_updates=ALL_UPDATES)

    await fake.add_bot_to_group(group, alice, as_admin=True)
    await fake.add_member(group, bob, by=alice)
    await fake.promote(group, bob)
    await fake.demote(group, bob)
    command = await fake.send_text(alice, group, "/trajet@CovoisinTestBot demain 🚗 @alice_v")
    await fake.send_text(bob, group, "je viens", reply_to=command)
    await fake.send_as_chat(group, "annonce")
    await fake.send_photo(alice, group, caption="ma voiture")
    await fake.send_document(bob, group, caption="/horaires")
    edited = await fake.send_private(alice, "/start")
    await fake.edit_text(edited, "/start covoit")
    post = await fake.channel_post(channel, "Marché samedi")
    await fake.edit_text(post, "Marché dimanche")
    await fake.block_bot(bob)
    await fake.unblock_bot(bob)
    await fake.migrate_to_supergroup(basic)
    zoe = fake.add_user("Zoé")
    fake.world.set_member(group, zoe, "restricted")  # no test API for restrictions yet

    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Oui", callback_data="oui"),
                InlineKeyboardButton("Site", url="https://covoisin.fr"),
            ]
        ]
    )
    sent = await bot.send_message(
        group.id,
        f"<b>Trajet</b> <a href='tg://user?id={alice.id}'>Alice</a>",
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(command["message_id"]),
    )
    query = await fake.press_button(bob, sent.to_dict(), "oui")
    await bot.answer_callback_query(query, text="ok")
    await bot.send_message(alice.id, "*gras*", parse_mode="MarkdownV2")
    await bot.send_message(alice.id, "Clavier", reply_markup=ReplyKeyboardMarkup([["Oui", "Non"]]))
    await bot.edit_message_text("Trajet complet", group.id, sent.message_id, reply_markup=keyboard)
    await bot.edit_message_reply_markup(group.id, sent.message_id)
    photo = await bot.send_photo(group.id, TINY_PNG, caption="photo")
    doc = await bot.send_document(channel.id, b"horaires", filename="horaires.txt")
    assert doc.document is not None
    await bot.get_file(photo.photo[0].file_id)
    await bot.delete_message(group.id, photo.message_id)
    await bot.pin_chat_message(group.id, sent.message_id)
    await bot.get_chat(group.id)
    await bot.get_chat(alice.id)
    await bot.get_chat(channel.id)
    for user in (alice, bob, fake.bot_user, zoe):
        await bot.get_chat_member(group.id, user.id)
    await bot.get_chat_member(group.id, fake.add_user("Absent").id)
    await bot.get_chat_administrators(group.id)
    await bot.get_chat_member_count(group.id)
    await bot.send_chat_action(group.id, ChatAction.TYPING)
    await bot.set_my_commands(
        [BotCommand("trajet", "Proposer")], scope=BotCommandScopeChatMember(group.id, alice.id)
    )
    await bot.get_my_commands(scope=BotCommandScopeChatMember(group.id, alice.id))
    await bot.delete_my_commands()
    await bot.unpin_chat_message(group.id)
    await bot.unpin_all_chat_messages(group.id)
    await bot.get_webhook_info()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: every push is refused
        await bot.set_webhook(f"http://127.0.0.1:{closed.getsockname()[1]}/", secret_token="s")
        await bot.get_webhook_info()
        await bot.delete_webhook()
    await bot.get_updates(timeout=0)
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1)
    await bot.leave_chat(group.id)
    await bot.get_updates()
    await bot.close()
    await bot.log_out()


async def test_everything_emitted_validates(fake: FakeTelegram, bot: Bot) -> None:
    await scenario(fake, bot)
    fake.check()
    assert fake.errors == []

    seen_kinds: set[str] = set()
    member_statuses: set[str] = set()
    for call in fake.calls:
        assert call.ok, call.summary()
        method = fake.spec.method(call.method)
        assert method is not None
        assert fake.spec.validate_result(method, call.result) == [], call.summary()
        if call.method == "getUpdates":
            for update in call.result:
                assert validate_object("Update", update) == []
                seen_kinds.add(next(k for k in update if k != "update_id"))
                for key in ("my_chat_member", "chat_member"):
                    if key in update:
                        member_statuses.add(update[key]["new_chat_member"]["status"])
        if call.method in ("getChatMember", "getChatAdministrators"):
            results: list[dict[str, Any]] = (
                call.result if isinstance(call.result, list) else [call.result]
            )
            member_statuses |= {m["status"] for m in results}

    assert seen_kinds == {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "my_chat_member",
        "chat_member",
    }
    assert member_statuses == {"creator", "administrator", "member", "restricted", "left", "kicked"}
    # every method the fake implements was exercised (and so validated) above
    called = {c.method for c in fake.calls}
    assert set(fake.api.handlers) | {"getUpdates"} <= called


async def test_test_side_objects_validate(fake: FakeTelegram) -> None:
    alice = fake.add_user("Alice")
    group = fake.add_group("Village", members=[alice])
    for msg in (
        await fake.send_text(alice, group, "/aide"),
        await fake.send_photo(alice, group),
        await fake.send_document(alice, group, file_name="a.bin", data=b"\0"),
        await fake.add_member(group, fake.add_user("Bob")),
    ):
        assert validate_object("Message", msg) == []
    for update in fake.pending_updates:
        assert validate_object("Update", update) == []
