"""Long lists are sent in several messages, each within Telegram's limit."""

from __future__ import annotations

from handlers.common.render import MESSAGE_LIMIT, in_messages


def test_short_lines_share_one_message() -> None:
    assert in_messages(["Incidents :", "• un", "• deux"]) == ["Incidents :\n• un\n• deux"]


def test_lines_never_cut_unless_one_alone_is_too_long() -> None:
    lines = ["titre", *(f"• {n} " + "x" * 995 for n in range(9))]
    messages = in_messages(lines)
    assert all(len(message) <= MESSAGE_LIMIT for message in messages)
    assert "\n".join(messages).split("\n") == lines  # every line whole, in order
    assert len(messages) == 3
    huge = in_messages(["y" * (MESSAGE_LIMIT + 10)])
    assert [len(message) for message in huge] == [MESSAGE_LIMIT, 10]
    assert in_messages([]) == []
