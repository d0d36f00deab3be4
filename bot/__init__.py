"""Covoisin: car sharing between neighbours, in the village's Telegram group."""

import os

# PTB 22 opts in, through this variable, to durations such as RetryAfter.retry_after as
# timedelta (its next major version's only behaviour); without it every 429 logs a
# deprecation warning. Set here so the bot process and the tests run the same way.
os.environ.setdefault("PTB_TIMEDELTA", "1")
