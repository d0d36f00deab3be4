"""The car form: the questions a member answers to list a car (or to change one field of a
listed car), what each answer means, and the car they make once the last is answered.

Domain code: no Telegram here. The form is plain data (the handlers keep it between
messages and across a restart); taking an answer gives a new form, or the problem to tell.
That a name is free in the group is the service's to say: `CarForm.name_clash` reads its
answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from enum import IntEnum, StrEnum
from typing import Any

from bot.booking.names import NAME_MAX_LENGTH, is_valid_name, name_key
from bot.contribution import ContributionProblem, parse_contribution
from storage.models import BookingMode, Car, CarDraft, Energy

# Long enough for what people write on a phone, short enough for a card on one screen.
LINE_MAX_LENGTH = 200
RULES_MAX_LENGTH = 1000
KEYS_MAX_LENGTH = 500

_SEATS = re.compile(r"\s*([1-9])\s*(?:places?|seats?)?\s*", re.IGNORECASE)


class Step(IntEnum):
    """The questions, in the order a new car is asked them; the value travels in buttons."""

    NAME = 1
    DESCRIPTION = 2
    SEATS = 3
    ENERGY = 4
    PARKED_AT = 5
    RULES = 6
    PHOTO = 7
    CONTRIBUTION = 8
    KEYS = 9
    MODE = 10

    @property
    def key(self) -> str:
        """Its name in message keys and in the « Modifier » buttons."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str | None) -> Step | None:
        return next((step for step in cls if step.key == key), None)

    @property
    def optional(self) -> bool:
        """May be left unanswered (« Passer »), or its answer cleared on a listed car."""
        return self in _UNANSWERED


# What the optional questions leave in the form, unanswered.
_UNANSWERED: dict[Step, dict[str, Any]] = {
    Step.RULES: {"rules": ""},
    Step.PHOTO: {"photo_file_id": None},
    Step.CONTRIBUTION: {"per_km_cents": None, "per_day_cents": None},
    Step.KEYS: {"key_instructions": None},
}
# The answers are a draft's fields; these two go by shorter names in the form (and so in
# the forms kept in `user_data`, which a restart resumes).
_FORM_NAMES = {
    "contribution_per_km_cents": "per_km_cents",
    "contribution_per_day_cents": "per_day_cents",
}


@dataclass(frozen=True, slots=True)
class CarForm:
    """The answers so far, and the question pending. Taking an answer makes a new form."""

    chat_id: int
    group_title: str
    step: Step = Step.NAME
    # The car being changed, when the form edits one field of a listed car.
    editing: int | None = None
    name: str = ""
    description: str = ""
    seats: int | None = None
    energy: Energy | None = None
    parked_at: str = ""
    rules: str = ""
    photo_file_id: str | None = None
    per_km_cents: int | None = None
    per_day_cents: int | None = None
    key_instructions: str | None = None
    booking_mode: BookingMode = BookingMode.ON_REQUEST

    @classmethod
    def for_car(cls, car: Car, group_title: str, step: Step) -> CarForm:
        """A listed car's form, asking `step` again."""
        draft = car.draft()
        answers = {_FORM_NAMES.get(f.name, f.name): getattr(draft, f.name) for f in fields(draft)}
        return cls(
            chat_id=car.chat_id, group_title=group_title, step=step, editing=car.id, **answers
        )

    def draft(self) -> CarDraft:
        # Seats and energy are asked before the end; a form for a listed car starts full.
        assert self.seats is not None and self.energy is not None
        return CarDraft(
            **{f.name: getattr(self, _FORM_NAMES.get(f.name, f.name)) for f in fields(CarDraft)}
        )

    def advanced(self) -> CarForm | None:
        """The form at its next question; None once it is complete: a new car after the
        last question, a listed car after its one."""
        if self.editing is not None:
            return None
        following = next((step for step in Step if step > self.step), None)
        return None if following is None else replace(self, step=following)

    def read_answer(
        self, text: str, energy_names: Mapping[Energy, Collection[str]]
    ) -> CarForm | FormProblem:
        """Take a typed answer to the pending question.

        `energy_names` are what each energy is called in the bot's languages: a member may
        type « Électrique » or "diesel" instead of pressing its button.
        """
        step = self.step
        if step is Step.NAME:
            name = text.strip()
            if not is_valid_name(name):
                return FormProblem(FormProblemReason.NAME_INVALID, step, name, NAME_MAX_LENGTH)
            return replace(self, name=name)
        if step in (Step.DESCRIPTION, Step.PARKED_AT):
            line = " ".join(text.split())
            if not line:
                return FormProblem(FormProblemReason.NOT_AN_ANSWER, step)
            if len(line) > LINE_MAX_LENGTH:
                return FormProblem(FormProblemReason.TOO_LONG, step, line, LINE_MAX_LENGTH)
            if step is Step.DESCRIPTION:
                return replace(self, description=line)
            return replace(self, parked_at=line)
        if step is Step.SEATS:
            seats = _SEATS.fullmatch(text)
            if seats is None:
                return FormProblem(FormProblemReason.NOT_AN_ANSWER, step)
            return replace(self, seats=int(seats.group(1)))
        if step is Step.ENERGY:
            energy = _energy_named(text, energy_names)
            if energy is None:
                return FormProblem(FormProblemReason.NOT_AN_ANSWER, step)
            return replace(self, energy=energy)
        if step in (Step.RULES, Step.KEYS):
            limit = RULES_MAX_LENGTH if step is Step.RULES else KEYS_MAX_LENGTH
            written = text.strip()
            if len(written) > limit:
                return FormProblem(FormProblemReason.TOO_LONG, step, written, limit)
            if step is Step.RULES:
                return replace(self, rules=written)
            return replace(self, key_instructions=written or None)
        if step is Step.CONTRIBUTION:
            contribution = parse_contribution(text)
            if isinstance(contribution, ContributionProblem):
                return FormProblem(
                    FormProblemReason.CONTRIBUTION, step, text.strip(), contribution=contribution
                )
            return replace(
                self,
                per_km_cents=contribution.per_km_cents,
                per_day_cents=contribution.per_day_cents,
            )
        # The photo and the booking mode are not typed.
        return FormProblem(FormProblemReason.NOT_AN_ANSWER, step)

    def read_choice(self, choice: str) -> CarForm | None:
        """Take a pressed answer (a number of seats, an energy or a booking mode, by its
        value); None if it is not one of the pending question's."""
        step = self.step
        if step is Step.SEATS and choice.isdigit() and 1 <= int(choice) <= 9:
            return replace(self, seats=int(choice))
        if step is Step.ENERGY and choice in {energy.value for energy in Energy}:
            return replace(self, energy=Energy(choice))
        if step is Step.MODE and choice in {mode.value for mode in BookingMode}:
            return replace(self, booking_mode=BookingMode(choice))
        return None

    def read_photo(self, file_id: str) -> CarForm | FormProblem:
        """A photo sent: the car's, when the photo is the question pending."""
        if self.step is not Step.PHOTO:
            return FormProblem(FormProblemReason.NOT_AN_ANSWER, self.step)
        return replace(self, photo_file_id=file_id)

    def skipped(self) -> CarForm | None:
        """The pending question left unanswered (its answer cleared, on a listed car); None
        for a question that must be answered."""
        unanswered = _UNANSWERED.get(self.step)
        return None if unanswered is None else replace(self, **unanswered)

    def name_clash(self, taken: Car | None, owner_name: str) -> FormProblem | None:
        """The name just read, when the group's car of that name (`taken`, as the service
        found it) is another than the one the form changes: the problem, with a name to
        try."""
        if taken is None or taken.id == self.editing:
            return None
        return FormProblem.name_taken(self.name, owner_name)


@dataclass(frozen=True, slots=True)
class FormProblem:
    """What to tell, with what the message needs; `text` is what was typed, as read."""

    reason: FormProblemReason
    step: Step
    text: str = ""
    limit: int = 0
    suggestion: str = ""
    contribution: ContributionProblem | None = None

    @classmethod
    def name_taken(cls, name: str, owner_name: str) -> FormProblem:
        """« clio » taken: try « clio-paul », else « clio2 »."""
        key = name_key(name)
        with_owner = f"{key}-{name_key(owner_name)}"
        suggestion = with_owner if is_valid_name(with_owner) else f"{key[: NAME_MAX_LENGTH - 1]}2"
        return cls(FormProblemReason.NAME_TAKEN, Step.NAME, name, suggestion=suggestion)


class FormProblemReason(StrEnum):
    """Why an answer was not taken, and what its FormProblem says besides."""

    # Not an answer to the question at all (nothing written, no number of seats, no energy
    # known, text where a photo or a button is awaited): the question's own hint says why.
    NOT_AN_ANSWER = "not_an_answer"
    # `text` is no name; `limit`, the length of one.
    NAME_INVALID = "name_invalid"
    # `text` names another car of the group; `suggestion` is a name to try.
    NAME_TAKEN = "name_taken"
    # `limit` is the length not to exceed.
    TOO_LONG = "too_long"
    # `text` could not be read as amounts; `contribution` says why.
    CONTRIBUTION = "contribution"


def _energy_named(text: str, names: Mapping[Energy, Collection[str]]) -> Energy | None:
    typed = name_key(text)
    for energy in Energy:
        if typed in {name_key(energy.value)} | {name_key(name) for name in names.get(energy, ())}:
            return energy
    return None
