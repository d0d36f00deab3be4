"""The forms kept in `user_data` are plain data: `plain` writes what the persistence stores
as JSON, `restored` reads it back the same, and anything else is no form at all."""

from __future__ import annotations

import json

import pytest

from bot.booking import BookingMode, Energy
from bot.booking.car_form import CarForm
from bot.booking.car_form import Step as CarStep
from bot.trips import ReadingMoment
from handlers.booking import HeldRequest
from handlers.common.conversations import plain, restored
from handlers.reputation import FeedbackDraft
from handlers.trip.form import Step as TripStep
from handlers.trip.form import TripForm
from storage.persistence import to_json

FORMS: list[object] = [
    CarForm(chat_id=-100, group_title="Saint-Martin"),
    CarForm(
        chat_id=-100,
        group_title="Saint-Martin",
        step=CarStep.KEYS,
        editing=3,
        name="Clio",
        description="grise",
        seats=5,
        energy=Energy.ELECTRIC,
        parked_at="devant la mairie",
        rules="pas de chien",
        photo_file_id="AgAD",
        per_km_cents=30,
        per_day_cents=None,
        key_instructions="sous le pot",
        booking_mode=BookingMode.ON_REQUEST,
    ),
    TripForm(1, -100, "Clio", ReadingMoment.RETURN, TripStep.FUEL, 45210, None, True, 2),
    TripForm(1, -100, "Clio", None, TripStep.PROBLEM_TEXT),
    FeedbackDraft(4, thumbs_up=False, tags={"on_time", "clean"}, comment="Merci"),
    HeldRequest(-100, True, "clio", "Clio", "samedi matin"),
    HeldRequest(-100, False, None, "zoe", "zoe demain"),
]


@pytest.mark.parametrize("form", FORMS)
def test_a_form_comes_back_equal_from_its_json(form: object) -> None:
    kept = plain(form)  # type: ignore[arg-type]
    stored = json.loads(to_json(kept))
    assert restored(type(form), stored) == form  # type: ignore[type-var]


def test_enums_are_kept_as_their_values_and_sets_as_sorted_lists() -> None:
    draft = FeedbackDraft(4, thumbs_up=True, tags={"on_time", "clean"})
    assert plain(draft) == {
        "booking_id": 4,
        "thumbs_up": True,
        "tags": ["clean", "on_time"],
        "comment": "",
    }
    form = TripForm(1, -100, "Clio", ReadingMoment.PICKUP, TripStep.CONFIRM_LOWER)
    kept = plain(form)
    assert (kept["moment"], kept["step"]) == ("pickup", 2)


def test_a_field_the_data_lacks_takes_its_default_and_an_unknown_one_is_left() -> None:
    form = restored(CarForm, {"chat_id": -100, "group_title": "Village", "colour": "grise"})
    assert form == CarForm(chat_id=-100, group_title="Village")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "car_form",
        [],
        {"group_title": "Village"},  # no group: not a form
        {"chat_id": "-100", "group_title": "Village"},
        {"chat_id": -100, "group_title": "Village", "seats": True},
        {"chat_id": -100, "group_title": "Village", "seats": 4.5},
        {"chat_id": -100, "group_title": "Village", "energy": "steam"},
        {"chat_id": -100, "group_title": "Village", "step": 42},
        {"chat_id": -100, "group_title": "Village", "editing": [3]},
    ],
)
def test_what_is_not_a_form_is_none(data: object) -> None:
    assert restored(CarForm, data) is None


def test_tags_must_be_a_list_of_words() -> None:
    assert restored(FeedbackDraft, {"booking_id": 4, "thumbs_up": True, "tags": "clean"}) is None
    assert restored(FeedbackDraft, {"booking_id": 4, "thumbs_up": True, "tags": [1]}) is None
