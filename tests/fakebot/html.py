"""parse_mode=HTML as Telegram parses it: the allowed tags, entities out, errors as Telegram words
them ("can't parse entities: Unsupported start tag ...").

Follows the documented formatting rules: only b/strong, i/em, u/ins, s/strike/del,
tg-spoiler / span class="tg-spoiler", a href, code, pre (with <code class="language-x">),
blockquote [expandable] and tg-emoji emoji-id; the only named character references are
&lt; &gt; &amp; &quot;, plus numeric ones.

One deliberate difference: Telegram keeps a bare "&" that does not start a known reference,
but with `strict_ampersand` (the default) the fake rejects it. A bot that forgets to escape user
text (a village called "Saint-Jean & Co", a name with "<3") then fails in tests instead of only
for the first user whose text happens to contain "<".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .text import utf16_len

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_ALLOWED = {*_SIMPLE_TAGS, "span", "a", "blockquote", "tg-emoji"}
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REF = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-_]+")

UserLookup = Callable[[int], dict[str, Any] | None]


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; str() is the part after "can't parse entities: "."""


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output text
    byte_offset: int
    seq: int  # opening order: outer entities first among equal ranges
    language: str | None = None


def _decode_ref(text: str, i: int) -> tuple[str, int] | None:
    m = _REF.match(text, i)
    if not m:
        return None
    if m.group(3) is not None:
        ch = _NAMED_REFS.get(m.group(3))
        return (ch, m.end()) if ch is not None else None
    code = int(m.group(1)) if m.group(1) is not None else int(m.group(2), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _decode_attr(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_ref(value, i)
            if decoded:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


class _Parser:
    def __init__(self, text: str, strict_ampersand: bool, lookup_user: UserLookup | None) -> None:
        self.text = text
        self.n = len(text)
        self.strict = strict_ampersand
        self.lookup_user = lookup_user
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[tuple[int, dict[str, Any]]] = []
        self.opened = 0

    def byte_offset(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8"))

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        text, i = self.text, 0
        while i < self.n:
            c = text[i]
            if c == "&":
                decoded = _decode_ref(text, i)
                if decoded:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict:
                    raise HtmlParseError(
                        f'Unescaped "&" at byte offset {self.byte_offset(i)} (Telegram would '
                        "keep it, the fake is strict: escape text with html.escape())"
                    )
                self.emit(c)
                i += 1
            elif c == "<":
                i = self.end_tag(i) if i + 1 < self.n and text[i + 1] == "/" else self.start_tag(i)
            else:
                j = i + 1
                while j < self.n and text[j] not in "&<":
                    j += 1
                self.emit(text[i:j])
                i = j
        if self.stack:
            tag = self.stack[-1].tag
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda se: (se[1]["offset"], -se[1]["length"], se[0]))
        return "".join(self.out), [e for _, e in self.entities]

    def skip_spaces(self, i: int) -> int:
        while i < self.n and self.text[i].isspace():
            i += 1
        return i

    def start_tag(self, begin: int) -> int:
        text = self.text
        i = begin + 1
        while i < self.n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= self.n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in _ALLOWED:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            i = self.skip_spaces(i)
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if text[i] == ">":
                i += 1
                break
            name_start = i
            while i < self.n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            name = text[name_start:i].lower()
            if not name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            i = self.skip_spaces(i)
            if i >= self.n or text[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = ""
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" at '
                    f"byte offset {self.byte_offset(begin)}"
                )
            i = self.skip_spaces(i + 1)
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if text[i] in "'\"":
                close = text.find(text[i], i + 1)
                if close < 0:
                    raise HtmlParseError(
                        f"Unclosed start tag at byte offset {self.byte_offset(begin)}"
                    )
                attrs[name] = _decode_attr(text[i + 1 : close])
                i = close + 1
            else:
                m = _NAME_TOKEN.match(text, i)
                if not m:
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {self.byte_offset(i)}"
                    )
                attrs[name] = m.group(0)
                i = m.end()
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset '
                f"{self.byte_offset(begin)}"
            )
        self.stack.append(_Open(tag, attrs, self.pos16, self.byte_offset(begin), self.opened))
        self.opened += 1
        return i

    def end_tag(self, begin: int) -> int:
        text = self.text
        close = text.find(">", begin)
        if close < 0:
            raise HtmlParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        name = text[begin + 2 : close].strip().lower()
        top = self.stack[-1]
        if name and name != top.tag:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "
                f'"</{top.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close(top)
        return close + 1

    def close(self, tag: _Open) -> None:
        length = self.pos16 - tag.start
        entity: dict[str, Any] = {"offset": tag.start, "length": length}
        parent = self.stack[-1] if self.stack else None
        if tag.tag == "code" and parent is not None and parent.tag == "pre":
            # <pre><code class="language-python"> is one pre entity with a language.
            cls = tag.attrs.get("class", "")
            if cls.startswith("language-"):
                parent.language = cls[len("language-") :]
                return
        if length == 0:
            return  # Telegram drops empty entities
        if tag.tag in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[tag.tag]
            if tag.tag == "pre" and tag.language:
                entity["language"] = tag.language
        elif tag.tag == "span":
            entity["type"] = "spoiler"
        elif tag.tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        elif tag.tag == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        else:  # a
            href = tag.attrs.get("href")
            if not href:
                return
            m = re.fullmatch(r"tg://user\?id=(\d+)", href)
            user = self.lookup_user(int(m.group(1))) if m and self.lookup_user else None
            if user is not None:
                entity["type"] = "text_mention"
                entity["user"] = user
            else:
                entity["type"] = "text_link"
                entity["url"] = href
        self.entities.append((tag.seq, {"type": entity.pop("type"), **entity}))


def parse_html(
    text: str, *, strict_ampersand: bool = True, lookup_user: UserLookup | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, MessageEntity dicts); HtmlParseError if invalid.

    `lookup_user` turns <a href="tg://user?id=N"> into a text_mention of that user, as
    Telegram does for users the bot knows.
    """
    return _Parser(text, strict_ampersand, lookup_user).run()
