from __future__ import annotations

import pytest

from bot.deeplinks import Action, DeepLink, parse_payload, start_url


@pytest.mark.parametrize("link", [DeepLink(Action.INBOX), DeepLink(Action.GROUP, -1001234567890)])
def test_round_trip(link: DeepLink) -> None:
    payload = link.payload()
    assert len(payload) <= 64
    assert all(c.isalnum() or c in "_-" for c in payload)
    assert parse_payload(payload) == link


@pytest.mark.parametrize("payload", ["", "nope", "group_x", "inbox_", "../../x", "g" * 200])
def test_unknown_payloads_are_ignored(payload: str) -> None:
    assert parse_payload(payload) is None


def test_start_url() -> None:
    assert start_url("CovoisinBot", DeepLink(Action.INBOX)) == (
        "https://t.me/CovoisinBot?start=inbox"
    )


def test_a_group_id_beyond_sqlite_integers_is_no_link_of_ours() -> None:
    assert parse_payload(f"addcar_{2**63}") is None
    assert parse_payload(f"group_-{2**63 + 1}") is None
    assert parse_payload(f"group_{2**63 - 1}") == DeepLink(Action.GROUP, 2**63 - 1)
