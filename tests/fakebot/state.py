"""The fake's world: users, chats, memberships, messages, files, the update queue.

Plain synchronous data; the HTTP side (methods.py) and the test side (fake.py) both change
it, and server.py wakes whoever waits after each change. Objects handed out are deep copies,
so a test holding a message dict never sees (or causes) later changes behind its back.
"""

from __future__ import annotations

import copy
import mimetypes
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from .spec import JsonDict, Spec
from .text import leading_command

# The user Telegram puts in `from` of messages sent by anonymous group admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824

IN_CHAT = ("creator", "administrator", "member", "restricted")

# Default `allowed_updates`: every kind except those Telegram only sends on request.
ON_REQUEST_ONLY = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Flags given to an administrator (promoted user or bot) unless a test says otherwise.
DEFAULT_ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_change_info": True,
    "can_invite_users": True,
    "can_pin_messages": True,
}

_FILE_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# A valid 1x1 PNG, the default picture users send.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5e2f4d60000000049454e44ae426082"
)


@dataclass(eq=False)
class FakeUser:
    """A Telegram user (or the bot itself). `started`: has a private chat with the bot, so the
    bot may DM them; `blocked`: has blocked the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = False
    blocked: bool = False

    def to_dict(self) -> JsonDict:
        d: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code and not self.is_bot:
            d["language_code"] = self.language_code
        return d

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(eq=False)
class Webhook:
    """What setWebhook registered. A new object at every setWebhook, so the pusher can tell
    that the bot set it again (a restart) and retry at once."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(eq=False)
class Member:
    user: FakeUser
    status: str  # creator | administrator | member | restricted | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)  # administrators only
    until_date: int = 0


@dataclass(eq=False)
class FakeChat:
    """A chat. Private chats have id == the user's id; basic groups small negative ids;
    supergroups and channels -100... ids, as in Telegram."""

    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None  # the other party of a private chat
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, JsonDict] = field(default_factory=dict)
    deleted: dict[int, JsonDict] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    next_message_id: int = 1
    migrated_to: int | None = None
    migrated_from: int | None = None
    chat_instance: str = ""

    def to_dict(self) -> JsonDict:
        d: JsonDict = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            d["first_name"] = self.user.first_name
            if self.user.last_name:
                d["last_name"] = self.user.last_name
            if self.user.username:
                d["username"] = self.user.username
        else:
            d["title"] = self.title or ""
            if self.username and self.type != "group":
                d["username"] = self.username
        return d

    def status_of(self, user_id: int) -> str:
        member = self.members.get(user_id)
        return member.status if member else "left"

    def is_member(self, user_id: int) -> bool:
        return self.status_of(user_id) in IN_CHAT

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # photo | document
    data: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class CallbackQueryState:
    query: JsonDict
    answered: bool = False
    answer: JsonDict | None = None


CommandScopeKey = tuple[str, int | None, int | None]  # (type, chat_id, user_id)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, None if `data` is neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return (int(width), int(height)) if width and height else None
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return (int(width), int(height)) if width and height else None
            i += 2 + length
        return (1280, 960)  # a JPEG whose size we could not find: a plausible one
    if data[:6] in (b"GIF87a", b"GIF89a") or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return (1280, 960)
    return None


class World:
    def __init__(
        self,
        spec: Spec,
        *,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        privacy_mode: bool,
        clock: Callable[[], float],
        seed: int,
    ) -> None:
        self.spec = spec
        self.clock = clock
        self.rng = random.Random(seed)
        self.privacy_mode = privacy_mode
        self.bot = FakeUser(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.anonymous_admin = FakeUser(
            GROUP_ANONYMOUS_BOT_ID, "Group", username="GroupAnonymousBot", is_bot=True
        )
        self.users: dict[int, FakeUser] = {
            self.bot.id: self.bot,
            self.anonymous_admin.id: self.anonymous_admin,
        }
        self.chats: dict[int, FakeChat] = {}
        self.files: dict[str, StoredFile] = {}
        self.updates: list[JsonDict] = []  # emitted, not yet confirmed by an offset
        self.next_update_id = 1000
        update_kinds = [f for f in spec.types["Update"].fields if f != "update_id"]
        self.all_update_kinds = frozenset(update_kinds)
        self.default_allowed = self.all_update_kinds - ON_REQUEST_ONLY
        self.allowed_updates: frozenset[str] = self.default_allowed
        self.webhook: Webhook | None = None  # set: updates are pushed, getUpdates is refused
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self.commands: dict[tuple[CommandScopeKey, str], list[JsonDict]] = {}
        # Every file_id of an uploaded picture -> all its sizes (to resend it by file_id).
        self.photo_sets: dict[str, list[JsonDict]] = {}
        self._next_user_id = 200_000_001
        self._next_group = 1
        self._next_supergroup = 1
        self._next_file = 1

    def now(self) -> int:
        return int(self.clock())

    # --------------------------------------------------------------------------- registries

    def add_user(
        self,
        first_name: str,
        username: str | None,
        *,
        language_code: str | None,
        started: bool,
        last_name: str | None,
        is_bot: bool = False,
    ) -> FakeUser:
        if username is not None and self.user_by_username(username) is not None:
            raise ValueError(f"username @{username} is taken")
        user = FakeUser(
            self._next_user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_bot=is_bot,
            started=started,
        )
        self._next_user_id += 1
        self.users[user.id] = user
        return user

    def user_by_username(self, username: str) -> FakeUser | None:
        name = username.lstrip("@").lower()
        return next((u for u in self.users.values() if (u.username or "").lower() == name), None)

    def new_chat(self, chat_type: str, title: str | None, username: str | None) -> FakeChat:
        if chat_type == "group":
            chat_id = -(4_000_000_000 + self._next_group)
            self._next_group += 1
        else:
            chat_id = -(1_002_000_000_000 + self._next_supergroup)
            self._next_supergroup += 1
        chat = FakeChat(chat_id, chat_type, title=title, username=username)
        chat.chat_instance = str(self.rng.randrange(-(2**62), 2**62))
        self.chats[chat.id] = chat
        return chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = FakeChat(user.id, "private", user=user)
            chat.members[user.id] = Member(user, "member")
            chat.members[self.bot.id] = Member(self.bot, "member")
            chat.chat_instance = str(self.rng.randrange(-(2**62), 2**62))
            self.chats[chat.id] = chat
        return chat

    def set_member(
        self, chat: FakeChat, user: FakeUser, status: str, rights: dict[str, bool] | None = None
    ) -> None:
        if status == "administrator":
            rights = {**DEFAULT_ADMIN_RIGHTS, **(rights or {})}
        chat.members[user.id] = Member(user, status, rights or {})

    # ----------------------------------------------------------------------------- objects

    def member_object(self, chat: FakeChat, user: FakeUser) -> JsonDict:
        """The ChatMember object (of the subtype its status calls for)."""
        member = chat.members.get(user.id) or Member(user, "left")
        u = user.to_dict()
        if member.status == "creator":
            return {"status": "creator", "user": u, "is_anonymous": False}
        if member.status == "administrator":
            d = self.spec.defaults("ChatMemberAdministrator")
            known = self.spec.types["ChatMemberAdministrator"].fields
            d.update({k: v for k, v in member.rights.items() if k in known})
            d.update({"status": "administrator", "user": u, "can_be_edited": False})
            if chat.type != "channel":
                # Channel-only flags must not appear in groups.
                for k in ("can_post_messages", "can_edit_messages"):
                    d.pop(k, None)
            return d
        if member.status == "restricted":
            d = self.spec.defaults("ChatMemberRestricted")
            d.update({"status": "restricted", "user": u, "is_member": True})
            d["until_date"] = member.until_date
            return d
        if member.status == "kicked":
            return {"status": "kicked", "user": u, "until_date": member.until_date}
        return {"status": member.status, "user": u}

    def chat_member_updated(
        self, chat: FakeChat, by: FakeUser, old: JsonDict, new: JsonDict
    ) -> JsonDict:
        return {
            "chat": chat.to_dict(),
            "from": by.to_dict(),
            "date": self.now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }

    def full_chat(self, chat: FakeChat) -> JsonDict:
        """The ChatFullInfo getChat returns."""
        d = self.spec.defaults("ChatFullInfo")
        d.update(chat.to_dict())
        d["max_reaction_count"] = 11
        if chat.is_group:
            d["permissions"] = {
                "can_send_messages": True,
                "can_send_photos": True,
                "can_send_documents": True,
                "can_invite_users": True,
                "can_pin_messages": False,
            }
        if chat.pinned and chat.pinned[-1] in chat.messages:
            d["pinned_message"] = self.reply_snapshot(chat.messages[chat.pinned[-1]])
        return d

    @staticmethod
    def reply_snapshot(msg: JsonDict) -> JsonDict:
        """A message as nested in reply_to_message/pinned_message: no further nesting."""
        snap = copy.deepcopy(msg)
        snap.pop("reply_to_message", None)
        snap.pop("pinned_message", None)
        return snap

    # ---------------------------------------------------------------------------- messages

    def new_message(
        self,
        chat: FakeChat,
        content: JsonDict,
        *,
        sender: FakeUser | None,
        sender_chat: FakeChat | None = None,
        reply_to: JsonDict | None = None,
    ) -> JsonDict:
        """Store a new message in `chat` and return it (the stored dict itself)."""
        msg: JsonDict = {"message_id": chat.next_message_id}
        chat.next_message_id += 1
        if sender is not None:
            msg["from"] = sender.to_dict()
        if sender_chat is not None:
            msg["sender_chat"] = sender_chat.to_dict()
        msg["chat"] = chat.to_dict()
        msg["date"] = self.now()
        if reply_to is not None:
            msg["reply_to_message"] = self.reply_snapshot(reply_to)
        msg.update({k: v for k, v in content.items() if v is not None and v != []})
        chat.messages[msg["message_id"]] = msg
        return msg

    def find_message(self, chat: FakeChat, message_id: int) -> JsonDict | None:
        return chat.messages.get(message_id)

    # ----------------------------------------------------------------------------- updates

    def emit(self, kind: str, payload: JsonDict, *, validate: bool = True) -> JsonDict:
        """Queue an update for the bot. Invalid updates are the fake's (or a test's) bug: they
        raise at once instead of confusing the bot."""
        update: JsonDict = {"update_id": self.next_update_id, kind: copy.deepcopy(payload)}
        if validate:
            problems = self.spec.validate_object("Update", update)
            if problems:
                raise AssertionError(
                    "fake Telegram built an invalid Update:\n" + "\n".join(problems)
                )
        self.next_update_id += 1
        self.updates.append(update)
        return update

    def push_raw_update(self, update: JsonDict, *, validate: bool) -> JsonDict:
        update = copy.deepcopy(update)
        update.setdefault("update_id", self.next_update_id)
        if update["update_id"] < self.next_update_id:
            raise ValueError(f"update_id must be >= {self.next_update_id} (ids only increase)")
        if validate:
            problems = self.spec.validate_object("Update", update)
            if problems:
                raise AssertionError("invalid raw Update:\n" + "\n".join(problems))
        self.next_update_id = update["update_id"] + 1
        self.updates.append(update)
        return update

    @staticmethod
    def update_kind(update: JsonDict) -> str:
        return next((k for k in update if k != "update_id"), "")

    def confirm(self, offset: int) -> None:
        """getUpdates offset semantics: ids below `offset` are confirmed and forgotten; a
        negative offset keeps only the last -offset updates."""
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def set_allowed_updates(self, requested: list[str]) -> None:
        """getUpdates' and setWebhook's `allowed_updates`: an empty list means the default
        set, not "nothing"; unknown names are ignored."""
        known = frozenset(requested) & self.all_update_kinds
        self.allowed_updates = known or self.default_allowed

    def deliverable(self, limit: int) -> list[JsonDict]:
        allowed = [u for u in self.updates if self.update_kind(u) in self.allowed_updates]
        return copy.deepcopy(allowed[:limit])

    def bot_receives(self, chat: FakeChat, msg: JsonDict, *, service: bool = False) -> bool:
        """Whether Telegram would deliver `msg` (from a user) to the bot.

        In groups, privacy mode (on for bots by default) limits a non-admin bot to commands
        (/cmd, or /cmd@thisbot but not /cmd@otherbot), replies to its own messages and service
        messages.
        """
        if chat.type == "private":
            return chat.user is not None and chat.user.started and not chat.user.blocked
        status = chat.status_of(self.bot.id)
        if chat.type == "channel":
            return status in ("creator", "administrator")
        if status not in IN_CHAT:
            return False
        if service or not self.privacy_mode or status == "administrator":
            return True
        text = msg.get("text", msg.get("caption"))
        entities = msg.get("entities", msg.get("caption_entities"))
        command = leading_command(text, entities)
        if command is not None:
            _, _, addressee = command.partition("@")
            return not addressee or addressee.lower() == (self.bot.username or "").lower()
        reply = msg.get("reply_to_message")
        return bool(reply and reply.get("from", {}).get("id") == self.bot.id)

    # ------------------------------------------------------------------------------- files

    def _file_ids(self, kind: str) -> tuple[str, str, int]:
        n = self._next_file
        self._next_file += 1
        token = "".join(self.rng.choices(_FILE_ID_ALPHABET, k=12))
        return f"fake-{kind}-{n:06d}-{token}", f"U{kind[:3]}{n:06d}", n

    def store_document(
        self, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        file_id, unique_id, n = self._file_ids("document")
        if not mime_type and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        ext = mimetypes.guess_extension(mime_type or "") or ""
        stored = StoredFile(
            file_id,
            unique_id,
            "document",
            data,
            file_path=f"documents/file_{n}{ext}",
            file_name=file_name,
            mime_type=mime_type or "application/octet-stream",
        )
        self.files[file_id] = stored
        return stored

    def store_photo(self, data: bytes) -> list[JsonDict]:
        """Store an uploaded picture; returns its PhotoSize list (thumbnail first, as Telegram
        orders them), every size with its own file_id."""
        width, height = image_size(data) or (1280, 960)
        sizes: list[tuple[int, int]] = []
        for bound in (90, 320, 800, 1280):
            scale = min(1.0, bound / max(width, height))
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            if size not in sizes:
                sizes.append(size)
            if scale == 1.0:
                break
        out: list[JsonDict] = []
        for w, h in sizes:
            file_id, unique_id, n = self._file_ids("photo")
            self.files[file_id] = StoredFile(
                file_id, unique_id, "photo", data, file_path=f"photos/file_{n}.jpg"
            )
            out.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "file_size": len(data),
                    "width": w,
                    "height": h,
                }
            )
        for photo_size in out:
            self.photo_sets[photo_size["file_id"]] = out
        return copy.deepcopy(out)

    def document_object(self, stored: StoredFile) -> JsonDict:
        d: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            d["file_name"] = stored.file_name
        if stored.mime_type:
            d["mime_type"] = stored.mime_type
        d["file_size"] = len(stored.data)
        return d

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)
