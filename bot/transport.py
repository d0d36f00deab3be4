"""Outgoing requests: Telegram's flood limits respected, passing faults retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def _posts_to_a_chat(endpoint: str) -> bool:
    """Telegram's flood limits count messages: sending and editing them."""
    return endpoint.startswith(("send", "edit", "copy", "forward"))


class MaybeCarriedOut(TimedOut):
    """The request failed after it left (a read error, the connection closed before the
    answer): Telegram may have acted on it. A TimedOut, which the callers already take to
    mean just that: a message that may have been delivered is not sent again."""


def _changes_nothing(endpoint: str) -> bool:
    """Asking again is harmless, whatever became of the first request."""
    return endpoint.startswith("get")


# httpx's failures before the request left: no connection (refused, unreachable, DNS, TLS
# handshake) or none free in the pool. Any later one (ReadError, RemoteProtocolError,
# WriteError, ReadTimeout...) may come after Telegram received the request and acted on it.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _not_carried_out(exc: NetworkError) -> bool:
    """Whether Telegram certainly did not act on the request (telegram/request/: PTB raises
    httpx's failures as TimedOut or NetworkError caused by httpx's error)."""
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPError):
        return isinstance(cause, _NEVER_SENT)
    # Otherwise a plain NetworkError is Telegram's error answer, one PTB has no exception
    # for (a 5xx: Bad Gateway...), which means it did not act; caused, at most, by the
    # failure to parse it (a gateway's HTML page). Any other cause ("Unknown error in HTTP
    # implementation") or a TimedOut from elsewhere says nothing.
    return not isinstance(exc, TimedOut) and (cause is None or isinstance(cause, TelegramError))


def _seconds(delay: float | timedelta) -> float:
    # A timedelta with PTB_TIMEDELTA on (see bot/__init__.py), seconds without it.
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter (30 messages/s overall, 20/min per group, 429 retried after the
    time Telegram asks), which also retries a request Telegram answered with a 5xx or
    that never connected: such a request was not carried out, so retrying cannot
    send a message twice. Any other failure (a read error, a connection closed before the
    answer, a time-out) may come after Telegram acted: it is raised, as a TimedOut, except
    for a `get...` request, which is asked again.

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
            except BadRequest:  # a NetworkError too, for PTB
                raise
            except RetryAfter as exc:
                # Messages were already retried by AIORateLimiter; other calls wait here.
                if _posts_to_a_chat(endpoint) or attempt == self._network_retries:
                    raise
                await asyncio.sleep(_seconds(exc.retry_after))
            except NetworkError as exc:  # TimedOut included
                if attempt == self._network_retries or endpoint == "getUpdates":
                    raise
                if not (_not_carried_out(exc) or _changes_nothing(endpoint)):
                    if isinstance(exc, TimedOut):
                        raise
                    raise MaybeCarriedOut(str(exc)) from exc
                delay = self._backoff * 2**attempt
                log.warning("%s failed (%s), retrying in %.1fs", endpoint, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
