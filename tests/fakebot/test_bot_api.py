"""The Bot API methods, driven through a real python-telegram-bot Bot, with Telegram's errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from tests.fakebot import FakeTelegram
from tests.fakebot.state import TINY_PNG

# PTB capitalises BadRequest messages ("Chat not found"): those matches ignore case.


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


async def test_get_me_reports_privacy_mode(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "CovoisinTestBot"
    assert me.is_bot
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.id == 123456  # from the token, as in Telegram


async def test_dm_forbidden_until_start(fake: FakeTelegram, bot: Bot) -> None:
    marie = fake.add_user("Marie", started=False)
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(marie.id, "Bonjour")
    with pytest.raises(AssertionError, match="only let them send /start"):
        await fake.send_private(marie, "coucou")
    await fake.send_private(marie, "/start")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.text == "/start"
    sent = await bot.send_message(marie.id, "Bonjour")
    assert sent.chat.id == marie.id
    assert [c.status for c in fake.errors] == [403]


async def test_blocked_user(fake: FakeTelegram, bot: Bot) -> None:
    paul = fake.add_user("Paul")
    await fake.block_bot(paul)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(paul.id, "Rappel")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    await fake.send_private(paul, "/start")  # the RESTART button unblocks
    updates = await bot.get_updates(offset=update.update_id + 1)
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message is not None
    await bot.send_message(paul.id, "Rappel")


# PTB warns that RetryAfter.retry_after will become a timedelta; not our concern here.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_429_is_retried_by_the_rate_limiter(fake: FakeTelegram) -> None:
    alice = fake.add_user("Alice")
    fake.fail_next(1, status=429, retry_after=1, method="sendMessage")
    async with ExtBot(
        fake.token, base_url=fake.base_url, rate_limiter=AIORateLimiter(max_retries=3)
    ) as bot:
        sent = await bot.send_message(alice.id, "Départ confirmé")
    assert sent.text == "Départ confirmé"
    statuses = [(c.status, c.injected) for c in fake.calls if c.method == "sendMessage"]
    assert statuses == [(429, True), (200, False)]
    assert fake.calls[-1].ok
    assert fake.errors == []  # injected failures are not the bot's fault


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_429_and_502_reach_a_plain_bot(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    fake.fail_next(1, status=429, retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(alice.id, "x")
    assert err.value.retry_after == timedelta(seconds=7)  # PTB_TIMEDELTA, as the bot runs
    fake.fail_next(1, status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_chat(alice.id)
    assert (await bot.get_updates()) == ()  # getUpdates was not affected by method=None
    fake.fail_next(1, status=500, method="getUpdates")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_updates()
    await bot.send_message(alice.id, "x")


async def test_message_validation_errors(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100999, "x")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(alice.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    await bot.send_message(alice.id, "🚗" * 4096)  # the limit counts characters
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: Unsupported start tag"):
        await bot.send_message(alice.id, "Départ <8h>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: Character '.' is reserved"):
        await bot.send_message(alice.id, "Départ à 8h.", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "x", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(alice.id, "x", reply_parameters=ReplyParameters(999))
    with pytest.raises(Forbidden, match="bot can't send messages to bots"):
        await bot.send_message(fake.bot_user.id, "x")
    assert len(fake.errors) == 8
    assert fake.protocol_errors == []


async def test_html_message_entities(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    sent = await bot.send_message(
        alice.id, "🚗 <b>Départ</b> &lt;8h&gt; <i>place</i>", parse_mode=ParseMode.HTML
    )
    assert sent.text == "🚗 Départ <8h> place"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 3, 6),
        ("italic", 15, 5),
    ]
    assert sent.parse_entities() == {sent.entities[0]: "Départ", sent.entities[1]: "place"}


async def test_edit_and_delete(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    sent = await bot.send_message(alice.id, "Trajet", reply_markup=keyboard("yes", "no"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Trajet", alice.id, sent.message_id, reply_markup=keyboard("yes", "no")
        )
    edited = await bot.edit_message_text("Trajet complet", alice.id, sent.message_id)
    assert isinstance(edited, object)
    # Without reply_markup the keyboard is gone, as in Telegram.
    assert "reply_markup" not in fake.messages_in(alice)[0]
    with pytest.raises(AssertionError, match="no inline button"):
        await fake.press_button(alice, sent.to_dict(), "yes")
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=keyboard("ok"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=keyboard("ok"))
    await fake.press_button(alice, sent.to_dict(), "ok")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    own = await fake.send_private(alice, "mon message")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", alice.id, own["message_id"])
    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(AssertionError, match="was deleted"):
        await fake.press_button(alice, sent.to_dict(), "ok")


async def test_callback_queries(fake: FakeTelegram, bot: Bot) -> None:
    alice, bob = fake.add_user("Alice"), fake.add_user("Bob")
    outsider = fake.add_user("Zoé")
    group = fake.add_group("Village", members=[alice, bob])
    sent = await bot.send_message(group.id, "Qui vient ?", reply_markup=keyboard("in", "out"))
    with pytest.raises(AssertionError, match=r"no inline button with callback_data 'maybe'"):
        await fake.press_button(alice, sent.to_dict(), "maybe")
    with pytest.raises(AssertionError, match="not a member"):
        await fake.press_button(outsider, sent.to_dict(), "in")
    query_id = await fake.press_button(bob, sent.to_dict(), text="Out")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "out", bob.id)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert query.chat_instance
    assert fake.callback_answer(query_id) is None
    await query.answer("Noté !")
    assert fake.callback_answer(query_id) == {"text": "Noté !"}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")


async def test_photos_documents_and_files(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    sent = await bot.send_photo(alice.id, TINY_PNG, caption="<i>voiture</i>", parse_mode="HTML")
    assert sent.caption == "voiture"
    assert sent.photo[-1].width == 1
    again = await bot.send_photo(alice.id, sent.photo[-1].file_id)
    assert [p.file_id for p in again.photo] == [p.file_id for p in sent.photo]
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.id, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(alice.id, "nope")
    doc = await bot.send_document(alice.id, b"%PDF", filename="assurance.pdf")
    assert doc.document is not None
    assert doc.document.file_name == "assurance.pdf"
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(alice.id, doc.document.file_id)
    user_doc = await fake.send_document(alice, None, data=b"permis", file_name="permis.pdf")
    file = await bot.get_file(user_doc["document"]["file_id"])
    assert await file.download_as_bytearray() == bytearray(b"permis")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(alice.id, TINY_PNG, caption="x" * 1025)


async def test_group_membership_errors(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    group = fake.add_group("Village", admins=[alice])
    await bot.send_message(group.id, "Bonjour")
    await fake.remove_bot_from_group(group, alice)
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "Encore là ?")
    await fake.add_bot_to_group(group, alice)
    await bot.send_message(group.id, "Me revoilà")
    await fake.remove_bot_from_group(group, alice, ban=True)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "x")
    basic = fake.add_group("Hameau", members=[alice], supergroup=False, bot_status=None)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(basic.id, "x")


async def test_migration(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    basic = fake.add_group("Hameau", admins=[alice], supergroup=False)
    assert basic.id > -1_000_000_000_000
    new = await fake.migrate_to_supergroup(basic)
    assert str(new.id).startswith("-100")
    with pytest.raises(ChatMigrated) as err:
        await bot.send_message(basic.id, "x")
    assert err.value.new_chat_id == new.id
    updates = await bot.get_updates()
    assert [u.message.migrate_to_chat_id for u in updates if u.message] == [new.id, None]
    assert updates[1].message is not None
    assert updates[1].message.migrate_from_chat_id == basic.id
    await bot.send_message(new.id, "Bienvenue dans le supergroupe")


async def test_chat_information(fake: FakeTelegram, bot: Bot) -> None:
    alice, bob = fake.add_user("Alice", "alice_v"), fake.add_user("Bob")
    group = fake.add_group(
        "Village",
        members=[bob],
        admins=[alice],
        username="village_covoit",
        bot_status="administrator",
    )
    chat = await bot.get_chat("@village_covoit")
    assert (chat.id, chat.title, chat.type) == (group.id, "Village", "supergroup")
    assert (await bot.get_chat(alice.id)).first_name == "Alice"
    assert (await bot.get_chat_member(group.id, alice.id)).status == "creator"
    assert (await bot.get_chat_member(group.id, bob.id)).status == "member"
    outsider = fake.add_user("Zoé")
    assert (await bot.get_chat_member(group.id, outsider.id)).status == "left"
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.get_chat_member(group.id, 42)
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {alice.id, fake.bot_user.id}
    assert await bot.get_chat_member_count(group.id) == 3
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(alice.id)
    assert await bot.send_chat_action(group.id, ChatAction.TYPING)
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(group.id, "dancing")
    sent = await bot.send_message(group.id, "Épinglé")
    assert await bot.pin_chat_message(group.id, sent.message_id)
    chat = await bot.get_chat(group.id)
    assert chat.pinned_message is not None
    assert chat.pinned_message.message_id == sent.message_id
    assert await bot.unpin_chat_message(group.id)
    assert await bot.unpin_all_chat_messages(group.id)
    assert await bot.leave_chat(group.id)
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "left"


async def test_pin_needs_rights(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    group = fake.add_group("Village", admins=[alice])
    sent = await bot.send_message(group.id, "x")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.pin_chat_message(group.id, sent.message_id)
    own = await fake.send_text(alice, group, "/start")
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(group.id, own["message_id"])
    await fake.promote(group, fake.bot_user)
    assert await bot.pin_chat_message(group.id, sent.message_id)
    assert await bot.delete_message(group.id, own["message_id"])


async def test_commands_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    group = fake.add_group("Village", members=[alice])
    fr = [BotCommand("trajet", "Proposer un trajet"), BotCommand("aide", "Aide")]
    await bot.set_my_commands(fr)
    await bot.set_my_commands([BotCommand("ride", "Offer a ride")], language_code="en")
    await bot.set_my_commands([BotCommand("groupe", "x")], scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands([BotCommand("ici", "x")], scope=BotCommandScopeChat(group.id))
    assert fake.commands() == [
        {"command": "trajet", "description": "Proposer un trajet"},
        {"command": "aide", "description": "Aide"},
    ]
    assert fake.commands(language_code="en") == [{"command": "ride", "description": "Offer a ride"}]
    assert fake.commands("all_group_chats") == [{"command": "groupe", "description": "x"}]
    assert fake.commands("chat", chat=group) == [{"command": "ici", "description": "x"}]
    assert fake.commands("all_private_chats") is None
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["ride"]
    assert await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Trajet", "Majuscule interdite")])


async def test_webhook_and_lifecycle_methods(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.add_user("Alice")
    await fake.send_private(alice, "/start")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 1)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    assert await bot.close()
    assert await bot.log_out()
