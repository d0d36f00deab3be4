"""FakeTelegram: the test-side API that builds the world and acts as users would.

Setup (add_user, add_group, add_channel) is synchronous: nothing is delivered. Everything a
user does is async: it queues the updates Telegram would send and wakes the bot's long poll
(or the pusher, when the bot has set a webhook).
A misuse that Telegram's apps would not allow (pressing a button that is not on the message,
writing in a group one is not a member of) raises AssertionError, failing the test at once.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from .server import FakeBotServer
from .spec import JsonDict
from .state import TINY_PNG, CallbackQueryState, FakeChat, FakeUser, Member
from .text import detect_entities

ChatRef = FakeChat | FakeUser | int
MessageRef = JsonDict | int


class FakeTelegram(FakeBotServer):
    """The fake Telegram: an HTTP server for the bot, and this API for the test (README.md)."""

    # ------------------------------------------------------------------------------- setup

    @property
    def bot_user(self) -> FakeUser:
        return self.world.bot

    def add_user(
        self,
        first_name: str,
        username: str | None = None,
        *,
        language_code: str | None = "fr",
        started: bool = True,
        last_name: str | None = None,
    ) -> FakeUser:
        """A user. started=False: they never opened the bot, so DMs to them fail with 403
        until they send /start in private."""
        return self.world.add_user(
            first_name,
            username,
            language_code=language_code,
            started=started,
            last_name=last_name,
        )

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        creator: FakeUser | None = None,
        supergroup: bool = True,
        username: str | None = None,
        bot_status: str | None = "member",
    ) -> FakeChat:
        """A group (supergroup by default) whose members are already there (no updates).

        creator defaults to the first admin, else the first member. bot_status: "member",
        "administrator", or None for a group the bot is not in yet (then add_bot_to_group).
        """
        w = self.world
        members, admins = list(members), list(admins)
        creator = creator or (admins[0] if admins else members[0] if members else None)
        chat = w.new_chat("supergroup" if supergroup else "group", title, username)
        for user in members:
            w.set_member(chat, user, "member")
        for user in admins:
            w.set_member(chat, user, "administrator")
        if creator is not None:
            w.set_member(chat, creator, "creator")
        if bot_status is not None:
            if bot_status not in ("member", "administrator"):
                raise ValueError("bot_status must be 'member', 'administrator' or None")
            w.set_member(chat, w.bot, bot_status)
        return chat

    def add_channel(
        self, title: str, *, username: str | None = None, bot_status: str | None = "administrator"
    ) -> FakeChat:
        """A channel; the bot receives its posts only as an administrator."""
        w = self.world
        chat = w.new_chat("channel", title, username)
        if bot_status is not None:
            w.set_member(chat, w.bot, bot_status)
        return chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        return self.world.private_chat(user)

    def chat(self, ref: ChatRef) -> FakeChat:
        """The FakeChat for a chat id, a FakeChat or a user (their private chat)."""
        if isinstance(ref, FakeChat):
            return ref
        if isinstance(ref, FakeUser):
            return self.world.private_chat(ref)
        chat = self.world.chats.get(ref)
        if chat is None:
            user = self.world.users.get(ref)
            if user is None:
                raise KeyError(f"no chat {ref}")
            chat = self.world.private_chat(user)
        return chat

    def user(self, user_id: int) -> FakeUser:
        return self.world.users[user_id]

    # ----------------------------------------------------------------------- membership

    def _member_change(
        self,
        chat: FakeChat,
        user: FakeUser,
        status: str,
        by: FakeUser,
        rights: dict[str, bool] | None = None,
    ) -> None:
        """Change a status and queue the ChatMemberUpdated Telegram sends: my_chat_member for
        the bot; chat_member for others, only to a bot that is an administrator there (and
        only delivered if the bot asked for chat_member in allowed_updates)."""
        w = self.world
        old = w.member_object(chat, user)
        w.set_member(chat, user, status, rights)
        update = w.chat_member_updated(chat, by, old, w.member_object(chat, user))
        if user is w.bot:
            w.emit("my_chat_member", update)
        elif chat.status_of(w.bot.id) in ("creator", "administrator"):
            w.emit("chat_member", update)

    def _service_message(self, chat: FakeChat, by: FakeUser, content: JsonDict) -> JsonDict:
        w = self.world
        msg = w.new_message(chat, content, sender=by)
        if w.bot_receives(chat, msg, service=True):
            w.emit("message", msg)
        return copy.deepcopy(msg)

    def _require_group(self, chat: FakeChat) -> None:
        if not chat.is_group:
            raise AssertionError(f"chat {chat.id} is a {chat.type}, not a group")
        if chat.migrated_to is not None:
            raise AssertionError(f"group {chat.id} was migrated to {chat.migrated_to}")

    def _admin_of(self, chat: FakeChat) -> FakeUser:
        for m in chat.members.values():
            if m.status == "creator":
                return m.user
        for m in chat.members.values():
            if m.status == "administrator" and m.user is not self.world.bot:
                return m.user
        return self.world.anonymous_admin

    async def add_bot_to_group(
        self, chat: FakeChat, by: FakeUser, *, as_admin: bool = False
    ) -> JsonDict:
        """`by` adds the bot: my_chat_member (left -> member/administrator), then the service
        message with new_chat_members (returned)."""
        self._require_group(chat)
        w = self.world
        if chat.is_member(w.bot.id):
            raise AssertionError(f"the bot is already in {chat.title!r}")
        self._require_in(chat, by)
        self._member_change(chat, w.bot, "administrator" if as_admin else "member", by)
        msg = self._service_message(chat, by, {"new_chat_members": [w.bot.to_dict()]})
        await self._changed()
        return msg

    async def remove_bot_from_group(
        self, chat: FakeChat, by: FakeUser, *, ban: bool = False
    ) -> JsonDict:
        """`by` removes the bot: my_chat_member (-> left, or kicked with ban=True), then the
        left_chat_member service message. Later sends to the group get 403."""
        self._require_group(chat)
        w = self.world
        if not chat.is_member(w.bot.id):
            raise AssertionError(f"the bot is not in {chat.title!r}")
        self._member_change(chat, w.bot, "kicked" if ban else "left", by)
        msg = w.new_message(chat, {"left_chat_member": w.bot.to_dict()}, sender=by)
        w.emit("message", msg)
        await self._changed()
        return copy.deepcopy(msg)

    async def add_member(
        self, chat: FakeChat, user: FakeUser, *, by: FakeUser | None = None
    ) -> JsonDict:
        """`user` joins (by=None: by link) or is added by `by`: chat_member update (if the bot
        is an admin) and the new_chat_members service message (returned)."""
        self._require_group(chat)
        if chat.is_member(user.id):
            raise AssertionError(f"{user.full_name} is already in {chat.title!r}")
        actor = by or user
        self._member_change(chat, user, "member", actor)
        msg = self._service_message(chat, actor, {"new_chat_members": [user.to_dict()]})
        await self._changed()
        return msg

    async def remove_member(
        self,
        chat: FakeChat,
        user: FakeUser,
        *,
        by: FakeUser | None = None,
        ban: bool = False,
    ) -> JsonDict:
        """`user` leaves (by=None) or is removed by `by` (ban=True: kicked, i.e. banned)."""
        self._require_group(chat)
        if not chat.is_member(user.id):
            raise AssertionError(f"{user.full_name} is not in {chat.title!r}")
        actor = by or user
        self._member_change(chat, user, "kicked" if ban else "left", actor)
        msg = self._service_message(chat, actor, {"left_chat_member": user.to_dict()})
        await self._changed()
        return msg

    async def promote(
        self,
        chat: FakeChat,
        user: FakeUser,
        *,
        by: FakeUser | None = None,
        rights: dict[str, bool] | None = None,
    ) -> None:
        """Make `user` (or the bot: fake.bot_user) an administrator; no service message, as in
        Telegram. `rights` overrides ChatMemberAdministrator flags (can_delete_messages...)."""
        self._require_group(chat)
        self._require_in(chat, user)
        self._member_change(chat, user, "administrator", by or self._admin_of(chat), rights)
        await self._changed()

    async def demote(self, chat: FakeChat, user: FakeUser, *, by: FakeUser | None = None) -> None:
        self._require_group(chat)
        if chat.status_of(user.id) != "administrator":
            raise AssertionError(f"{user.full_name} is not an administrator of {chat.title!r}")
        self._member_change(chat, user, "member", by or self._admin_of(chat))
        await self._changed()

    async def migrate_to_supergroup(
        self, chat: FakeChat, *, by: FakeUser | None = None
    ) -> FakeChat:
        """Upgrade a basic group: a migrate_to_chat_id message in the old chat, a
        migrate_from_chat_id one in the new supergroup (returned). Sends to the old id then
        get 400 "group chat was upgraded to a supergroup chat" with migrate_to_chat_id."""
        if chat.type != "group":
            raise AssertionError("only basic groups migrate to supergroups")
        w = self.world
        actor = by or self._admin_of(chat)
        new = w.new_chat("supergroup", chat.title, None)
        for uid, m in chat.members.items():
            new.members[uid] = Member(m.user, m.status, dict(m.rights), m.until_date)
        self._service_message(chat, actor, {"migrate_to_chat_id": new.id})
        chat.migrated_to = new.id
        new.migrated_from = chat.id
        self._service_message(new, actor, {"migrate_from_chat_id": chat.id})
        await self._changed()
        return new

    async def block_bot(self, user: FakeUser) -> None:
        """`user` blocks the bot: my_chat_member in their private chat (member -> kicked);
        DMs then fail with 403 "bot was blocked by the user"."""
        if user.blocked:
            raise AssertionError(f"{user.full_name} already blocked the bot")
        self._set_blocked(user, True)
        await self._changed()

    async def unblock_bot(self, user: FakeUser) -> None:
        if not user.blocked:
            raise AssertionError(f"{user.full_name} has not blocked the bot")
        self._set_blocked(user, False)
        await self._changed()

    def _set_blocked(self, user: FakeUser, blocked: bool) -> None:
        chat = self.world.private_chat(user)
        self._member_change(chat, self.world.bot, "kicked" if blocked else "member", user)
        user.blocked = blocked

    def _require_in(self, chat: FakeChat, user: FakeUser) -> None:
        if not chat.is_member(user.id):
            raise AssertionError(
                f"{user.full_name} is not a member of {chat.title!r} "
                f"(status {chat.status_of(user.id)})"
            )

    # ------------------------------------------------------------------------ messages

    def _target(self, user: FakeUser, chat: FakeChat | None) -> FakeChat:
        chat = chat or self.world.private_chat(user)
        if chat.migrated_to is not None:
            raise AssertionError(f"group {chat.id} was migrated to {chat.migrated_to}")
        if chat.type == "private":
            if chat.user is not user:
                raise AssertionError(f"{user.full_name} cannot write in another user's DM")
        elif chat.type == "channel":
            raise AssertionError("users do not write in channels; use channel_post()")
        else:
            self._require_in(chat, user)
        return chat

    def _reply_to(self, chat: FakeChat, reply_to: MessageRef | None) -> JsonDict | None:
        if reply_to is None:
            return None
        message_id = reply_to if isinstance(reply_to, int) else reply_to["message_id"]
        msg = chat.messages.get(message_id)
        if msg is None:
            raise AssertionError(f"no message {message_id} in chat {chat.id} to reply to")
        return msg

    def _open_private(self, user: FakeUser, chat: FakeChat, text: str | None) -> None:
        """Private chats: only /start (the START / RESTART button) opens or unblocks one."""
        if chat.type != "private" or (user.started and not user.blocked):
            return
        if not (text or "").startswith("/start"):
            state = "blocked the bot" if user.blocked else "never started the bot"
            raise AssertionError(
                f"{user.full_name} {state}: Telegram's apps only let them send /start"
            )
        if user.blocked:
            self._set_blocked(user, False)
        user.started = True

    async def _user_message(
        self,
        user: FakeUser,
        chat: FakeChat,
        content: JsonDict,
        reply_to: MessageRef | None,
        *,
        sender: FakeUser | None = None,
        sender_chat: FakeChat | None = None,
    ) -> JsonDict:
        w = self.world
        reply = self._reply_to(chat, reply_to)
        msg = w.new_message(
            chat, content, sender=sender or user, sender_chat=sender_chat, reply_to=reply
        )
        if w.bot_receives(chat, msg):
            w.emit("message", msg)
        await self._changed()
        return copy.deepcopy(msg)

    async def send_text(
        self,
        user: FakeUser,
        chat: FakeChat | None,
        text: str,
        *,
        reply_to: MessageRef | None = None,
        entities: list[JsonDict] | None = None,
    ) -> JsonDict:
        """`user` sends `text` in `chat` (None: their private chat with the bot). Entities are
        detected as Telegram does (bot_command for /cmd and /cmd@bot, mention for @username,
        UTF-16 offsets) unless given. Returns the message; the bot gets it unless privacy mode
        hides it (group text that is neither a command nor a reply to the bot)."""
        target = self._target(user, chat)
        self._open_private(user, target, text)
        content = {
            "text": text,
            "entities": detect_entities(text) if entities is None else entities,
        }
        return await self._user_message(user, target, content, reply_to)

    async def send_private(self, user: FakeUser, text: str, **kwargs: Any) -> JsonDict:
        """send_text in `user`'s private chat with the bot."""
        return await self.send_text(user, None, text, **kwargs)

    async def send_photo(
        self,
        user: FakeUser,
        chat: FakeChat | None,
        *,
        caption: str | None = None,
        data: bytes = TINY_PNG,
        reply_to: MessageRef | None = None,
    ) -> JsonDict:
        """`user` sends a picture (PNG/JPEG bytes); PhotoSize list and file ids generated."""
        target = self._target(user, chat)
        self._open_private(user, target, None)
        content: JsonDict = {"photo": self.world.store_photo(data)}
        if caption:
            content["caption"] = caption
            content["caption_entities"] = detect_entities(caption)
        return await self._user_message(user, target, content, reply_to)

    async def send_document(
        self,
        user: FakeUser,
        chat: FakeChat | None,
        *,
        data: bytes = b"%PDF-1.4\n%fake\n",
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: MessageRef | None = None,
    ) -> JsonDict:
        target = self._target(user, chat)
        self._open_private(user, target, None)
        stored = self.world.store_document(data, file_name, mime_type)
        content: JsonDict = {"document": self.world.document_object(stored)}
        if caption:
            content["caption"] = caption
            content["caption_entities"] = detect_entities(caption)
        return await self._user_message(user, target, content, reply_to)

    async def send_as_chat(self, chat: FakeChat, text: str) -> JsonDict:
        """An anonymous administrator writes: from = GroupAnonymousBot, sender_chat = the
        group."""
        self._require_group(chat)
        content = {"text": text, "entities": detect_entities(text)}
        w = self.world
        return await self._user_message(
            w.anonymous_admin, chat, content, None, sender=w.anonymous_admin, sender_chat=chat
        )

    async def channel_post(self, channel: FakeChat, text: str) -> JsonDict:
        if channel.type != "channel":
            raise AssertionError(f"chat {channel.id} is not a channel")
        w = self.world
        content = {"text": text, "entities": detect_entities(text)}
        msg = w.new_message(channel, content, sender=None, sender_chat=channel)
        if w.bot_receives(channel, msg):
            w.emit("channel_post", msg)
        await self._changed()
        return copy.deepcopy(msg)

    def _stored(
        self, message: MessageRef, chat: ChatRef | None = None
    ) -> tuple[FakeChat, JsonDict]:
        if isinstance(message, int):
            if chat is None:
                raise TypeError("pass chat= with a bare message_id")
            target, message_id = self.chat(chat), message
        else:
            target, message_id = self.chat(message["chat"]["id"]), message["message_id"]
        stored = target.messages.get(message_id)
        if stored is None:
            state = "was deleted" if message_id in target.deleted else "does not exist"
            raise AssertionError(f"message {message_id} in chat {target.id} {state}")
        return target, stored

    async def edit_text(self, message: JsonDict, new_text: str) -> JsonDict:
        """The author edits their message: edited_message (edited_channel_post) update."""
        chat, stored = self._stored(message)
        if "text" not in stored:
            raise AssertionError("only text messages can be edited with edit_text")
        if stored.get("from", {}).get("id") == self.world.bot.id:
            raise AssertionError("that message is the bot's; users edit their own")
        stored["text"] = new_text
        stored["entities"] = detect_entities(new_text)
        if not stored["entities"]:
            del stored["entities"]
        stored["edit_date"] = self.world.now()
        if self.world.bot_receives(chat, stored):
            kind = "edited_channel_post" if chat.type == "channel" else "edited_message"
            self.world.emit(kind, stored)
        await self._changed()
        return copy.deepcopy(stored)

    async def press_button(
        self,
        user: FakeUser,
        message: MessageRef,
        callback_data: str | None = None,
        *,
        text: str | None = None,
        chat: ChatRef | None = None,
    ) -> str:
        """`user` presses the inline button with `callback_data` (or labelled `text`) on
        `message` as the fake stores it now (after edits). Fails the test if there is no
        such button. Returns the callback query id; see callback_answer()."""
        if (callback_data is None) == (text is None):
            raise TypeError("pass exactly one of callback_data or text=")
        target, stored = self._stored(message, chat)
        if target.type == "private":
            if target.user is not user:
                raise AssertionError(f"{user.full_name} cannot see another user's DM")
        elif not target.is_member(user.id):
            raise AssertionError(f"{user.full_name} is not a member of {target.title!r}")
        buttons = [
            b for row in stored.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        button = next(
            (
                b
                for b in buttons
                if (callback_data is not None and b.get("callback_data") == callback_data)
                or (text is not None and b.get("text") == text and "callback_data" in b)
            ),
            None,
        )
        if button is None:
            wanted = f"callback_data {callback_data!r}" if text is None else f"text {text!r}"
            shown = [(b.get("text"), b.get("callback_data")) for b in buttons]
            raise AssertionError(
                f"no inline button with {wanted} on message {stored['message_id']} in chat "
                f"{target.id}; its buttons (text, callback_data): {shown}"
            )
        return await self._emit_callback(user, target, stored, button["callback_data"])

    async def forge_callback(
        self, user: FakeUser, message: MessageRef, data: str, *, chat: ChatRef | None = None
    ) -> str:
        """A modified client sends `data` as if a button of `message` carried it: Telegram
        checks that the user sees the message, not that such a button exists. Returns the
        callback query id."""
        target, stored = self._stored(message, chat)
        if target.type == "private" and target.user is not user:
            raise AssertionError(f"{user.full_name} cannot see another user's DM")
        if target.type != "private" and not target.is_member(user.id):
            raise AssertionError(f"{user.full_name} is not a member of {target.title!r}")
        return await self._emit_callback(user, target, stored, data)

    async def _emit_callback(
        self, user: FakeUser, target: FakeChat, stored: JsonDict, data: str
    ) -> str:
        w = self.world
        query_id = str(w.rng.randrange(10**17, 10**19))
        query: JsonDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(stored),
            "chat_instance": target.chat_instance,
            "data": data,
        }
        w.callback_queries[query_id] = CallbackQueryState(query)
        w.emit("callback_query", query)
        await self._changed()
        return query_id

    async def send_raw_update(self, update: JsonDict, *, validate: bool = True) -> JsonDict:
        """Queue any update (update_id filled in if missing); validated against the spec
        unless validate=False."""
        queued = self.world.push_raw_update(update, validate=validate)
        await self._changed()
        return copy.deepcopy(queued)

    # ---------------------------------------------------------------------- inspection

    def messages_in(self, chat: ChatRef) -> list[JsonDict]:
        """What the chat shows now (deleted messages gone, edits applied), oldest first."""
        return copy.deepcopy(list(self.chat(chat).messages.values()))

    def message(self, chat: ChatRef, message_id: int) -> JsonDict | None:
        msg = self.chat(chat).messages.get(message_id)
        return copy.deepcopy(msg) if msg else None

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat: ChatRef | None = None,
        user: FakeUser | None = None,
    ) -> list[JsonDict] | None:
        """The commands the bot set for that scope and language (None if never set)."""
        chat_id = self.chat(chat).id if chat is not None else None
        key = ((scope_type, chat_id, user.id if user else None), language_code)
        found = self.world.commands.get(key)
        return copy.deepcopy(found) if found is not None else None

    def callback_answer(self, query_id: str) -> JsonDict | None:
        """How the bot answered a callback query (text, show_alert...), None if not yet."""
        state = self.world.callback_queries[query_id]
        return copy.deepcopy(state.answer) if state.answered else None

    def file_bytes(self, file_id: str) -> bytes:
        return self.world.files[file_id].data

    def member_status(self, chat: FakeChat, user: FakeUser) -> str:
        return chat.status_of(user.id)

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates emitted and not yet confirmed by the bot."""
        return copy.deepcopy(self.world.updates)


@asynccontextmanager
async def running_fake(**kwargs: Any) -> AsyncIterator[FakeTelegram]:
    """A started FakeTelegram; stopped at the end, failing if it saw protocol errors.

    In a conftest:  `async with running_fake() as fake: yield fake`.
    """
    fake = FakeTelegram(**kwargs)
    await fake.start()
    try:
        yield fake
    except BaseException:
        await fake.stop(check=False)
        raise
    await fake.stop()
