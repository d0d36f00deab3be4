"""HTML and MarkdownV2 parsing, entity detection, UTF-16 offsets."""

from __future__ import annotations

import pytest

from tests.fakebot import HtmlParseError, parse_html, utf16_len
from tests.fakebot.markdown import MarkdownParseError, parse_markdown_v2
from tests.fakebot.text import detect_entities, entity_text, leading_command


def test_utf16_len_counts_surrogate_pairs() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("🚗") == 2
    assert utf16_len("é") == 1


def test_detected_entities_use_utf16_offsets() -> None:
    text = "🚗 /ride@CovoisinTestBot demain avec @marie_l 🚙"
    entities = detect_entities(text)
    assert entities == [
        {"type": "bot_command", "offset": 3, "length": 21},
        {"type": "mention", "offset": 37, "length": 8},
    ]
    assert [entity_text(text, e) for e in entities] == ["/ride@CovoisinTestBot", "@marie_l"]


def test_commands_and_mentions() -> None:
    assert leading_command("/start", detect_entities("/start")) == "/start"
    assert leading_command("hi /start", detect_entities("hi /start")) is None
    assert detect_entities("/start@Bot_x payload")[0]["length"] == len("/start@Bot_x")
    assert detect_entities("mail me: a@example.com") == []
    assert detect_entities("@abc") == []  # too short for a username
    assert detect_entities("path/to/file") == []


def test_html_entities_and_offsets() -> None:
    text, entities = parse_html(
        '🚗 <b>Départ</b> <i>8h</i> <a href="https://x.fr/?a=1&amp;b=2">lien</a> '
        '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> <u>u</u> <s>x</s> '
        "<code>c</code> &lt;3 &amp; &#233;&#x1F697;"
    )
    assert text == "🚗 Départ 8h lien s t u x c <3 & é🚗"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "italic", "offset": 10, "length": 2},
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://x.fr/?a=1&b=2"},
        {"type": "spoiler", "offset": 18, "length": 1},
        {"type": "spoiler", "offset": 20, "length": 1},
        {"type": "underline", "offset": 22, "length": 1},
        {"type": "strikethrough", "offset": 24, "length": 1},
        {"type": "code", "offset": 26, "length": 1},
    ]


def test_html_nested_pre_blockquote_and_emoji() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote><b><i>bi</i></b>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    assert text == "x = 1qbi👍"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "expandable_blockquote", "offset": 5, "length": 1},
        {"type": "bold", "offset": 6, "length": 2},
        {"type": "italic", "offset": 6, "length": 2},
        {
            "type": "custom_emoji",
            "offset": 8,
            "length": 2,
            "custom_emoji_id": "5368324170671202286",
        },
    ]


def test_html_text_mention_for_known_users() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "Marie"}
    _, entities = parse_html(
        '<a href="tg://user?id=7">Marie</a>', lookup_user=lambda i: user if i == 7 else None
    )
    assert entities == [{"type": "text_mention", "offset": 0, "length": 5, "user": user}]


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("3 < 4", 'Unsupported start tag "" at byte offset 2'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("Saint-Jean & Co", 'Unescaped "&" at byte offset 11'),
        ("é <br>", 'Unsupported start tag "br" at byte offset 3'),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_errors(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as err:
        parse_html(html)
    assert str(err.value).startswith(error)


def test_lenient_ampersand_like_telegram() -> None:
    assert parse_html("Tom & Jerry &nbsp;", strict_ampersand=False) == ("Tom & Jerry &nbsp;", [])


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        r"*Départ* _8h_ __u__ ~s~ ||sp|| `c` [lien](https://x.fr) 1\.5"
    )
    assert text == "Départ 8h u s sp c lien 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://x.fr"
    text, entities = parse_markdown_v2(">cite\n>more\nafter")
    assert text == "cite\nmore\nafter"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 9}]


@pytest.mark.parametrize(
    ("md", "error"),
    [
        ("Départ à 8h.", "Character '.' is reserved"),
        ("*gras", "Can't find end of Bold entity at byte offset 0"),
        ("[x](http://a", "Can't find end of a URL"),
    ],
)
def test_markdown_v2_errors(md: str, error: str) -> None:
    with pytest.raises(MarkdownParseError, match=error.replace(".", r"\.").replace("*", r"\*")):
        parse_markdown_v2(md)
