"""The spec-driven validator and parameter coercion."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakebot import (
    SPEC_ENV,
    ApiError,
    Spec,
    SpecNotFoundError,
    default_spec_path,
    validate_object,
)
from tests.fakebot.spec import UploadedFile

USER = {"id": 1, "is_bot": False, "first_name": "Alice"}
CHAT = {"id": -1001, "type": "supergroup", "title": "Village"}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec.load()


def test_valid_objects_pass() -> None:
    assert validate_object("User", USER) == []
    msg = {"message_id": 1, "date": 1_700_000_000, "chat": CHAT, "from": USER, "text": "hi"}
    assert validate_object("Message", msg) == []


def test_missing_required_field_is_caught() -> None:
    problems = validate_object("User", {"id": 1, "is_bot": False})
    assert problems == ["User: User is missing required field 'first_name'"]


def test_nested_objects_are_checked() -> None:
    msg = {"message_id": 1, "date": 1, "chat": {"type": "private"}, "from": USER}
    assert validate_object("Message", msg) == ["Message.chat: Chat is missing required field 'id'"]
    reply = {"message_id": 2, "date": 1, "chat": CHAT, "reply_to_message": {"message_id": 1}}
    problems = validate_object("Message", reply)
    assert any("reply_to_message" in p and "'date'" in p for p in problems)


def test_wrong_types_unknown_fields_and_nulls_are_caught() -> None:
    assert validate_object("User", {**USER, "id": "1"}) == [
        "User.id: expected Integer, got String '1'"
    ]
    assert validate_object("User", {**USER, "is_bot": 0}) != []
    assert validate_object("User", {**USER, "form": 1}) == ["User.form: User has no field 'form'"]
    assert validate_object("User", {**USER, "username": None}) != []
    entities = {"message_id": 1, "date": 1, "chat": CHAT, "entities": [{"type": "bold"}]}
    assert any("entities[0]" in p for p in validate_object("Message", entities))


def test_unions_are_checked_against_the_concrete_subtype() -> None:
    owner = {"status": "creator", "user": USER, "is_anonymous": False}
    assert validate_object("ChatMember", owner) == []
    assert validate_object("ChatMember", {"status": "creator", "user": USER}) == [
        "ChatMember: ChatMemberOwner is missing required field 'is_anonymous'"
    ]
    banned = {"status": "kicked", "user": USER}
    assert validate_object("ChatMember", banned) == [
        "ChatMember: ChatMemberBanned is missing required field 'until_date'"
    ]
    assert "expected one of" in validate_object("ChatMember", {"status": "boss", "user": USER})[0]
    admin = {"status": "administrator", "user": USER}
    assert len(validate_object("ChatMember", admin)) > 5  # every can_* flag is required


def test_maybe_inaccessible_message_uses_date(spec: Spec) -> None:
    gone = {"chat": CHAT, "message_id": 3, "date": 0}
    assert spec.validate_object("MaybeInaccessibleMessage", gone) == []
    # date 0 means inaccessible: a full message with date 0 is a protocol error
    full = {**gone, "text": "hi", "from": USER}
    assert spec.validate_object("MaybeInaccessibleMessage", full) != []
    assert spec.validate_object("MaybeInaccessibleMessage", {**full, "date": 5}) == []


def test_defaults_fill_required_fields(spec: Spec) -> None:
    full = {**spec.defaults("ChatFullInfo"), "id": 1, "type": "private"}
    assert spec.validate_object("ChatFullInfo", full) == []


def test_spec_path_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_spec_path().name == "api.min.json"
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(SpecNotFoundError, match=SPEC_ENV):
        default_spec_path()


def coerce(spec: Spec, method: str, raw: dict[str, object]) -> dict[str, object]:
    m = spec.method(method)
    assert m is not None
    params, unknown = spec.coerce_params(m, raw, {})
    assert unknown == []
    return params


def test_coercion_of_form_strings(spec: Spec) -> None:
    params = coerce(
        spec,
        "sendMessage",
        {
            "chat_id": "-100123",
            "text": "42",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        },
    )
    assert params == {
        "chat_id": -100123,
        "text": "42",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
    }
    assert coerce(spec, "sendMessage", {"chat_id": "@village", "text": "x"})["chat_id"] == (
        "@village"
    )
    updates = coerce(spec, "getUpdates", {"offset": "7", "allowed_updates": '["message"]'})
    assert updates == {"offset": 7, "allowed_updates": ["message"]}


def test_coercion_of_json_values(spec: Spec) -> None:
    params = coerce(spec, "getUpdates", {"offset": 7, "timeout": 0, "allowed_updates": []})
    assert params == {"offset": 7, "timeout": 0, "allowed_updates": []}


def test_coercion_errors(spec: Spec) -> None:
    m = spec.method("sendMessage")
    assert m is not None
    with pytest.raises(ApiError, match="chat_id is empty") as err:
        spec.coerce_params(m, {"text": "x"}, {})
    assert err.value.status == 400
    with pytest.raises(ApiError, match="message text is empty"):
        spec.coerce_params(m, {"chat_id": "1"}, {})
    with pytest.raises(ApiError, match="can't parse reply keyboard markup JSON object"):
        spec.coerce_params(m, {"chat_id": "1", "text": "x", "reply_markup": "{oops"}, {})
    with pytest.raises(ApiError, match="can't parse reply keyboard markup"):
        spec.coerce_params(m, {"chat_id": "1", "text": "x", "reply_markup": '{"inline": 1}'}, {})
    with pytest.raises(ApiError, match="must be of type Integer"):
        coerce(spec, "getUpdates", {"offset": "seven"})
    g = spec.method("getChatMember")
    assert g is not None
    with pytest.raises(ApiError, match="user_id is empty"):
        spec.coerce_params(g, {"chat_id": "1"}, {})


def test_coercion_of_uploads(spec: Spec) -> None:
    m = spec.method("sendPhoto")
    assert m is not None
    part = UploadedFile("photo", "a.png", "image/png", b"data")
    params, _ = spec.coerce_params(m, {"chat_id": "1"}, {"photo": part})
    assert params["photo"] is part
    other = UploadedFile("x1", "b.png", "image/png", b"data")
    params, _ = spec.coerce_params(m, {"chat_id": "1", "photo": "attach://x1"}, {"x1": other})
    assert params["photo"] is other
    params, _ = spec.coerce_params(m, {"chat_id": "1", "photo": "file-id"}, {})
    assert params["photo"] == "file-id"
