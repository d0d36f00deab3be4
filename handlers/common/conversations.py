"""Multi-step private forms (a car, a trip reading, the charter) as PTB conversations.

Their place and their answers so far outlive a restart (storage/persistence.py): the
conversations are persistent, and what a form keeps in `user_data` is plain data, written
by `plain` and read back by `restored`.

A member may have several forms open at once (a charter question left unanswered, then a
pickup reading). Their texts and commands go to the one they opened or answered last, named
in `user_data` under CURRENT_FORM: the other forms wait, and take their texts again once
their button is pressed again or the newer form is over.
"""

from __future__ import annotations

import copy
import types
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, fields
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.common.context import CovoisinContext

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Form = TypeVar("Form", bound="DataclassInstance")

# A form left this long is over: its conversation ends, and one left longer while the bot
# was stopped is not resumed at start.
FORM_TIMEOUT = timedelta(minutes=30)

# The `user_data` key naming the form a member's texts go to: the conversation's name.
CURRENT_FORM = "current_form"

Handler = BaseHandler[Update, CovoisinContext, object]


class OpenForms:
    """Which form each member's texts go to, read from the application's `user_data`.

    Filters run before PTB builds a callback's context, so they read the live mapping
    (`Application.user_data`) by the member's id rather than `context.user_data`.
    """

    __slots__ = ("_user_data",)

    def __init__(self, user_data: Mapping[int, Mapping[str, object]]) -> None:
        self._user_data = user_data

    def takes_text(self, user_id: int, name: str) -> bool:
        """Whether form `name` may take this member's text: it is their current form, or
        none is named (a form opened before forms were named, resumed after an update)."""
        current = self._user_data.get(user_id, {}).get(CURRENT_FORM)
        return current is None or current == name


class _CurrentForm(filters.UpdateFilter):
    """The update's sender is answering form `form` (OpenForms.takes_text)."""

    __slots__ = ("_form", "_forms")

    def __init__(self, forms: OpenForms, form: str) -> None:
        super().__init__(name=f"current form is {form}")
        self._forms, self._form = forms, form

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and self._forms.takes_text(user.id, self._form)


def form_conversation(
    name: str,
    forms: OpenForms,
    *,
    entry_points: Sequence[Handler],
    states: Mapping[object, Sequence[Handler]],
    fallbacks: Sequence[Handler],
    **options: Any,
) -> ConversationHandler[CovoisinContext]:
    """A persistent ConversationHandler whose buttons are tracked per chat or user, not per
    message, and which takes a member's texts only while it is their current form.

    PTB warns about that set-up; here it is meant: every form button names what it
    answers (its booking, car or question), so a button from an earlier step is
    recognised and refused by the form itself.

    Any handler of the form that leaves it open (its button pressed, a step answered)
    makes it the current one; the current one ending or timing out names none. Its texts
    and commands (states' and fallbacks' message and command handlers) are filtered by
    _CurrentForm, so a text it is not waiting for finds no handler in it and PTB offers
    it to the next conversation. Buttons need no such filter: each form has its own.
    Fallbacks only hear the private chat, where forms are answered: `/annuler` in a
    group is about a booking.
    """
    current = _CurrentForm(forms, name)

    def in_form(handler: Handler, *, private: bool = False) -> Handler:
        tracked = _tracked(handler, name)
        if isinstance(tracked, MessageHandler | CommandHandler):
            where = filters.ChatType.PRIVATE & current if private else current
            tracked.filters = tracked.filters & where
        return tracked

    async def timed_out(update: Update, context: CovoisinContext) -> object:
        _forget(context, name)
        return None

    timeout: list[Handler] = [
        *states.get(ConversationHandler.TIMEOUT, []),
        TypeHandler(Update, timed_out),
    ]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            name=name,
            persistent=True,
            entry_points=[_tracked(handler, name) for handler in entry_points],
            states={
                **{
                    state: [in_form(handler) for handler in handlers]
                    for state, handlers in states.items()
                    if state != ConversationHandler.TIMEOUT
                },
                ConversationHandler.TIMEOUT: timeout,
            },
            fallbacks=[in_form(handler, private=True) for handler in fallbacks],
            **options,
        )


def _tracked(handler: Handler, name: str) -> Handler:
    """A copy of `handler` (the same one may serve outside the form too) whose callback
    keeps CURRENT_FORM: `name` when it leaves the form open, none when it ends it."""
    callback = handler.callback

    async def tracked(update: Update, context: CovoisinContext) -> object:
        state = await callback(update, context)
        # None leaves the conversation where it was: a refusal, a hint, a stale button.
        if state == ConversationHandler.END:
            _forget(context, name)
        elif state is not None and context.user_data is not None:
            context.user_data[CURRENT_FORM] = name
        return state

    tracked_handler = copy.copy(handler)
    tracked_handler.callback = tracked
    return tracked_handler


def _forget(context: CovoisinContext, name: str) -> None:
    """Form `name` is over: if it was the current one, none is, and an older form still
    open takes the member's texts again (the last key gone, nothing of it is stored)."""
    if context.user_data is not None and context.user_data.get(CURRENT_FORM) == name:
        del context.user_data[CURRENT_FORM]


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
