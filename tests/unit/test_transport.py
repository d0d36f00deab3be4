from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.transport import MaybeCarriedOut, NotSent, PatientRateLimiter
from tests.fakebot import FakeTelegram


class Flaky:
    """A request that fails with the given errors first, then answers."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": True}


async def _run(limiter: PatientRateLimiter, endpoint: str, request: Flaky) -> object:
    await limiter.initialize()
    try:
        return await limiter.process_request(request, (), {}, endpoint, {"chat_id": -100}, None)
    finally:
        await limiter.shutdown()


def _caused_by(cause: Exception, error: NetworkError) -> NetworkError:
    error.__cause__ = cause  # as `raise error from cause` leaves it
    return error


def _from_httpx(error: httpx.HTTPError) -> NetworkError:
    """What PTB's HTTPXRequest raises for an httpx failure (telegram/request/_httpxrequest.py):
    TimedOut for time-outs, NetworkError for the rest, httpx's error as the cause."""
    if isinstance(error, httpx.TimeoutException):
        return _caused_by(error, TimedOut())
    return _caused_by(error, NetworkError(f"httpx.{type(error).__name__}: {error}"))


@pytest.mark.parametrize("endpoint", ["sendMessage", "getChatMember"])
async def test_gateway_errors_are_retried(endpoint: str) -> None:
    # What PTB raises for Telegram's 502 answer: its description, no transport cause; for
    # a gateway's HTML page, the failure to parse it as the cause.
    request = Flaky(
        NetworkError("Bad Gateway"),
        _caused_by(
            TelegramError("Invalid server response"),
            NetworkError("Bad Gateway (502). Parsing the server response b'<html>' failed"),
        ),
        NetworkError("Service Unavailable"),
        _caused_by(
            TelegramError("Invalid server response"),
            NetworkError("Service Unavailable (503). Parsing the server response b'<h' failed"),
        ),
    )
    assert await _run(PatientRateLimiter(backoff_seconds=0), endpoint, request) == {"ok": True}
    assert request.calls == 5


# A server had the request when it failed (500), or the gateway gave up waiting for its
# answer (504): Telegram may have acted, or may still.
SERVER_FAULTS = [
    NetworkError("Gateway Timeout"),
    _caused_by(
        TelegramError("Invalid server response"),
        NetworkError("Gateway Timeout (504). Parsing the server response b'<html>' failed"),
    ),
    NetworkError("Internal Server Error"),
    NetworkError("Unknown HTTPError (520)"),
]


@pytest.mark.parametrize("error", SERVER_FAULTS, ids=["504", "504-page", "500", "520"])
async def test_a_server_fault_may_have_sent_the_message(error: NetworkError) -> None:
    sending = Flaky(error)
    with pytest.raises(MaybeCarriedOut) as raised:
        await _run(PatientRateLimiter(backoff_seconds=0), "sendMessage", sending)
    assert raised.value.__cause__ is error
    assert sending.calls == 1
    reading = Flaky(error)
    assert await _run(PatientRateLimiter(backoff_seconds=0), "getChatMember", reading)
    assert reading.calls == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.PoolTimeout("no connection free"),
    ],
)
async def test_requests_that_never_left_are_retried(error: httpx.HTTPError) -> None:
    request = Flaky(_from_httpx(error))
    limiter = PatientRateLimiter(backoff_seconds=0)
    assert await _run(limiter, "sendMessage", request) == {"ok": True}
    assert request.calls == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.WriteError("broken pipe"),
        httpx.ReadTimeout("timed out"),
    ],
)
async def test_a_lost_answer_is_retried_only_for_a_read(error: httpx.HTTPError) -> None:
    # Telegram may have sent the message: sending it again could post it twice. Raised as
    # a TimedOut, which the handlers take to mean "maybe delivered, do not repeat".
    failure = _from_httpx(error)
    sending = Flaky(failure)
    with pytest.raises(TimedOut) as raised:
        await _run(PatientRateLimiter(backoff_seconds=0), "sendMessage", sending)
    assert raised.value is failure or raised.value.__cause__ is failure
    assert sending.calls == 1
    # Asking again changes nothing.
    reading = Flaky(_from_httpx(error))
    assert await _run(PatientRateLimiter(backoff_seconds=0), "getChatMember", reading)
    assert reading.calls == 2


@pytest.mark.parametrize("endpoint", ["sendMessage", "getChatMember"])
async def test_flood_waits_are_retried(endpoint: str) -> None:
    request = Flaky(RetryAfter(0))
    assert await _run(PatientRateLimiter(backoff_seconds=0), endpoint, request) == {"ok": True}
    assert request.calls == 2


@pytest.mark.parametrize(
    "error",
    [
        BadRequest("Chat not found"),
        TimedOut(),
        # Not httpx's error: nothing says the request did not leave.
        _caused_by(
            RuntimeError("boom"),
            NetworkError("Unknown error in HTTP implementation: RuntimeError('boom')"),
        ),
    ],
)
async def test_refusals_and_doubts_are_not_repeated(error: Exception) -> None:
    request = Flaky(error)
    with pytest.raises(type(error)):
        await _run(PatientRateLimiter(backoff_seconds=0), "sendMessage", request)
    assert request.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        NetworkError("Bad Gateway"),
        _from_httpx(httpx.ConnectError("[Errno 111] Connection refused")),
        # PTB raises these two as TimedOut: a message that is only "maybe delivered".
        _from_httpx(httpx.ConnectTimeout("timed out")),
        _from_httpx(httpx.PoolTimeout("no connection free")),
    ],
    ids=["502", "refused", "connect-timeout", "pool-timeout"],
)
async def test_gives_up_after_its_retries_with_the_message_not_sent(error: NetworkError) -> None:
    # Never sent: the caller must keep the message (the outbox sends it again), which it
    # does for anything but a TimedOut.
    request = Flaky(*[error] * 10)
    with pytest.raises(NotSent) as raised:
        await _run(PatientRateLimiter(max_retries=2, backoff_seconds=0), "sendMessage", request)
    assert not isinstance(raised.value, TimedOut)
    assert raised.value.__cause__ is error
    assert request.calls == 3


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
)
async def test_the_last_attempt_too_says_the_message_may_be_sent(error: httpx.HTTPError) -> None:
    # A gateway refusal is retried; the last attempt's answer is lost: Telegram may have
    # posted the message, which must not be sent again.
    request = Flaky(NetworkError("Bad Gateway"), _from_httpx(error))
    with pytest.raises(TimedOut):
        await _run(PatientRateLimiter(max_retries=1, backoff_seconds=0), "sendMessage", request)
    assert request.calls == 2


async def test_a_read_that_never_answers_gives_up() -> None:
    request = Flaky(*[_from_httpx(httpx.ReadError("connection reset by peer"))] * 10)
    with pytest.raises(NetworkError):
        await _run(PatientRateLimiter(max_retries=2, backoff_seconds=0), "getChat", request)
    assert request.calls == 3


# Over real HTTP, against the fake Bot API: the errors are PTB's own.


class RefusedFirst(httpx.AsyncBaseTransport):
    """Sends the first `method` request to a port where nothing listens (the connection is
    refused, as by a server that is down), everything else where it was meant to go."""

    def __init__(self, method: str, closed_port: int) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._method = method
        self._closed_port = closed_port
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.refused and request.url.path.endswith(f"/{self._method}"):
            self.refused += 1
            request.url = request.url.copy_with(port=self._closed_port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
def closed_port() -> Iterator[int]:
    # Bound but not listening: a connection to it is refused, and no one else can take it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[ExtBot[Any]]:
    async with ExtBot(
        fake.token,
        base_url=fake.base_url,
        rate_limiter=PatientRateLimiter(backoff_seconds=0),
    ) as bot:
        yield bot


async def test_a_message_whose_answer_is_lost_is_not_sent_twice(
    fake: FakeTelegram, bot: ExtBot[Any]
) -> None:
    alice = fake.add_user("Alice")
    fake.drop_response_next(1, method="sendMessage")
    with pytest.raises(TimedOut, match="RemoteProtocolError"):
        await bot.send_message(alice.id, "Départ confirmé")
    assert [m["text"] for m in fake.messages_in(alice)] == ["Départ confirmé"]
    [call] = [c for c in fake.calls if c.method == "sendMessage"]
    assert call.dropped and call.ok


async def test_a_read_whose_answer_is_lost_is_asked_again(
    fake: FakeTelegram, bot: ExtBot[Any]
) -> None:
    alice = fake.add_user("Alice")
    fake.drop_response_next(1, method="getChat")
    assert (await bot.get_chat(alice.id)).first_name == "Alice"
    assert [c.dropped for c in fake.calls if c.method == "getChat"] == [True, False]


async def test_a_refused_connection_is_retried_and_sends_once(
    fake: FakeTelegram, closed_port: int
) -> None:
    alice = fake.add_user("Alice")
    transport = RefusedFirst("sendMessage", closed_port)
    async with ExtBot(
        fake.token,
        base_url=fake.base_url,
        request=HTTPXRequest(httpx_kwargs={"transport": transport}),
        rate_limiter=PatientRateLimiter(backoff_seconds=0),
    ) as bot:
        sent = await bot.send_message(alice.id, "Départ confirmé")
    assert transport.refused == 1
    assert sent.text == "Départ confirmé"
    assert [m["text"] for m in fake.messages_in(alice)] == ["Départ confirmé"]


async def test_a_gateway_that_stays_down_leaves_the_message_not_sent(fake: FakeTelegram) -> None:
    alice = fake.add_user("Alice")
    fake.fail_next(3, status=502, method="sendMessage")
    async with ExtBot(
        fake.token,
        base_url=fake.base_url,
        rate_limiter=PatientRateLimiter(max_retries=2, backoff_seconds=0),
    ) as bot:
        with pytest.raises(NotSent, match="Bad Gateway") as raised:
            await bot.send_message(alice.id, "Départ confirmé")
    assert not isinstance(raised.value, TimedOut)
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [502] * 3
    assert fake.messages_in(alice) == []


async def test_a_gateway_timeout_is_not_sent_again(fake: FakeTelegram, bot: ExtBot[Any]) -> None:
    alice = fake.add_user("Alice")
    fake.fail_next(1, status=504, method="sendMessage")
    with pytest.raises(TimedOut, match="Gateway Timeout"):
        await bot.send_message(alice.id, "Départ confirmé")
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [504]
