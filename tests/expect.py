"""Assertions about what the bot did, shared by handler and end-to-end tests."""

from __future__ import annotations

from tests.fakebot import FakeTelegram

SENDING = ("sendMessage", "sendPhoto", "sendDocument")


def assert_said_nothing_more(fake: FakeTelegram) -> None:
    """No message went out that the test has not already looked at (refused sends aside)."""
    extra = [call.summary() for call in fake.unconsumed_calls(*SENDING) if call.ok]
    assert not extra, "the bot also sent:\n" + "\n".join(extra)
