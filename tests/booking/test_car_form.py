"""The car form: the order of its questions, what each answer means, and what is refused,
with what the message needs to say why."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.booking.car_form import (
    KEYS_MAX_LENGTH,
    LINE_MAX_LENGTH,
    RULES_MAX_LENGTH,
    CarForm,
    FormProblem,
    FormProblemReason,
    Step,
)
from bot.booking.names import NAME_MAX_LENGTH
from bot.contribution import ContributionProblem
from storage.models import BookingMode, Car, CarDraft, Energy
from tests.booking.conftest import CHAT, OWNER, Village

# What the translator gives the handler: each energy's name in French and in English.
ENERGY_NAMES = {
    Energy.PETROL: ["Essence", "Petrol"],
    Energy.DIESEL: ["Diesel", "Diesel"],
    Energy.ELECTRIC: ["Électrique", "Electric"],
    Energy.HYBRID: ["Hybride", "Hybrid"],
}
NOT_AN_ANSWER = FormProblemReason.NOT_AN_ANSWER
TOO_LONG = FormProblemReason.TOO_LONG

# A new car's answers as a member gives them: typed, or pressed; the photo is sent.
TYPED = {
    Step.NAME: " Zoé ",
    Step.DESCRIPTION: "Renault  Zoé\n bleue",
    Step.ENERGY: "électrique",
    Step.PARKED_AT: "Devant la mairie",
    Step.RULES: " Non-fumeur.\nPlein au retour. ",
    Step.CONTRIBUTION: "0,10 €/km et 5 € par jour",
    Step.KEYS: "boîte à clés, code 1234",
}
PRESSED = {Step.SEATS: "4", Step.MODE: "windows"}


def at(step: Step, **answers: Any) -> CarForm:
    return replace(CarForm(chat_id=CHAT, group_title="Saint-Martin", step=step), **answers)


def read(step: Step, text: str) -> CarForm | FormProblem:
    return at(step).read_answer(text, ENERGY_NAMES)


def taken(step: Step, text: str) -> CarForm:
    answer = read(step, text)
    assert isinstance(answer, CarForm), answer
    assert answer.step is step
    return answer


def refused(step: Step, text: str) -> FormProblem:
    answer = read(step, text)
    assert isinstance(answer, FormProblem), answer
    assert answer.step is step
    return answer


def filled() -> tuple[CarForm, list[Step]]:
    """A new car's form with every question answered, and the questions in the order asked."""
    form: CarForm | None = at(Step.NAME)
    asked = []
    answer: CarForm | FormProblem | None
    while form is not None:
        step = form.step
        asked.append(step)
        if step in TYPED:
            answer = form.read_answer(TYPED[step], ENERGY_NAMES)
        elif step in PRESSED:
            answer = form.read_choice(PRESSED[step])
        else:
            answer = form.read_photo("AgAD")
        assert isinstance(answer, CarForm), answer
        form, done = answer.advanced(), answer
    return done, asked


async def listed(village: Village) -> Car:
    car = await village.service.add_car(CHAT, OWNER, filled()[0].draft())
    assert isinstance(car, Car), car
    return car


# The questions


def test_a_new_car_is_asked_every_question_in_order() -> None:
    form, asked = filled()
    assert asked == list(Step)
    assert form.step is Step.MODE


def test_a_new_car_s_draft_has_every_answer_as_read() -> None:
    draft = filled()[0].draft()
    assert (draft.name, draft.description) == ("Zoé", "Renault Zoé bleue")
    assert (draft.seats, draft.energy, draft.parked_at) == (4, Energy.ELECTRIC, "Devant la mairie")
    assert (draft.rules, draft.photo_file_id) == ("Non-fumeur.\nPlein au retour.", "AgAD")
    assert (draft.contribution_per_km_cents, draft.contribution_per_day_cents) == (10, 500)
    assert (draft.key_instructions, draft.booking_mode) == (TYPED[Step.KEYS], BookingMode.WINDOWS)


def test_moving_on_keeps_the_answers() -> None:
    assert at(Step.SEATS, name="Clio", seats=5).advanced() == at(Step.ENERGY, name="Clio", seats=5)


async def test_a_listed_car_s_form_asks_one_question_and_makes_the_same_car(
    village: Village,
) -> None:
    car = await listed(village)
    for step in Step:
        form = CarForm.for_car(car, "Saint-Martin", step)
        assert (form.chat_id, form.editing, form.step) == (CHAT, car.id, step)
        assert form.draft() == car.draft()
        assert form.advanced() is None


def test_steps_are_named_by_their_key() -> None:
    assert Step.PARKED_AT.key == "parked_at"
    assert all(Step.from_key(step.key) is step for step in Step)
    assert Step.from_key("colour") is None
    assert Step.from_key(None) is None


def test_taking_an_answer_leaves_the_form_as_it_was() -> None:
    form = at(Step.NAME)
    assert form.read_answer("Clio", ENERGY_NAMES) != form
    assert form.name == ""


# Typed answers


@pytest.mark.parametrize(
    ("typed", "name"), [("Clio", "Clio"), (" kangoo-mairie ", "kangoo-mairie")]
)
def test_a_name(typed: str, name: str) -> None:
    assert taken(Step.NAME, typed).name == name


@pytest.mark.parametrize(
    ("typed", "read_as"), [("la clio ", "la clio"), ("  ", ""), ("x" * 21,) * 2]
)
def test_a_name_that_is_no_name_is_told_with_the_limit(typed: str, read_as: str) -> None:
    assert refused(Step.NAME, typed) == FormProblem(
        FormProblemReason.NAME_INVALID, Step.NAME, read_as, NAME_MAX_LENGTH
    )


@pytest.mark.parametrize("step", [Step.DESCRIPTION, Step.PARKED_AT])
def test_a_line_is_one_line_of_single_spaces_with_a_limit(step: Step) -> None:
    form = taken(step, "  Devant la\n  mairie,   côté   école ")
    assert "Devant la mairie, côté école" in (form.description, form.parked_at)
    assert isinstance(read(step, "x" * LINE_MAX_LENGTH + " \n"), CarForm)
    problem = refused(step, "x" * (LINE_MAX_LENGTH + 1))
    assert (problem.reason, problem.limit) == (TOO_LONG, LINE_MAX_LENGTH)
    assert refused(step, " \n ") == FormProblem(NOT_AN_ANSWER, step)


@pytest.mark.parametrize(
    ("typed", "seats"), [("5", 5), (" 7 ", 7), ("5 places", 5), ("1 PLACE", 1), ("4seats", 4)]
)
def test_seats(typed: str, seats: int) -> None:
    assert taken(Step.SEATS, typed).seats == seats


@pytest.mark.parametrize("typed", ["0", "10", "cinq", "5 personnes", "5.5", "", "places"])
def test_seats_not_read(typed: str) -> None:
    assert refused(Step.SEATS, typed) == FormProblem(NOT_AN_ANSWER, Step.SEATS)


@pytest.mark.parametrize(
    ("typed", "energy"),
    [("Petrol", Energy.PETROL), ("ÉLECTRIQUE", Energy.ELECTRIC), (" hybride ", Energy.HYBRID)],
)
def test_an_energy_by_its_name_in_any_language(typed: str, energy: Energy) -> None:
    assert taken(Step.ENERGY, typed).energy is energy


def test_an_energy_by_its_value_whatever_the_names() -> None:
    answer = at(Step.ENERGY).read_answer("Diesel", {})
    assert isinstance(answer, CarForm)
    assert answer.energy is Energy.DIESEL


@pytest.mark.parametrize("typed", ["vapeur", "gasoil", "", "essence diesel"])
def test_an_energy_not_known(typed: str) -> None:
    assert refused(Step.ENERGY, typed) == FormProblem(NOT_AN_ANSWER, Step.ENERGY)


def test_rules_keep_their_lines_and_may_be_empty() -> None:
    assert taken(Step.RULES, TYPED[Step.RULES]).rules == "Non-fumeur.\nPlein au retour."
    assert taken(Step.RULES, "   ").rules == ""


def test_key_instructions_left_empty_are_none() -> None:
    assert taken(Step.KEYS, " sous le pot ").key_instructions == "sous le pot"
    assert taken(Step.KEYS, " ").key_instructions is None


@pytest.mark.parametrize(
    ("step", "limit"), [(Step.RULES, RULES_MAX_LENGTH), (Step.KEYS, KEYS_MAX_LENGTH)]
)
def test_rules_and_keys_have_a_limit(step: Step, limit: int) -> None:
    assert isinstance(read(step, "x" * limit + "\n"), CarForm)
    problem = refused(step, "x" * (limit + 1))
    assert (problem.reason, problem.limit) == (TOO_LONG, limit)


def test_a_contribution_replaces_the_one_before() -> None:
    form = at(Step.CONTRIBUTION, per_km_cents=30)
    answer = form.read_answer("10 € par jour", ENERGY_NAMES)
    assert answer == replace(form, per_km_cents=None, per_day_cents=1000)
    assert form.read_answer("gratuit", ENERGY_NAMES) == replace(form, per_km_cents=None)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [(" beaucoup ", ContributionProblem.UNREADABLE), ("-3 €/km", ContributionProblem.NEGATIVE)],
)
def test_a_contribution_not_read_says_why_and_what_was_typed(
    typed: str, problem: ContributionProblem
) -> None:
    assert refused(Step.CONTRIBUTION, typed) == FormProblem(
        FormProblemReason.CONTRIBUTION, Step.CONTRIBUTION, typed.strip(), contribution=problem
    )


@pytest.mark.parametrize("step", [Step.PHOTO, Step.MODE])
def test_a_photo_and_a_mode_are_not_typed(step: Step) -> None:
    assert refused(step, "sur demande") == FormProblem(NOT_AN_ANSWER, step)


# Names taken


async def test_a_name_another_car_has_is_told_with_one_to_try(village: Village) -> None:
    clio = await village.add_car("clio")
    assert taken(Step.NAME, "CLÏO").name_clash(clio, "Paul") == FormProblem(
        FormProblemReason.NAME_TAKEN, Step.NAME, "CLÏO", suggestion="clio-paul"
    )


async def test_a_free_name_or_the_car_s_own_is_no_clash(village: Village) -> None:
    car = await listed(village)
    assert taken(Step.NAME, "Clio").name_clash(None, "Paul") is None
    own = CarForm.for_car(car, "Saint-Martin", Step.NAME).read_answer("ZOE", ENERGY_NAMES)
    assert isinstance(own, CarForm)
    assert own.name_clash(car, "Paul") is None


def test_the_name_suggested_has_the_owner_s_name_or_a_2() -> None:
    assert FormProblem.name_taken("Zoé", "Hélène").suggestion == "zoe-helene"
    # Beyond the length, or an owner's name with a space: the name and a 2.
    assert FormProblem.name_taken("clio", "Jean Pierre").suggestion == "clio2"
    long_name = FormProblem.name_taken("kangoo-du-presbytere", "Paul")
    assert long_name.suggestion == "kangoo-du-presbyter2"


# Pressed answers


@pytest.mark.parametrize(
    ("step", "choice", "answers"),
    [
        (Step.SEATS, "9", {"seats": 9}),
        (Step.ENERGY, "hybrid", {"energy": Energy.HYBRID}),
        (Step.MODE, "on_request", {"booking_mode": BookingMode.ON_REQUEST}),
    ],
)
def test_a_pressed_answer(step: Step, choice: str, answers: dict[str, Any]) -> None:
    assert at(step, booking_mode=BookingMode.WINDOWS).read_choice(choice) == at(
        step, **{"booking_mode": BookingMode.WINDOWS, **answers}
    )


def test_a_pressed_answer_of_another_question_or_of_none() -> None:
    buttons = {Step.SEATS: "4", Step.ENERGY: "petrol", Step.MODE: "windows"}
    for step in Step:
        accepted = {choice for choice in buttons.values() if at(step).read_choice(choice)}
        assert accepted == ({buttons[step]} if step in buttons else set())
        for wrong in ["0", "10", "steam", "", "skip"]:
            assert at(step).read_choice(wrong) is None


async def test_an_optional_question_skipped_clears_its_answer_only(village: Village) -> None:
    car = await listed(village)

    def skipped(step: Step) -> CarDraft:
        form = CarForm.for_car(car, "Saint-Martin", step).skipped()
        assert form is not None
        return form.draft()

    draft = car.draft()
    assert skipped(Step.RULES) == replace(draft, rules="")
    assert skipped(Step.PHOTO) == replace(draft, photo_file_id=None)
    assert skipped(Step.CONTRIBUTION) == replace(
        draft, contribution_per_km_cents=None, contribution_per_day_cents=None
    )
    assert skipped(Step.KEYS) == replace(draft, key_instructions=None)


def test_only_optional_questions_may_be_skipped() -> None:
    skippable = {step for step in Step if at(step).skipped() is not None}
    assert skippable == {step for step in Step if step.optional}
    assert skippable == {Step.RULES, Step.PHOTO, Step.CONTRIBUTION, Step.KEYS}


def test_a_photo_answers_only_the_photo_question() -> None:
    assert at(Step.PHOTO).read_photo("AgAD") == at(Step.PHOTO, photo_file_id="AgAD")
    assert at(Step.RULES).read_photo("AgAD") == FormProblem(NOT_AN_ANSWER, Step.RULES)
