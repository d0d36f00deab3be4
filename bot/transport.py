"""Outgoing requests: Telegram's flood limits respected, passing faults retried."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from datetime import timedelta
from http import HTTPStatus
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
    answer, a gateway that gave up waiting for Telegram): Telegram may have acted on it. A
    TimedOut, which the callers already take to mean just that: a message that may have
    been delivered is not sent again."""


class NotSent(NetworkError):
    """The request certainly was not carried out (no connection could be made, or a
    gateway refused it: 502, 503), and the retries are used up. Not a TimedOut, on purpose: the
    callers take a TimedOut to mean "maybe delivered" and drop the message, where this one
    must be kept and sent again later (the outbox, a reminder's next try)."""


def _changes_nothing(endpoint: str) -> bool:
    """Asking again is harmless, whatever became of the first request."""
    return endpoint.startswith("get")


# httpx's failures before the request left: no connection (refused, unreachable, DNS, TLS
# handshake) or none free in the pool. Any later one (ReadError, RemoteProtocolError,
# WriteError, ReadTimeout...) may come after Telegram received the request and acted on it.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# The 5xx answers that mean the request was not carried out: the gateway in front of
# Telegram's servers could not reach them (502 Bad Gateway), or they turned it away
# (503 Service Unavailable). The other 5xx come after a server had the request: it broke
# while on it (500) or the gateway stopped waiting for its answer (504 Gateway Timeout,
# nginx's "Gateway Time-out"), and it may still have acted; for a message, sending it
# again could post it twice. (A 502 from a server that broke while answering is not ruled
# out, but it is what Telegram answers through most of an outage: retrying it is what
# keeps the messages going.)
_REFUSED_PHRASES = (HTTPStatus.BAD_GATEWAY.phrase, HTTPStatus.SERVICE_UNAVAILABLE.phrase)
_SERVER_FAULT_PHRASES = (
    *(s.phrase for s in HTTPStatus if s >= 500 and s.phrase not in _REFUSED_PHRASES),
    "Gateway Time-out",
)
# PTB words an answer without a description "<phrase> (<status>)" (telegram/request/
# _baserequest.py), a gateway's HTML page included; with one, the description alone.
_STATUS = re.compile(r"[A-Za-z' -]*\((\d{3})\)")


def _server_fault(message: str) -> bool:
    """Whether PTB's message for an error answer is that of a 5xx other than 502 or 503."""
    if status := _STATUS.match(message):
        code = int(status.group(1))
        return code >= 500 and code not in {HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE}
    return message.startswith(_SERVER_FAULT_PHRASES)


def _not_carried_out(exc: NetworkError) -> bool:
    """Whether Telegram certainly did not act on the request (telegram/request/: PTB raises
    httpx's failures as TimedOut or NetworkError caused by httpx's error)."""
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPError):
        return isinstance(cause, _NEVER_SENT)
    # Otherwise a plain NetworkError is Telegram's error answer, one PTB has no exception
    # for (a 5xx, a 4xx other than 400, 401, 403, 404, 409); caused, at most, by the
    # failure to parse it (a gateway's HTML page). A refusal, unless a server had the
    # request (see _SERVER_FAULT_PHRASES). Any other cause ("Unknown error in HTTP
    # implementation") or a TimedOut from elsewhere says nothing.
    return (
        not isinstance(exc, TimedOut)
        and (cause is None or isinstance(cause, TelegramError))
        and not _server_fault(exc.message)
    )


def _seconds(delay: float | timedelta) -> float:
    # A timedelta with PTB_TIMEDELTA on (see bot/__init__.py), seconds without it.
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter (30 messages/s overall, 20/min per group, 429 retried after the
    time Telegram asks), which also retries a request that Telegram certainly did not carry
    out: one that never connected, or that a gateway refused (502, 503). Retrying those
    cannot send a message twice; when the retries run out they are raised as NotSent,
    which is no TimedOut: the caller keeps the message for later. Any other failure (a read
    error, a connection closed before the answer, a time-out, a 500 or 504) may come after
    Telegram acted: it is raised at once as a TimedOut (MaybeCarriedOut), except for a
    `get...` request, which is asked again.

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
                if endpoint == "getUpdates":
                    raise  # PTB's updater retries its polls itself
                # What became of the request decides first, whatever the attempt: a message
                # that may have been delivered must come out as a TimedOut (not sent again),
                # one that certainly was not as anything but (kept, and sent again later).
                if not (_not_carried_out(exc) or _changes_nothing(endpoint)):
                    if isinstance(exc, TimedOut):
                        raise
                    raise MaybeCarriedOut(exc.message) from exc
                if attempt == self._network_retries:
                    # Never carried out, or a read that changed nothing: either way nothing
                    # happened, and the caller may keep what it was doing for later.
                    raise NotSent(exc.message) from exc
                delay = self._backoff * 2**attempt
                log.warning("%s failed (%s), retrying in %.1fs", endpoint, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
