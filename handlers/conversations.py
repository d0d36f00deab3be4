"""Multi-step private forms (a car, a trip reading, the charter) as PTB conversations.

Their place and their answers so far outlive a restart (storage/persistence.py): the
conversations are persistent, and what a form keeps in `user_data` is plain data, written
by `plain` and read back by `restored`.
"""

from __future__ import annotations

import types
import typing
import warnings
from dataclasses import MISSING, fields
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers.context import CovoisinContext

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Form = TypeVar("Form", bound="DataclassInstance")

# A form left this long is over: its conversation ends, and one left longer while the bot
# was stopped is not resumed at start.
FORM_TIMEOUT = timedelta(minutes=30)


def form_conversation(name: str, **options: Any) -> ConversationHandler[CovoisinContext]:
    """A persistent ConversationHandler whose buttons are tracked per chat or user, not per
    message.

    PTB warns about that set-up; here it is meant: every form button names what it
    answers (its booking, car or question), so a button from an earlier step is
    recognised and refused by the form itself.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(name=name, persistent=True, **options)


def plain(form: DataclassInstance) -> dict[str, object]:
    """A form's fields as JSON values: an enum as its value, a set as a sorted list."""
    values: dict[str, object] = {}
    for field in fields(form):
        value = getattr(form, field.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, set | frozenset):
            value = sorted(value)
        values[field.name] = value
    return values


def restored(cls: type[Form], data: object) -> Form | None:
    """The form `plain` wrote, or None when `data` is not one: nothing was kept, or it was
    kept by a version of the bot whose form differs (that form is then over). A field the
    data lacks takes its default; one it has and the form no longer does is left."""
    if not isinstance(data, dict):
        return None
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for field in fields(cls):
        if field.name in data:
            try:
                values[field.name] = _typed(hints[field.name], data[field.name])
            except (TypeError, ValueError):
                return None
        elif field.default is MISSING and field.default_factory is MISSING:
            return None
    return cls(**values)


def _typed(hint: Any, value: object) -> object:
    """`value` read from JSON as the field's type; TypeError or ValueError if it is not one."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        [inner] = [arg for arg in args if arg is not type(None)]
        return _typed(inner, value)
    if origin is set:
        if not isinstance(value, list):
            raise TypeError(f"{value!r} is not a list")
        return {_typed(args[0], item) for item in value}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    # Exact types: JSON's true is not a number of seats.
    if hint in (bool, int, str) and type(value) is hint:
        return value
    raise TypeError(f"{value!r} is not a {hint}")
