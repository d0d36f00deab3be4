"""The Bot API methods the fake implements (getUpdates, which waits, lives in server.py).

Each handler takes the already coerced parameters and returns the `result`, or raises ApiError
with the status and description Telegram would answer with.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request, forbidden
from .html import HtmlParseError, parse_html
from .markdown import MarkdownParseError, parse_markdown_v2
from .spec import JsonDict, UploadedFile
from .state import IN_CHAT, CommandScopeKey, FakeChat, StoredFile, Webhook, World, image_size

Handler = Callable[[dict[str, Any]], object]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024

# The fields that make an inline button do something; a button needs exactly one.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")
_WEBHOOK_PORTS = (80, 88, 443, 8443)
_NEEDS_HTTPS = "bad webhook: An HTTPS URL must be provided for webhook"
_WEBHOOK_PORT = "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
_ONLY_LOCAL = (
    "bad webhook: the fake Telegram only delivers to this machine (127.0.0.1, ::1 or localhost)"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class BotApi:
    def __init__(self, world: World, *, strict_html: bool) -> None:
        self.w = world
        self.strict_html = strict_html
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.ok,
            "close": self.ok,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "getChatMemberCount": self.get_chat_member_count,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getFile": self.get_file,
            "sendChatAction": self.send_chat_action,
            "leaveChat": self.leave_chat,
            "pinChatMessage": self.pin_chat_message,
            "unpinChatMessage": self.unpin_chat_message,
            "unpinAllChatMessages": self.unpin_all_chat_messages,
        }

    # ----------------------------------------------------------------------------- helpers

    def chat(self, chat_id: int | str) -> FakeChat:
        """Resolve chat_id (an id or "@username") as Telegram would, migration included."""
        w = self.w
        chat: FakeChat | None = None
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            if chat_id.startswith("@"):
                chat = next(
                    (
                        c
                        for c in w.chats.values()
                        if c.type != "private" and (c.username or "").lower() == name
                    ),
                    None,
                )
        else:
            chat = w.chats.get(chat_id)
            user = w.users.get(chat_id)
            if chat is None and user is not None:
                if user.is_bot:
                    raise forbidden("bot can't send messages to bots")
                chat = w.private_chat(user)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", migrate_to_chat_id=chat.migrated_to
            )
        return chat

    def require_access(self, chat: FakeChat, *, write: bool) -> None:
        """403s: DMs to users who never started or blocked the bot; chats the bot is not in."""
        if chat.type == "private":
            user = chat.user
            assert user is not None
            if user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if write and user.blocked:
                raise forbidden("bot was blocked by the user")
            if write and not user.started:
                raise forbidden("bot can't initiate conversation with a user")
            return
        status = chat.status_of(self.w.bot.id)
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if status not in IN_CHAT:
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        if write and chat.type == "channel" and status not in ("creator", "administrator"):
            raise bad_request("need administrator rights in the channel chat")

    def writable_chat(self, chat_id: int | str) -> FakeChat:
        chat = self.chat(chat_id)
        self.require_access(chat, write=True)
        return chat

    def bot_right(self, chat: FakeChat, right: str) -> bool:
        member = chat.members.get(self.w.bot.id)
        if member is None:
            return False
        return member.status == "creator" or (
            member.status == "administrator" and member.rights.get(right, False)
        )

    def format_text(
        self,
        text: str,
        parse_mode: str | None,
        entities: list[JsonDict] | None,
        *,
        caption: bool,
    ) -> tuple[str, list[JsonDict]]:
        if parse_mode:
            mode = parse_mode.lower()
            try:
                if mode == "html":
                    text, entities = parse_html(
                        text,
                        strict_ampersand=self.strict_html,
                        lookup_user=self._user_dict,
                    )
                elif mode == "markdownv2":
                    text, entities = parse_markdown_v2(text)
                else:
                    # Legacy "Markdown" is deprecated; the fake does not model it.
                    raise bad_request(f"unsupported parse_mode {parse_mode!r} (fake: use HTML)")
            except (HtmlParseError, MarkdownParseError) as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        entities = entities or []
        if caption:
            if len(text) > MAX_CAPTION:
                raise bad_request("message caption is too long")
        else:
            if not text.strip():
                raise bad_request("message text is empty")
            # Telegram counts the limit in characters (code points), not UTF-16 units.
            if len(text) > MAX_TEXT:
                raise bad_request("message is too long")
        return text, entities

    def _user_dict(self, user_id: int) -> JsonDict | None:
        user = self.w.users.get(user_id)
        return user.to_dict() if user else None

    def inline_markup(self, markup: JsonDict | None) -> JsonDict | None:
        """Validate reply_markup; return what a Message shows (only inline keyboards)."""
        if markup is None or "inline_keyboard" not in markup:
            return None
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                actions = [k for k in _BUTTON_ACTIONS if k in button]
                if not actions:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"(https?|tg)://\S+$", url):
                    raise bad_request("BUTTON_URL_INVALID")
        return {"inline_keyboard": copy.deepcopy(markup["inline_keyboard"])}

    def reply_target(self, chat: FakeChat, params: dict[str, Any]) -> JsonDict | None:
        rp: JsonDict | None = params.get("reply_parameters")
        if rp is None:
            return None
        target_chat = chat if rp.get("chat_id") is None else self.chat(rp["chat_id"])
        msg = target_chat.messages.get(rp["message_id"]) if target_chat is chat else None
        if msg is None and not rp.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return msg

    def bot_message(self, chat: FakeChat, content: JsonDict, params: dict[str, Any]) -> JsonDict:
        markup = self.inline_markup(params.get("reply_markup"))
        reply_to = self.reply_target(chat, params)
        content = {**content, "reply_markup": markup}
        if params.get("protect_content"):
            content["has_protected_content"] = True
        if chat.type == "channel":
            msg = self.w.new_message(chat, content, sender=None, sender_chat=chat)
        else:
            msg = self.w.new_message(chat, content, sender=self.w.bot, reply_to=reply_to)
        return copy.deepcopy(msg)

    def stored_message(self, chat: FakeChat, message_id: int | None, missing: str) -> JsonDict:
        if message_id is None:
            raise bad_request("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None:
            raise bad_request(missing)
        return msg

    def file_by_id(self, file_id: str, kind: str) -> StoredFile:
        if file_id.startswith(("http://", "https://")):
            # No internet here, and tests should not depend on it.
            raise bad_request("failed to get HTTP URL content")
        stored = self.w.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def edit_target(self, params: dict[str, Any]) -> tuple[FakeChat, JsonDict]:
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")  # the fake has no inline messages
        if params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        chat = self.writable_chat(params["chat_id"])
        msg = self.stored_message(chat, params.get("message_id"), "message to edit not found")
        if msg.get("from", {}).get("id") != self.w.bot.id and not (
            chat.type == "channel" and "from" not in msg
        ):
            raise bad_request("message can't be edited")
        return chat, msg

    @staticmethod
    def ok(params: dict[str, Any]) -> bool:
        return True

    # ------------------------------------------------------------------------------ methods

    def get_me(self, params: dict[str, Any]) -> JsonDict:
        return {
            **self.w.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.w.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def set_webhook(self, params: dict[str, Any]) -> bool:
        url: str = params["url"]
        secret = params.get("secret_token") or None  # empty: none, as in Telegram
        if secret is not None:
            if len(secret) > 256:
                raise bad_request("secret token is too long")
            if not _SECRET_TOKEN.fullmatch(secret):
                raise bad_request("secret token contains unallowed characters")
        if url:
            _check_webhook_url(url, params.get("ip_address"))
        w = self.w
        if params.get("drop_pending_updates"):
            w.updates.clear()
        if "allowed_updates" in params:
            w.set_allowed_updates(params["allowed_updates"])
        # An empty URL removes the webhook, as deleteWebhook does.
        w.webhook = (
            Webhook(
                url,
                secret,
                max_connections=params.get("max_connections", 40),
                ip_address=params.get("ip_address"),
                has_custom_certificate=isinstance(params.get("certificate"), UploadedFile),
            )
            if url
            else None
        )
        return True

    def delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self.w.updates.clear()
        self.w.webhook = None
        return True

    def get_webhook_info(self, params: dict[str, Any]) -> JsonDict:
        w = self.w
        pending = sum(1 for u in w.updates if w.update_kind(u) in w.allowed_updates)
        hook = w.webhook
        if hook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        # Like Telegram, the secret token is never shown (fake.webhook has it for tests).
        info: JsonDict = {
            "url": hook.url,
            "has_custom_certificate": hook.has_custom_certificate,
            "pending_update_count": pending,
            "max_connections": hook.max_connections,
            "allowed_updates": sorted(w.allowed_updates),
        }
        optional = {
            "ip_address": hook.ip_address,
            "last_error_date": hook.last_error_date,
            "last_error_message": hook.last_error_message,
        }
        info.update({k: v for k, v in optional.items() if v is not None})
        return info

    def send_message(self, params: dict[str, Any]) -> JsonDict:
        chat = self.writable_chat(params["chat_id"])
        text, entities = self.format_text(
            params["text"], params.get("parse_mode"), params.get("entities"), caption=False
        )
        return self.bot_message(chat, {"text": text, "entities": entities}, params)

    def _caption(self, params: dict[str, Any]) -> JsonDict:
        if params.get("caption") is None:
            return {}
        caption, entities = self.format_text(
            params["caption"],
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        return {"caption": caption or None, "caption_entities": entities}

    def send_photo(self, params: dict[str, Any]) -> JsonDict:
        chat = self.writable_chat(params["chat_id"])
        caption = self._caption(params)
        photo = params["photo"]
        if isinstance(photo, UploadedFile):
            if image_size(photo.data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            sizes = self.w.store_photo(photo.data)
        else:
            stored = self.file_by_id(photo, "photo")
            sizes = copy.deepcopy(self.w.photo_sets[stored.file_id])
        return self.bot_message(chat, {"photo": sizes, **caption}, params)

    def send_document(self, params: dict[str, Any]) -> JsonDict:
        chat = self.writable_chat(params["chat_id"])
        caption = self._caption(params)
        doc = params["document"]
        if isinstance(doc, UploadedFile):
            if not doc.data:
                raise bad_request("file must be non-empty")
            stored = self.w.store_document(doc.data, doc.filename, doc.content_type)
        else:
            stored = self.file_by_id(doc, "document")
        document = self.w.document_object(stored)
        return self.bot_message(chat, {"document": document, **caption}, params)

    def edit_message_text(self, params: dict[str, Any]) -> JsonDict:
        _, msg = self.edit_target(params)
        if params.get("text") is None:
            raise bad_request("message text is empty")
        if "text" not in msg:
            raise bad_request("there is no text in the message to edit")
        text, entities = self.format_text(
            params["text"], params.get("parse_mode"), params.get("entities"), caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self.inline_markup(params.get("reply_markup"))
        if (
            msg["text"] == text
            and msg.get("entities", []) == entities
            and msg.get("reply_markup") == markup
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        msg["text"] = text
        _set_or_drop(msg, "entities", entities)
        _set_or_drop(msg, "reply_markup", markup)
        msg["edit_date"] = self.w.now()
        return copy.deepcopy(msg)

    def edit_message_reply_markup(self, params: dict[str, Any]) -> JsonDict:
        _, msg = self.edit_target(params)
        markup = self.inline_markup(params.get("reply_markup"))
        if msg.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        _set_or_drop(msg, "reply_markup", markup)
        msg["edit_date"] = self.w.now()
        return copy.deepcopy(msg)

    def delete_message(self, params: dict[str, Any]) -> bool:
        chat = self.writable_chat(params["chat_id"])
        msg = self.stored_message(chat, params["message_id"], "message to delete not found")
        own = msg.get("from", {}).get("id") == self.w.bot.id
        if not own and chat.type != "private" and not self.bot_right(chat, "can_delete_messages"):
            raise bad_request("message can't be deleted")
        chat.deleted[msg["message_id"]] = chat.messages.pop(msg["message_id"])
        return True

    def answer_callback_query(self, params: dict[str, Any]) -> bool:
        state = self.w.callback_queries.get(params["callback_query_id"])
        if state is None or state.answered:
            raise bad_request(_QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        state.answered = True
        state.answer = {
            k: params[k] for k in ("text", "show_alert", "url", "cache_time") if k in params
        }
        return True

    def get_chat(self, params: dict[str, Any]) -> JsonDict:
        chat = self.chat(params["chat_id"])
        self.require_access(chat, write=False)
        return self.w.full_chat(chat)

    def get_chat_member(self, params: dict[str, Any]) -> JsonDict:
        chat = self.chat(params["chat_id"])
        self.require_access(chat, write=False)
        user = self.w.users.get(params["user_id"])
        if user is None:
            raise bad_request("user not found")
        if chat.type == "private" and user.id not in chat.members:
            raise bad_request("user not found")
        return self.w.member_object(chat, user)

    def get_chat_administrators(self, params: dict[str, Any]) -> list[JsonDict]:
        chat = self.chat(params["chat_id"])
        self.require_access(chat, write=False)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self.w.member_object(chat, m.user)
            for m in chat.members.values()
            if m.status in ("creator", "administrator")
            and (not m.user.is_bot or m.user is self.w.bot or params.get("return_bots"))
        ]

    def get_chat_member_count(self, params: dict[str, Any]) -> int:
        chat = self.chat(params["chat_id"])
        self.require_access(chat, write=False)
        return sum(1 for m in chat.members.values() if m.status in IN_CHAT)

    def _scope_key(self, params: dict[str, Any]) -> tuple[CommandScopeKey, str]:
        scope: JsonDict = params.get("scope") or {"type": "default"}
        chat_id: int | None = None
        if "chat_id" in scope and scope["type"] in ("chat", "chat_administrators", "chat_member"):
            chat_id = self.chat(scope["chat_id"]).id
        user_id = scope.get("user_id") if scope["type"] == "chat_member" else None
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("LANG_CODE_INVALID")
        return (scope["type"], chat_id, user_id), language

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        commands: list[JsonDict] = params["commands"]
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for c in commands:
            if not _COMMAND_NAME.fullmatch(c["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(c["description"].strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self.w.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.w.commands.pop(key, None)
        return True

    def get_my_commands(self, params: dict[str, Any]) -> list[JsonDict]:
        return copy.deepcopy(self.w.commands.get(self._scope_key(params), []))

    def delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.w.commands.pop(self._scope_key(params), None)
        return True

    def get_file(self, params: dict[str, Any]) -> JsonDict:
        stored = self.w.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def send_chat_action(self, params: dict[str, Any]) -> bool:
        self.writable_chat(params["chat_id"])
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def leave_chat(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params["chat_id"])
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.require_access(chat, write=False)
        w = self.w
        old = w.member_object(chat, w.bot)
        w.set_member(chat, w.bot, "left")
        w.emit(
            "my_chat_member", w.chat_member_updated(chat, w.bot, old, w.member_object(chat, w.bot))
        )
        return True

    def pin_chat_message(self, params: dict[str, Any]) -> bool:
        chat = self.writable_chat(params["chat_id"])
        if chat.type != "private" and not self.bot_right(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        msg = self.stored_message(chat, params["message_id"], "message to pin not found")
        if msg["message_id"] in chat.pinned:
            chat.pinned.remove(msg["message_id"])
        chat.pinned.append(msg["message_id"])
        # The service message everybody sees; the bot gets no update for its own action.
        self.w.new_message(chat, {"pinned_message": self.w.reply_snapshot(msg)}, sender=self.w.bot)
        return True

    def unpin_chat_message(self, params: dict[str, Any]) -> bool:
        chat = self.writable_chat(params["chat_id"])
        if chat.type != "private" and not self.bot_right(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        message_id = params.get("message_id")
        if message_id is None and chat.pinned:
            chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        return True

    def unpin_all_chat_messages(self, params: dict[str, Any]) -> bool:
        chat = self.writable_chat(params["chat_id"])
        if chat.type != "private" and not self.bot_right(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        chat.pinned.clear()
        return True


def _check_webhook_url(url: str, ip_address: str | None) -> None:
    """Telegram's rules for a webhook URL. Then the fake's own limit: it pushes only to this
    machine, and there it acts as a local Bot API server (`telegram-bot-api --local`),
    which also takes http:// and any port."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request(_NEEDS_HTTPS)
    try:
        port = parts.port
    except ValueError:
        raise bad_request(_WEBHOOK_PORT) from None
    local = _is_loopback(parts.hostname)
    if not local and parts.scheme != "https":
        raise bad_request(_NEEDS_HTTPS)
    if not local and port is not None and port not in _WEBHOOK_PORTS:
        raise bad_request(_WEBHOOK_PORT)
    if not local or (ip_address is not None and not _is_loopback(ip_address)):
        raise bad_request(_ONLY_LOCAL)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _set_or_drop(msg: JsonDict, key: str, value: object) -> None:
    if value:
        msg[key] = value
    else:
        msg.pop(key, None)
