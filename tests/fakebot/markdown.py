"""parse_mode=MarkdownV2, as Telegram parses it, for the errors bots hit most.

Covers *bold*, _italic_, __underline__, ~strike~, ||spoiler||, `code`, ```pre```,
[text](url), ![emoji](tg://emoji?id=N), "\\" escapes and ">" quote lines, and rejects an
unescaped reserved character with Telegram's message ("Character '.' is reserved and must be
escaped with the preceding '\\'"). Expandable quotes ("**>") are not modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .text import utf16_len

_RESERVED = set("_*[]()~`>#+-=|{}.!")
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


class MarkdownParseError(ValueError):
    """Not valid MarkdownV2; str() is the part after "can't parse entities: "."""


@dataclass
class _Open:
    kind: str
    start: int  # UTF-16 offset in the output
    byte_offset: int
    language: str | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []
        self.quote_start: int | None = None

    def byte_offset(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8"))

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def add(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos16 > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.pos16 - start, **extra}
            )

    def peek(self, i: int) -> str:
        return self.text[i] if i < self.n else ""

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        text = self.text
        while i < self.n:
            c = text[i]
            at_line_start = i == 0 or text[i - 1] == "\n"
            if at_line_start and not self.stack:
                if c == ">":
                    if self.quote_start is None:
                        self.quote_start = self.pos16
                    i += 1
                    continue
                if self.quote_start is not None:
                    self.close_quote()
            top = self.stack[-1] if self.stack else None
            if c == "\\" and i + 1 < self.n and 0 < ord(text[i + 1]) < 127:
                self.emit(text[i + 1])
                i += 2
                continue
            if top is not None and top.kind in ("code", "pre") and c != "`":
                self.emit(c)
                i += 1
                continue
            if c not in _RESERVED:
                # A quote ends with its last ">" line; the newline is not part of it.
                if (
                    c == "\n"
                    and self.quote_start is not None
                    and not self.stack
                    and self.peek(i + 1) != ">"
                ):
                    self.close_quote()
                self.emit(c)
                i += 1
                continue
            if top is not None and self.ends(top, i):
                i = self.close(top, i)
                continue
            i = self.open(c, i)
        if self.stack:
            top = self.stack[-1]
            raise MarkdownParseError(
                f"Can't find end of {_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
            )
        if self.quote_start is not None:
            self.close_quote()
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def close_quote(self) -> None:
        assert self.quote_start is not None
        self.add("blockquote", self.quote_start)
        self.quote_start = None

    def ends(self, top: _Open, i: int) -> bool:
        c, nxt = self.text[i], self.peek(i + 1)
        return {
            "bold": c == "*",
            "italic": c == "_" and nxt != "_",
            "underline": c == "_" and nxt == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and nxt == "|",
            "code": c == "`",
            "pre": self.text.startswith("```", i),
            "text_link": c == "]",
            "custom_emoji": c == "]",
        }[top.kind]

    def open(self, c: str, i: int) -> int:
        nxt = self.peek(i + 1)
        begin = i
        kind: str | None = None
        language: str | None = None
        if c == "*":
            kind, i = "bold", i + 1
        elif c == "_":
            kind, i = ("underline", i + 2) if nxt == "_" else ("italic", i + 1)
        elif c == "~":
            kind, i = "strikethrough", i + 1
        elif c == "|" and nxt == "|":
            kind, i = "spoiler", i + 2
        elif c == "[":
            kind, i = "text_link", i + 1
        elif c == "!" and nxt == "[":
            kind, i = "custom_emoji", i + 2
        elif c == "`":
            if self.text.startswith("```", i):
                i += 3
                end_of_line = self.text.find("\n", i)
                first_line = self.text[i:end_of_line] if end_of_line >= 0 else ""
                if first_line and re.fullmatch(r"[\w+#.-]+", first_line):
                    language, i = first_line, end_of_line + 1
                kind = "pre"
            else:
                kind, i = "code", i + 1
        if kind is None:
            raise MarkdownParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        self.stack.append(_Open(kind, self.pos16, self.byte_offset(begin), language))
        return i

    def close(self, top: _Open, i: int) -> int:
        self.stack.pop()
        if top.kind in ("text_link", "custom_emoji"):
            i += 1
            if self.peek(i) != "(":
                if top.kind == "custom_emoji":
                    raise MarkdownParseError("Custom emoji entity must contain a tg://emoji URL")
                return i  # [text] without a URL: plain text, as Telegram does
            url, i = self.url(i + 1)
            if top.kind == "custom_emoji":
                m = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not m:
                    raise MarkdownParseError("Custom emoji URL must have an emoji identifier")
                self.add("custom_emoji", top.start, custom_emoji_id=m.group(1))
            else:
                self.add("text_link", top.start, url=url)
            return i
        if top.kind == "pre":
            extra = {"language": top.language} if top.language else {}
            self.add("pre", top.start, **extra)
            return i + 3
        self.add(top.kind, top.start)
        return i + {"underline": 2, "spoiler": 2}.get(top.kind, 1)

    def url(self, i: int) -> tuple[str, int]:
        begin = i
        chars: list[str] = []
        while i < self.n and self.text[i] != ")":
            if self.text[i] == "\\" and i + 1 < self.n:
                i += 1
            chars.append(self.text[i])
            i += 1
        if i >= self.n:
            raise MarkdownParseError(
                f"Can't find end of a URL at byte offset {self.byte_offset(begin)}"
            )
        return "".join(chars), i + 1


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into (plain text, MessageEntity dicts); MarkdownParseError if invalid."""
    return _Parser(text).run()
