"""/reglages takes a pressed option only when it is one that it offers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.moderation import settings_choices as choices
from bot.moderation.service import GroupSetting, zone_named
from bot.settings import SUPPORTED_LANGUAGES


def test_every_offered_value_parses_to_its_setting() -> None:
    offers = [offer for page in choices.PAGES.values() for offer in page]
    # Each setting is offered once, on one page.
    assert sorted(offer.setting for offer in offers) == sorted(GroupSetting)
    for offer in offers:
        for value in offer.values:
            option = f"{offer.prefix}{value}"
            assert choices.SetValue(offer.setting, value).option() == option
            assert choices.press_of(option) == choices.SetValue(offer.setting, value)


def test_the_menu_its_pages_the_languages_and_the_zones_parse() -> None:
    presses: list[choices.Press] = [
        choices.ShowMenu(),
        *(choices.ShowPage(page) for page in choices.PAGES),
        *(choices.SetLanguage(language) for language in SUPPORTED_LANGUAGES),
        *(choices.SetZone(code) for code in choices.ZONES),
    ]
    for press in presses:
        assert choices.press_of(press.option()) == press
    assert choices.press_of("menu") == choices.ShowMenu()
    assert choices.press_of("p_trust") == choices.ShowPage("trust")
    assert choices.press_of("lang_en") == choices.SetLanguage("en")
    assert choices.press_of("tz_mtq") == choices.SetZone("mtq")
    assert choices.SetZone("mtq").zone == "America/Martinique"
    assert choices.press_of("exp_720") == choices.SetValue(GroupSetting.REQUEST_EXPIRY, 720)


def test_the_listed_zones_are_twelve_real_ones() -> None:
    assert len(choices.ZONES) == 12
    assert all(zone_named(zone) == zone for zone in choices.ZONES.values())


def test_each_value_stands_for_its_time_in_its_field_unit() -> None:
    assert choices.span_of(GroupSetting.REQUEST_EXPIRY, 720) == timedelta(hours=12)
    assert choices.span_of(GroupSetting.HORIZON, 30) == timedelta(days=30)
    assert choices.span_of(GroupSetting.END_REMINDER, 900) == timedelta(minutes=15)
    assert choices.span_of(GroupSetting.TRUSTED_BORROWINGS, 2) is None
    assert choices.span_of(GroupSetting.VOUCH_REQUIRED, 1) is None


NEVER_OFFERED = ("tz_xyz", "tz_par1", "end_7", "over_99999", "pick_60", "vreq_2", "lang_de")
OTHERWISE_WRITTEN = ("exp_0720", "exp_+720", "exp_720 ", "exp_７２０", "EXP_720", "tz_PAR")
RAW_TEXT = ("tz_Europe/Paris", "Europe/Paris", "lang_français", "exp_", "p_", "p_nope", "")


@pytest.mark.parametrize("option", NEVER_OFFERED + OTHERWISE_WRITTEN + RAW_TEXT)
def test_a_forged_option_asks_nothing(option: str) -> None:
    assert choices.press_of(option) is None


def test_the_charter_and_another_zone_are_written_not_chosen() -> None:
    assert choices.press_of(choices.CHARTER) is None
    assert choices.press_of(choices.OTHER_ZONE) is None
