from __future__ import annotations

from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.transport import PatientRateLimiter


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


@pytest.mark.parametrize("endpoint", ["sendMessage", "getChatMember"])
async def test_gateway_errors_are_retried(endpoint: str) -> None:
    request = Flaky(NetworkError("Bad Gateway"), NetworkError("Bad Gateway"))
    assert await _run(PatientRateLimiter(backoff_seconds=0), endpoint, request) == {"ok": True}
    assert request.calls == 3


@pytest.mark.parametrize("endpoint", ["sendMessage", "getChatMember"])
async def test_flood_waits_are_retried(endpoint: str) -> None:
    request = Flaky(RetryAfter(0))
    assert await _run(PatientRateLimiter(backoff_seconds=0), endpoint, request) == {"ok": True}
    assert request.calls == 2


@pytest.mark.parametrize("error", [BadRequest("Chat not found"), TimedOut()])
async def test_refusals_and_timeouts_are_not_repeated(error: Exception) -> None:
    # A time-out may have been carried out by Telegram: sending again could say it twice.
    request = Flaky(error)
    with pytest.raises(type(error)):
        await _run(PatientRateLimiter(backoff_seconds=0), "sendMessage", request)
    assert request.calls == 1


async def test_gives_up_after_its_retries() -> None:
    request = Flaky(*[NetworkError("Bad Gateway")] * 10)
    with pytest.raises(NetworkError):
        await _run(PatientRateLimiter(max_retries=2, backoff_seconds=0), "sendMessage", request)
    assert request.calls == 3
