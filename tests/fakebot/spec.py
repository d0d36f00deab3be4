"""The Telegram Bot API spec (api.min.json): loading, parameter coercion, object validation.

Everything the fake accepts or emits is checked against this file rather than against
hand-written lists, so a new Bot API version (a field becoming required, a method renamed)
shows up as a failing test instead of silently drifting from what Telegram really does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ApiError, bad_request

SPEC_ENV = "COVOISIN_BOT_API_SPEC"

JsonDict = dict[str, Any]

_ARRAY = "Array of "


class SpecNotFoundError(FileNotFoundError):
    """The spec file is missing: the repository is not checked out beside `shared/`."""


def default_spec_path() -> Path:
    """Where api.min.json lives: `$COVOISIN_BOT_API_SPEC`, else `<repo>/../shared/...`.

    The repository is always checked out next to a `shared/` folder (locally /work/main beside
    /work/shared, in CI some other folder beside a copy of it), so the path is computed from
    this file rather than from the working directory, which differs between runners.
    """
    env = os.environ.get(SPEC_ENV)
    if env:
        path = Path(env).expanduser()
        origin = f"${SPEC_ENV}"
    else:
        repo = Path(__file__).resolve().parents[2]
        path = repo / ".." / "shared" / "telegram-bot-api" / "api.min.json"
        origin = "the default location (the repository's sibling folder shared/)"
    if not path.is_file():
        raise SpecNotFoundError(
            f"Telegram Bot API spec not found at {path} ({origin}). Check out the shared/ "
            f"folder beside the repository, or point {SPEC_ENV} at api.min.json."
        )
    return path.resolve()


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data request."""

    part_name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


def _fields(raw: Mapping[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(
            name=f["name"],
            types=tuple(f["types"]),
            required=bool(f["required"]),
            description=str(f.get("description", "")),
        )
        for f in raw.get("fields", [])
    }


# The spec names the discriminating value of a union member only in prose:
# 'Type of the message origin, always "user"', 'Scope type, must be chat'.
_ALWAYS = re.compile(r'\balways "([^"]+)"')
_MUST_BE = re.compile(r"\bmust be ([a-z_]+)$")

# Unions whose members are told apart by something other than a constant-valued field.
# MaybeInaccessibleMessage: "date: Always 0" for InaccessibleMessage, positive for Message.
_SPECIAL_UNIONS = {"MaybeInaccessibleMessage"}

_PRIMITIVES = {"Integer", "Float", "Boolean", "String"}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class Spec:
    """The parsed spec, with the operations the fake needs."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "?"))
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(name=name, fields=_fields(t), subtypes=tuple(t.get("subtypes", ())))
            for name, t in raw["types"].items()
        }
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name=name, fields=_fields(m), returns=tuple(m.get("returns", ())))
            for name, m in raw["methods"].items()
        }
        # Telegram matches method names case-insensitively (/bot<token>/SENDMESSAGE works).
        self._methods_lower = {name.lower(): name for name in self.methods}
        self.discriminators: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {}
        for name, t in self.types.items():
            if t.subtypes and name not in _SPECIAL_UNIONS:
                found = self._discriminator(t)
                if found is not None:
                    self.discriminators[name] = found

    @classmethod
    def load(cls, path: Path | str | None = None) -> Spec:
        return _load_cached(str(Path(path).resolve() if path else default_spec_path()))

    def _discriminator(self, union: TypeSpec) -> tuple[str, dict[str, tuple[str, ...]]] | None:
        key: str | None = None
        values: dict[str, tuple[str, ...]] = {}
        for sub in union.subtypes:
            sub_spec = self.types.get(sub)
            if sub_spec is None:
                return None
            hit: tuple[str, str] | None = None
            for f in sub_spec.fields.values():
                if f.types != ("String",):
                    continue
                m = _ALWAYS.search(f.description) or _MUST_BE.search(f.description)
                if m:
                    hit = (f.name, m.group(1))
                    break
            if hit is None or (key is not None and hit[0] != key):
                return None
            key = hit[0]
            # Several members may share a value (InlineQueryResultAudio and ...CachedAudio
            # are both "audio"); those are then tried one after the other.
            values[hit[1]] = (*values.get(hit[1], ()), sub)
        return (key, values) if key is not None else None

    def method(self, name: str) -> MethodSpec | None:
        canonical = self._methods_lower.get(name.lower())
        return self.methods[canonical] if canonical else None

    # ----------------------------------------------------------------------------- validation

    def validate_object(self, type_name: str, obj: object, *, path: str | None = None) -> list[str]:
        """Problems with `obj` as an object Telegram sends, of type `type_name` (empty if none).

        Strict, as for what the fake emits: required fields present, every field known to the
        spec (a typo such as "form" for "from" would otherwise pass), values of the declared
        types, nested objects checked recursively, unions checked against the concrete member.
        """
        return self.check(type_name, obj, path or type_name, output=True)

    def validate_input(self, types: tuple[str, ...], value: object, path: str) -> list[str]:
        """Problems with a decoded request parameter. Unknown fields and nulls are tolerated,
        as the real server ignores them."""
        return self.check_any(types, value, path, output=False)

    def validate_result(self, method: MethodSpec, result: object) -> list[str]:
        return self.check_any(method.returns, result, f"{method.name}()", output=True)

    def check_any(
        self, types: tuple[str, ...], value: object, path: str, *, output: bool
    ) -> list[str]:
        if len(types) == 1:
            return self.check(types[0], value, path, output=output)
        first: list[str] | None = None
        for t in types:
            problems = self.check(t, value, path, output=output)
            if not problems:
                return []
            first = first or problems
        return [f"{path}: matches none of {' | '.join(types)}", *(first or [])[:3]]

    def check(self, type_expr: str, value: object, path: str, *, output: bool) -> list[str]:
        if type_expr.startswith(_ARRAY):
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}, got {_kind(value)}"]
            inner = type_expr[len(_ARRAY) :]
            problems: list[str] = []
            for i, item in enumerate(value):
                problems += self.check(inner, item, f"{path}[{i}]", output=output)
            return problems
        if type_expr in _PRIMITIVES:
            ok = {
                "Integer": _is_int(value),
                "Float": _is_int(value) or isinstance(value, float),
                "Boolean": isinstance(value, bool),
                "String": isinstance(value, str),
            }[type_expr]
            return [] if ok else [f"{path}: expected {type_expr}, got {_kind(value)} {value!r:.60}"]
        if type_expr == "InputFile":
            # Only ever inside requests: an upload, or a file_id/URL/attach:// string.
            if not output and isinstance(value, UploadedFile | str):
                return []
            return [f"{path}: expected InputFile, got {_kind(value)}"]
        spec = self.types.get(type_expr)
        if spec is None:
            return [f"{path}: type {type_expr!r} is not in the Bot API spec"]
        if spec.subtypes:
            return self._check_union(spec, value, path, output=output)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_expr} object, got {_kind(value)}"]
        problems = [
            f"{path}: {type_expr} is missing required field {f.name!r}"
            for f in spec.fields.values()
            if f.required and f.name not in value
        ]
        for key, item in value.items():
            f = spec.fields.get(key)
            if f is None:
                if output:
                    problems.append(f"{path}.{key}: {type_expr} has no field {key!r}")
                continue
            if item is None:
                if output:
                    problems.append(f"{path}.{key}: null (Telegram omits empty fields)")
                continue
            problems += self.check_any(f.types, item, f"{path}.{key}", output=output)
        return problems

    def _check_union(self, union: TypeSpec, value: object, path: str, *, output: bool) -> list[str]:
        candidates: tuple[str, ...]
        if union.name == "MaybeInaccessibleMessage" and isinstance(value, dict):
            candidates = ("InaccessibleMessage",) if value.get("date") == 0 else ("Message",)
        elif union.name in self.discriminators:
            if not isinstance(value, dict):
                return [f"{path}: expected {union.name} object, got {_kind(value)}"]
            key, members = self.discriminators[union.name]
            tag = value.get(key)
            if tag not in members:
                return [f"{path}: {union.name}.{key} is {tag!r}, expected one of {sorted(members)}"]
            candidates = members[tag]
        else:
            candidates = union.subtypes
        return self.check_any(candidates, value, path, output=output)

    # ------------------------------------------------------------------------------- defaults

    def defaults(self, type_name: str) -> JsonDict:
        """Zero values for every required field of `type_name` (recursively).

        Used for objects with many required flags (ChatMemberAdministrator, ChatFullInfo) so
        the fake keeps up when a newer spec adds one; the caller then sets meaningful values.
        """
        out: JsonDict = {}
        for f in self.types[type_name].fields.values():
            if f.required:
                out[f.name] = self._zero(f.types[0], f"{type_name}.{f.name}")
        return out

    def _zero(self, type_expr: str, path: str) -> object:
        if type_expr.startswith(_ARRAY):
            return []
        zeros: dict[str, object] = {"Integer": 0, "Float": 0.0, "Boolean": False, "String": ""}
        if type_expr in zeros:
            return zeros[type_expr]
        spec = self.types.get(type_expr)
        if spec is None or spec.subtypes:
            raise ValueError(f"{path}: no obvious default for required field of type {type_expr}")
        return self.defaults(type_expr)

    # ------------------------------------------------------------------------------ coercion

    def coerce_params(
        self,
        method: MethodSpec,
        raw: Mapping[str, object],
        files: Mapping[str, UploadedFile],
    ) -> tuple[dict[str, Any], list[str]]:
        """Decode a request's parameters by the spec's declared types.

        Returns the coerced parameters and the names of parameters the method does not have.
        Raises ApiError(400) for a missing required parameter or an undecodable value.
        """
        params: dict[str, Any] = {}
        for f in method.fields.values():
            value: object
            if f.name in raw:
                value = raw[f.name]
            elif f.name in files and "InputFile" in f.types:
                value = files[f.name]
            else:
                if f.required:
                    raise _missing(method.name, f.name)
                continue
            params[f.name] = self.coerce(f, value, files)
        unknown = [k for k in raw if k not in method.fields]
        return params, unknown

    def coerce(self, f: FieldSpec, value: object, files: Mapping[str, UploadedFile]) -> object:
        if "InputFile" in f.types:
            if isinstance(value, UploadedFile):
                return value
            if isinstance(value, str) and value.startswith("attach://"):
                part = files.get(value[len("attach://") :])
                if part is None:
                    raise bad_request(f"file {value} not found in the request")
                return part
        decoded_json = False
        for t in f.types:
            if t in ("Integer", "Float", "Boolean", "String"):
                ok, result = _coerce_primitive(t, value)
                if ok:
                    return result
                continue
            if t == "InputFile":
                continue
            # Objects and arrays travel as JSON text in form and multipart bodies (PTB
            # json.dumps()es every non-string value), and as real JSON in a JSON body.
            if isinstance(value, str) and not decoded_json:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise _cant_parse(f.name) from None
                decoded_json = True
            if not self.check(t, value, f.name, output=False):
                return value
        if decoded_json or not all(t in _PRIMITIVES or t == "InputFile" for t in f.types):
            problems = self.validate_input(f.types, value, f.name)
            raise _cant_parse(f.name, problems[0] if problems else None)
        raise bad_request(f"field {f.name!r} must be of type {' or '.join(f.types)}")


def _coerce_primitive(type_name: str, value: object) -> tuple[bool, object]:
    if type_name == "Integer":
        if _is_int(value):
            return True, value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return True, int(value)
        return False, None
    if type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, float(value)
        if isinstance(value, str):
            try:
                return True, float(value)
            except ValueError:
                return False, None
        return False, None
    if type_name == "Boolean":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
            return True, value.strip().lower() in ("true", "1")
        if _is_int(value) and value in (0, 1):
            return True, bool(value)
        return False, None
    # String: the real server also takes a JSON number where a string is declared.
    if isinstance(value, str):
        return True, value
    if _is_int(value) or isinstance(value, float):
        return True, str(value)
    return False, None


def _missing(method: str, name: str) -> ApiError:
    # Telegram's own wording for the most common ones; a generic one naming the parameter
    # otherwise.
    if name == "text":
        return bad_request("message text is empty")
    if name in ("chat_id", "user_id", "message_id", "callback_query_id", "file_id"):
        return bad_request(f"{name} is empty")
    return bad_request(f"parameter {name!r} is required by {method}")


def _cant_parse(name: str, detail: str | None = None) -> ApiError:
    what = "reply keyboard markup" if name == "reply_markup" else name
    suffix = f" ({detail})" if detail else ""
    return bad_request(f"can't parse {what} JSON object{suffix}")


@cache
def _load_cached(path: str) -> Spec:
    with open(path, encoding="utf-8") as fh:
        return Spec(json.load(fh))


def validate_object(type_name: str, obj: object, *, spec: Spec | None = None) -> list[str]:
    """Problems with `obj` as a `type_name` Telegram would send; [] when it is valid."""
    return (spec or Spec.load()).validate_object(type_name, obj)
