"""Multi-step private forms (a car, a trip reading, the charter) as PTB conversations."""

from __future__ import annotations

import warnings
from typing import Any

from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers.context import CovoisinContext


def form_conversation(**options: Any) -> ConversationHandler[CovoisinContext]:
    """A ConversationHandler whose buttons are tracked per chat or user, not per message.

    PTB warns about that set-up; here it is meant: every form button names what it
    answers (its booking, car or question), so a button from an earlier step is
    recognised and refused by the form itself.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(**options)
