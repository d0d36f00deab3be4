"""The HTTP side: aiohttp routes, request decoding, the call log, waiting, failure injection.

Runs inside the test's event loop, so a test can await what the bot does while the bot (in
the same loop or in another process) talks to it over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from .errors import ApiError, bad_request, not_found
from .methods import BotApi
from .spec import JsonDict, Spec, UploadedFile
from .state import Webhook, World

MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Call:
    """One request the bot made, with the fake's answer."""

    index: int
    method: str
    params: dict[str, Any]
    status: int
    response: JsonDict
    injected: bool = False  # the answer came from fail_next()
    dropped: bool = False  # carried out, but the answer was never sent (drop_response_next())
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    def summary(self) -> str:
        p = self.params
        bits = [f"#{self.index} {self.method}"]
        for key in ("chat_id", "message_id", "callback_query_id", "user_id", "offset"):
            if key in p:
                bits.append(f"{key}={p[key]!r}")
        for key in ("text", "caption"):
            if isinstance(p.get(key), str):
                text = p[key] if len(p[key]) <= 70 else p[key][:67] + "..."
                bits.append(f"{key}={text!r}")
        if isinstance(p.get("reply_markup"), dict):
            buttons = [
                b.get("callback_data") or b.get("url") or b.get("text")
                for row in p["reply_markup"].get("inline_keyboard", [])
                for b in row
            ]
            if buttons:
                bits.append(f"buttons={buttons!r}")
        outcome = "ok" if self.ok else f"-> {self.status} {self.description!r}"
        if self.injected:
            outcome += " (injected)"
        if self.dropped:
            outcome += " (answer dropped)"
        return " ".join(bits) + f" {outcome}"


@dataclass
class Delivery:
    """One POST of an update to the bot's webhook, and how it went."""

    update_id: int
    kind: str
    status: int | None  # None: no HTTP answer (connection refused, timeout)
    error: str | None = None  # as getWebhookInfo's last_error_message words it
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Failure:
    remaining: int
    error: ApiError | None  # None: carry the call out, then drop the answer
    methods: frozenset[str] | None  # None: every method except getUpdates

    def matches(self, method: str) -> bool:
        if self.methods is None:
            return method != "getUpdates"
        return method in self.methods


class FakeBotServer:
    """The server and the observation API; FakeTelegram adds the world-driving test API."""

    def __init__(
        self,
        *,
        spec_path: Path | str | None = None,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "CovoisinTestBot",
        bot_first_name: str = "Covoisin",
        privacy_mode: bool = True,
        strict_html: bool = True,
        strict_params: bool = True,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        host: str = "127.0.0.1",
        webhook_retry_delay: float = 0.05,
    ) -> None:
        m = re.fullmatch(r"(\d+):[\w-]+", token)
        if not m:
            raise ValueError(f"token {token!r} is not shaped like a bot token (123456:ABC-def)")
        self.token = token
        self.spec = Spec.load(spec_path)
        self.strict_params = strict_params
        self.host = host
        self.protocol_errors: list[str] = []
        self.world = World(
            self.spec,
            bot_id=int(m.group(1)),
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            privacy_mode=privacy_mode,
            clock=clock,
            seed=seed,
        )
        self.api = BotApi(self.world, strict_html=strict_html)
        self.calls: list[Call] = []
        self.deliveries: list[Delivery] = []
        self.webhook_retry_delay = webhook_retry_delay
        self._pusher: asyncio.Task[None] | None = None
        self._consumed: set[int] = set()
        self._failures: list[_Failure] = []
        self._calls_cond = asyncio.Condition()
        self._updates_cond = asyncio.Condition()
        self._poll_generation = 0
        self._polls_waiting = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ---------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        # handler_cancellation: a bot process killed mid long-poll must not leave a
        # getUpdates waiting here (it would answer the next poll with a 409 Conflict).
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing = False
        self._pusher = asyncio.create_task(self._push_updates(), name="fake webhook pusher")

    async def stop(self, *, check: bool = True) -> None:
        """Stop serving (pending long polls return at once); then, unless check=False, fail
        if the fake saw protocol errors."""
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._runner is not None:
            self._closing = True
            await self._changed()
            await self._runner.cleanup()
            self._runner = None
        if check:
            self.check()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Do not bury the test's own failure under a protocol-error report.
        await self.stop(check=exc is None)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the fake is not started (await fake.start())")
        return self._port

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url(...) / BOT_API_BASE_URL (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ApplicationBuilder().base_file_url(...), needed to download files."""
        return f"http://{self.host}:{self.port}/file/bot"

    def env(self) -> dict[str, str]:
        """Environment variables for `python -m bot` (see bot/settings.py)."""
        return {"BOT_TOKEN": self.token, "BOT_API_BASE_URL": self.base_url}

    # ------------------------------------------------------------------------------ checks

    def _protocol_error(self, message: str) -> None:
        self.protocol_errors.append(message)

    def check(self) -> None:
        """Fail if the fake saw something a real exchange with Telegram could not contain:
        an object it emitted that breaks the spec, an unimplemented or unknown method..."""
        if self.protocol_errors:
            raise AssertionError(
                "fake Telegram saw protocol errors:\n  " + "\n  ".join(self.protocol_errors)
            )

    @property
    def errors(self) -> list[Call]:
        """Calls Telegram would have refused (4xx/5xx), except failures injected by the test."""
        return [c for c in self.calls if not c.ok and not c.injected]

    def assert_no_bad_requests(self) -> None:
        bad = [c for c in self.errors if c.status == 400]
        if bad:
            raise AssertionError(
                "the bot made bad requests:\n  " + "\n  ".join(c.summary() for c in bad)
            )

    # ---------------------------------------------------------------------------- failures

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: int = 1,
        method: str | Iterable[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `n` matching calls with an error instead of handling them.

        status=429 answers "Too Many Requests: retry after N" with parameters.retry_after;
        5xx answers as Telegram's gateway ("Bad Gateway" for 502); any other status needs a
        `description`. method=None matches every method except getUpdates (a polling bot
        calls it continually, which would make "the next call" a race); name getUpdates
        explicitly to break polling.
        """
        if status == 429:
            error = ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                parameters={"retry_after": retry_after},
            )
        elif status >= 500 or description is None:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            error = ApiError(status, description or phrase)
        else:
            error = ApiError(status, description)
        self._inject(n, error, method)

    def drop_response_next(self, n: int = 1, *, method: str | Iterable[str] | None = None) -> None:
        """Carry out the next `n` matching calls, then close their connection without
        answering: the request reached Telegram, its answer was lost on the way back (the
        client sees "Server disconnected without sending a response"). The call is recorded
        with its would-be answer and `dropped=True`. `method` as for fail_next."""
        self._inject(n, None, method)

    def _inject(self, n: int, error: ApiError | None, method: str | Iterable[str] | None) -> None:
        if n < 1:
            raise ValueError("n must be >= 1")
        methods: frozenset[str] | None = None
        if method is not None:
            names = [method] if isinstance(method, str) else list(method)
            methods = frozenset(self._canonical(name) for name in names)
        # One list for both kinds: injections apply in the order the test made them.
        self._failures.append(_Failure(n, error, methods))

    def _take_failure(self, method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.matches(method):
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _canonical(self, method: str) -> str:
        spec = self.spec.method(method)
        if spec is None:
            raise ValueError(f"{method!r} is not a Bot API method")
        return spec.name

    # ------------------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            # Telegram: 401 for a well-formed but wrong token.
            body = ApiError(401, "Unauthorized").body()
            await self._record(name, {}, 401, body)
            return web.json_response(body, status=401)
        spec_method = self.spec.method(name)
        if spec_method is None:
            body = not_found().body()
            await self._record(name, {}, 404, body)
            return web.json_response(body, status=404)
        method = spec_method.name
        params: dict[str, Any] = {}
        injected = dropped = False
        try:
            raw, files = await self._read_params(request)
            params = {**raw, **files}
            params, unknown = self.spec.coerce_params(spec_method, raw, files)
            if self.strict_params:
                for key in unknown:
                    if key not in files:
                        self._protocol_error(
                            f"{method}: unknown parameter {key!r} (Telegram would silently "
                            f"ignore it; not in Bot API {self.spec.version})"
                        )
            failure = self._take_failure(method)
            if failure is not None and failure.error is not None:
                injected = True
                e = failure.error
                raise ApiError(e.status, e.description, parameters=e.parameters)
            dropped = failure is not None
            result = await self._dispatch(method, params)
            for problem in self.spec.validate_result(spec_method, result):
                self._protocol_error(f"{method} returned an invalid result: {problem}")
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.status, exc.body()
        except Exception:
            self._protocol_error(f"{method}: the fake crashed:\n{traceback.format_exc()}")
            status = 500
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        await self._record(method, params, status, body, injected=injected, dropped=dropped)
        await self._changed()
        if dropped:
            assert request.transport is not None
            request.transport.abort()
            # How aiohttp ends a handler whose connection is gone: nothing is written.
            raise asyncio.CancelledError
        return web.json_response(body, status=status)

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, object], dict[str, UploadedFile]]:
        """Query string, then the body: form-urlencoded or multipart (what PTB sends, every
        non-string value JSON-encoded) or JSON (what other clients send)."""
        raw: dict[str, object] = dict(request.query.items())
        files: dict[str, UploadedFile] = {}
        if not request.body_exists:
            return raw, files
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected as request body")
            raw.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        key, value.filename, value.content_type, value.file.read()
                    )
                elif isinstance(value, str):
                    raw[key] = value
                else:
                    raw[key] = bytes(value).decode("utf-8", "replace")
        return raw, files

    async def _dispatch(self, method: str, params: dict[str, Any]) -> object:
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = self.api.handlers.get(method)
        if handler is None:
            self._protocol_error(f"the bot called {method}, which the fake does not implement")
            raise ApiError(501, f"Not Implemented: the fake Telegram server has no {method}")
        return handler(params)

    async def _get_updates(self, params: dict[str, Any]) -> list[JsonDict]:
        w = self.world
        if w.webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        if "allowed_updates" in params:
            w.set_allowed_updates(params["allowed_updates"])
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(int(params.get("timeout", 0)), 0)
        if params.get("offset") is not None:
            w.confirm(params["offset"])
            await self._changed()  # someone may wait for the bot to confirm updates
        self._poll_generation += 1
        generation = self._poll_generation

        def ready() -> bool:
            return (
                self._closing
                or w.webhook is not None
                or generation != self._poll_generation
                or any(w.update_kind(u) in w.allowed_updates for u in w.updates)
            )

        if timeout and not ready():
            self._polls_waiting += 1
            await self._changed()  # for wait_polling()
            try:
                async with self._updates_cond:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(timeout):
                            await self._updates_cond.wait_for(ready)
            finally:
                self._polls_waiting -= 1
        if w.webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        if generation != self._poll_generation:
            raise ApiError(409, _CONFLICT)
        return w.deliverable(limit)

    # --------------------------------------------------------------------------- webhook

    @property
    def webhook(self) -> Webhook | None:
        """What the bot registered with setWebhook (secret_token included, which
        getWebhookInfo never shows), None while it polls."""
        return copy.copy(self.world.webhook)

    async def _push_updates(self) -> None:
        try:
            await self._push_forever()
        except Exception:
            # Otherwise the task would die silently and every wait would just time out.
            self._protocol_error(f"the fake's webhook pusher crashed:\n{traceback.format_exc()}")

    async def _push_forever(self) -> None:
        """Telegram's side of a webhook: POST the oldest pending update and wait for the
        bot's answer before the next, so they arrive in order; on a non-2xx answer or no
        answer, retry the same update after a pause that doubles up to a second, or at
        once if the bot sets its webhook again (it restarted)."""
        w = self.world
        pause = self.webhook_retry_delay
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                async with self._updates_cond:
                    await self._updates_cond.wait_for(
                        lambda: w.webhook is not None and bool(w.deliverable(1))
                    )
                hook = w.webhook
                assert hook is not None  # wait_for returned on it
                [update] = w.deliverable(1)
                delivery = await self._post_update(session, hook, update)
                self.deliveries.append(delivery)
                if delivery.ok:
                    # Like an offset: also forgets older updates of kinds not asked for.
                    w.confirm(update["update_id"] + 1)
                    pause = self.webhook_retry_delay
                    await self._changed()
                    continue
                hook.last_error_date = w.now()
                hook.last_error_message = delivery.error
                await self._changed()
                await self._retry_pause(hook, pause)
                pause = min(pause * 2, 1.0)

    async def _retry_pause(self, hook: Webhook, pause: float) -> None:
        """Wait `pause` seconds, or until the webhook is set again or removed."""
        async with self._updates_cond:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._updates_cond.wait_for(lambda: self.world.webhook is not hook)

    async def _post_update(
        self, session: aiohttp.ClientSession, hook: Webhook, update: JsonDict
    ) -> Delivery:
        update_id, kind = update["update_id"], self.world.update_kind(update)
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with session.post(hook.url, json=update, headers=headers) as response:
                await response.read()
        except aiohttp.ClientConnectorError:
            return Delivery(update_id, kind, None, "Connection refused")
        except TimeoutError:
            return Delivery(update_id, kind, None, "Read timeout expired")
        except aiohttp.ClientError as exc:
            return Delivery(update_id, kind, None, f"Connection failed: {exc}")
        error = None
        if not 200 <= response.status < 300:
            error = f"Wrong response from the webhook: {response.status} {response.reason}"
        return Delivery(update_id, kind, response.status, error)

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.file_by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(not_found().body(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _record(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        body: JsonDict,
        *,
        injected: bool = False,
        dropped: bool = False,
    ) -> Call:
        call = Call(len(self.calls), method, copy.deepcopy(params), status, copy.deepcopy(body))
        call.injected = injected
        call.dropped = dropped
        self.calls.append(call)
        async with self._calls_cond:
            self._calls_cond.notify_all()
        return call

    async def _changed(self) -> None:
        """Wake long polls (new updates, shutting down) and waiters on confirmations."""
        async with self._updates_cond:
            self._updates_cond.notify_all()

    # --------------------------------------------------------------------------- waiting

    def mark(self) -> int:
        """A position in the call log: pass it as `since=` to only match calls made later."""
        return len(self.calls)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (documented API; asyncio.timeout inside)
        ok: bool | None = True,
        since: int = 0,
    ) -> Call:
        """The oldest not yet consumed call to `method` (ok=True: successful ones only;
        False: failed ones; None: either) matching `predicate`, waiting for it if needed.
        Each call is returned at most once across wait_for_call/next_message. since=mark()
        skips calls made before that mark (e.g. "the next getUpdates from now on")."""
        canonical = self._canonical(method)

        def match(call: Call) -> bool:
            return (
                call.index >= since
                and call.method == canonical
                and (ok is None or call.ok == ok)
                and (predicate is None or predicate(call))
            )

        return await self._wait_call(match, f"{method} call", timeout)

    async def next_message(
        self,
        chat: Any = None,
        *,
        to_user: Any = None,
        text_contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 (documented API; asyncio.timeout inside)
        since: int = 0,
    ) -> JsonDict:
        """The next message the bot sent (sendMessage/sendPhoto/sendDocument), optionally in
        `chat` (a FakeChat or chat id), to `to_user` (their private chat) and containing
        `text_contains` (in the text or caption). Returns the Message as sent."""
        chat_id = _chat_id(chat) if chat is not None else None
        if to_user is not None:
            chat_id = _chat_id(to_user)

        def match(call: Call) -> bool:
            if call.index < since or call.method not in MESSAGE_METHODS or not call.ok:
                return False
            msg = call.result
            if chat_id is not None and msg["chat"]["id"] != chat_id:
                return False
            body = msg.get("text", msg.get("caption", ""))
            return text_contains is None or text_contains in body

        what = "message"
        if chat_id is not None:
            what += f" in chat {chat_id}"
        if text_contains is not None:
            what += f" containing {text_contains!r}"
        call = await self._wait_call(match, what, timeout)
        result: JsonDict = call.result
        return result

    async def _wait_call(
        self,
        match: Callable[[Call], bool],
        what: str,
        timeout: float,  # noqa: ASYNC109
    ) -> Call:
        def find() -> Call | None:
            return next((c for c in self.calls if c.index not in self._consumed and match(c)), None)

        async with self._calls_cond:
            try:
                async with asyncio.timeout(timeout):
                    found = await self._calls_cond.wait_for(find)
            except TimeoutError:
                raise AssertionError(self._timeout_report(what, timeout)) from None
        assert found is not None  # wait_for returns only once find() is truthy
        self._consumed.add(found.index)
        return found

    def unconsumed_calls(self, *methods: str) -> list[Call]:
        """Calls not yet returned by wait_for_call/next_message (getUpdates excluded), e.g. to
        assert the bot sent nothing else: `assert not fake.unconsumed_calls("sendMessage")`."""
        wanted = {self._canonical(m) for m in methods}
        return [
            c
            for c in self.calls
            if c.index not in self._consumed
            and c.method != "getUpdates"
            and (not wanted or c.method in wanted)
        ]

    def _timeout_report(self, what: str, timeout: float) -> str:
        lines = [f"fake Telegram: no {what} within {timeout}s."]
        recent = self.unconsumed_calls()[-15:]
        if recent:
            lines.append("What the bot did meanwhile (calls not consumed by the test):")
            lines += [f"  {c.summary()}" for c in recent]
        else:
            lines.append("The bot made no other calls (apart from getUpdates).")
        if self.world.updates:
            kinds = ", ".join(self.world.update_kind(u) for u in self.world.updates[:10])
            lines.append(
                f"{len(self.world.updates)} update(s) not yet confirmed by the bot ({kinds}); "
                f"allowed_updates={sorted(self.world.allowed_updates)}"
            )
        hook = self.world.webhook
        if hook is not None:
            pushed = sum(1 for d in self.deliveries if d.ok)
            lines.append(
                f"Webhook {hook.url}: {pushed} update(s) delivered; last error: "
                f"{hook.last_error_message or 'none'}"
            )
        elif not any(c.method == "getUpdates" for c in self.calls):
            lines.append("The bot never called getUpdates: is it running and polling?")
        if self.protocol_errors:
            lines.append("Protocol errors: " + "; ".join(self.protocol_errors[:5]))
        return "\n".join(lines)

    async def wait_polling(
        self,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (documented API; asyncio.timeout inside)
    ) -> None:
        """Wait until the bot has a long poll (getUpdates with a timeout) waiting here: it is
        up and listening."""
        async with self._updates_cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._updates_cond.wait_for(lambda: self._polls_waiting > 0)
            except TimeoutError:
                raise AssertionError(self._timeout_report("long poll", timeout)) from None

    async def wait_webhook(
        self,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (documented API; asyncio.timeout inside)
    ) -> Webhook:
        """Wait until the bot has set a webhook (it is starting: updates are pushed, and
        retried until its server answers). Returns the registration, secret included."""
        async with self._updates_cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._updates_cond.wait_for(lambda: self.world.webhook is not None)
            except TimeoutError:
                raise AssertionError(self._timeout_report("webhook", timeout)) from None
        webhook = self.webhook
        assert webhook is not None  # just waited for it
        return webhook

    async def wait_updates_confirmed(
        self,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (documented API; asyncio.timeout inside)
    ) -> None:
        """Wait until the bot has confirmed (getUpdates with a higher offset) every update
        emitted so far. It has then fetched them, not necessarily finished handling them."""
        if not self.world.updates:
            return
        last = self.world.updates[-1]["update_id"]

        def done() -> bool:
            return all(u["update_id"] > last for u in self.world.updates)

        async with self._updates_cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._updates_cond.wait_for(done)
            except TimeoutError:
                raise AssertionError(
                    self._timeout_report(f"confirmation of update {last}", timeout)
                ) from None


def _chat_id(ref: Any) -> int:
    """A chat id from a FakeChat, a FakeUser (their private chat) or an int."""
    if isinstance(ref, int):
        return ref
    chat_id = getattr(ref, "id", None)
    if not isinstance(chat_id, int):
        raise TypeError(f"not a chat: {ref!r}")
    return chat_id
