"""The name of a forgotten member is written in each reader's language."""

from __future__ import annotations

from bot.i18n import Phrase, Translator


def test_a_phrase_is_written_in_the_language_of_the_message() -> None:
    translator = Translator.load("fr")
    former = Phrase("privacy.former_member")
    french = translator.text(
        "fr", "cancel.notice.by_borrower", borrower=former, car="Clio", when=""
    )
    english = translator.text(
        "en", "cancel.notice.by_borrower", borrower=former, car="Clio", when=""
    )
    assert french.startswith("❌ ancien membre a annulé")
    assert english.startswith("❌ former member cancelled")
    counted = translator.plural("en", "delivery.group_nudge", 1, member=former)
    assert "former member" in counted and "privacy." not in counted
    # Other values are still escaped.
    assert "&lt;b&gt;" in translator.text("fr", "start.welcome", name="<b>")
