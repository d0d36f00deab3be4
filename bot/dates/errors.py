"""Why a date phrase was refused, in a form the bot can explain to the member."""

from __future__ import annotations

from enum import StrEnum

# Long messages are cut when echoed back: the member only needs to recognise their words.
_ECHO_LIMIT = 80


class DateErrorReason(StrEnum):
    """One reason per explanation in the `dates` catalog (`dates.error.<value>`)."""

    NO_DATE = "no_date"
    PAST = "past"
    IMPOSSIBLE = "impossible"
    END_BEFORE_START = "end_before_start"
    WEEKDAY_MISMATCH = "weekday_mismatch"
    TOO_VAGUE = "too_vague"
    TOO_FAR = "too_far"
    RECURRING = "recurring"


class DateParseError(ValueError):
    """A phrase that names no single usable interval; `text` is what the member wrote."""

    def __init__(self, reason: DateErrorReason, text: str) -> None:
        echo = " ".join(text.split())
        if len(echo) > _ECHO_LIMIT:
            echo = echo[: _ECHO_LIMIT - 1].rstrip() + "…"
        super().__init__(f"{reason.value}: {echo!r}")
        self.reason = reason
        self.text = echo

    @property
    def message_key(self) -> str:
        """The catalog key whose text explains this refusal, with `{text}` to fill in."""
        return f"dates.error.{self.reason.value}"


class Refusal(Exception):
    """Raised inside the package; the public functions turn it into a `DateParseError`."""

    def __init__(self, reason: DateErrorReason) -> None:
        super().__init__(reason.value)
        self.reason = reason
