"""Outgoing requests: Telegram's flood limits respected, passing faults retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def _posts_to_a_chat(endpoint: str) -> bool:
    """Telegram's flood limits count messages: sending and editing them."""
    return endpoint.startswith(("send", "edit", "copy", "forward"))


def _seconds(delay: float | timedelta) -> float:
    # A timedelta with PTB_TIMEDELTA on (see bot/__init__.py), seconds without it.
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter (30 messages/s overall, 20/min per group, 429 retried after the
    time Telegram asks), which also retries a request Telegram answered with a 5xx or
    that never connected: such a request was not carried out, so retrying cannot
    send a message twice. A time-out is not retried, as Telegram may have acted.

    Only messages are throttled: AIORateLimiter would count a `getChatMember` about a
    group against that group's 20 messages a minute, and make a member wait for nothing.
    """

    def __init__(self, max_retries: int = 4, backoff_seconds: float = 0.5) -> None:
        super().__init__(max_retries=max_retries)
        self._network_retries = max_retries
        self._backoff = backoff_seconds

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        for attempt in range(self._network_retries + 1):
            try:
                if _posts_to_a_chat(endpoint):
                    return await super().process_request(
                        callback, args, kwargs, endpoint, data, rate_limit_args
                    )
                return await callback(*args, **kwargs)
            except (BadRequest, TimedOut):
                raise
            except RetryAfter as exc:
                # Messages were already retried by AIORateLimiter; other calls wait here.
                if _posts_to_a_chat(endpoint) or attempt == self._network_retries:
                    raise
                await asyncio.sleep(_seconds(exc.retry_after))
            except NetworkError as exc:
                if attempt == self._network_retries or endpoint == "getUpdates":
                    raise
                delay = self._backoff * 2**attempt
                log.warning("%s failed (%s), retrying in %.1fs", endpoint, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
