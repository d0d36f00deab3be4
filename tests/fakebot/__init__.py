"""A fake Telegram Bot API server for tests: see README.md beside this file."""

from .errors import ApiError
from .fake import FakeTelegram, running_fake
from .html import HtmlParseError, parse_html
from .server import Call, Delivery
from .spec import SPEC_ENV, Spec, SpecNotFoundError, default_spec_path, validate_object
from .state import GROUP_ANONYMOUS_BOT_ID, FakeChat, FakeUser, Webhook
from .text import utf16_len

__all__ = [
    "GROUP_ANONYMOUS_BOT_ID",
    "SPEC_ENV",
    "ApiError",
    "Call",
    "Delivery",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "HtmlParseError",
    "Spec",
    "SpecNotFoundError",
    "Webhook",
    "default_spec_path",
    "parse_html",
    "running_fake",
    "utf16_len",
    "validate_object",
]
