"""The Python client over a mocked API (respx): errors, retries, headers, configuration, timeouts, compile's GET or
POST, and the paged lists. Every test runs on both `PromptbankClient` and `AsyncPromptbankClient` (`Driver` runs the
same scenario on either). The cache is in test_client_cache.py.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import promptbank_client
import promptbank_client._async.client
import promptbank_client._sync.client
import pytest
import respx
from promptbank_client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncPromptbankClient,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoneError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    PromptbankClient,
    PromptbankError,
    RateLimitError,
    models,
)

BASE = "http://127.0.0.1:3999"  # never reached: respx answers every request
KEY = "pb_live_" + "a" * 64
OTHER_KEY = "pb_live_" + "b" * 64


class Driver:
    """One scenario, either client. `run(value)` is the value of a blocking call or the result of an asyncio call's
    coroutine (run on one event loop kept for the test, so background revalidations survive between calls);
    `sleeps` records the delays the client's retries asked for (nothing really sleeps)."""

    def __init__(self, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kind = kind
        self.sleeps: list[float] = []
        self._clients: list[Any] = []
        self._loop = asyncio.new_event_loop() if kind == "async" else None
        if kind == "sync":
            monkeypatch.setattr(promptbank_client._sync.client, "sleep", self.sleeps.append)
        else:

            async def sleep(delay: float) -> None:
                self.sleeps.append(delay)

            monkeypatch.setattr(promptbank_client._async.client, "sleep", sleep)

    def client(self, base_url: str | None = BASE, api_key: str | None = KEY, **options: Any) -> Any:
        cls = PromptbankClient if self.kind == "sync" else AsyncPromptbankClient
        client = cls(base_url, api_key, **options)
        self._clients.append(client)
        return client

    def run(self, value: Any) -> Any:
        if self._loop is None:
            return value
        return self._loop.run_until_complete(value)

    def collect(self, items: Any) -> list[Any]:
        if self._loop is None:
            return list(items)

        async def gather() -> list[Any]:
            return [item async for item in items]

        return self._loop.run_until_complete(gather())

    def wait(self, client: Any) -> None:
        """Let the client's background revalidations finish."""
        self.run(client._background.wait())

    def close(self) -> None:
        for client in self._clients:
            self.run(client.close() if self.kind == "sync" else client.aclose())
        if self._loop is not None:
            self._loop.close()


def make_driver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Driver]:
    driver = Driver(request.param, monkeypatch)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture(params=["sync", "async"])
def drive(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Driver]:
    yield from make_driver(request, monkeypatch)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMPTBANK_BASE_URL", raising=False)
    monkeypatch.delenv("PROMPTBANK_API_KEY", raising=False)


# ----------------------------------------------------------------------------------------------- API shapes


def compiled_body(text: str = "Hello Ada", etag: str = "e1", **fields: Any) -> dict[str, Any]:
    return {
        "id": "0b6f3c1e-6f1a-4a57-9d2b-1f0e6f1f0a01", "slug": "greeting", "name": "Greeting", "version": 1,
        "label": "production", "compiled_prompt": text, "compiled_system_prompt": None, "model_config": {},
        "variables": [], "variables_used": ["name"], "missing_variables": [], "unused_variables": [], "tokens": 3,
        "tokenizer": "o200k_base", "etag": etag, **fields,
    }


def prompt_body(content: str = "Hello {{name}}", etag: str = "p1", **fields: Any) -> dict[str, Any]:
    return {
        "id": "0b6f3c1e-6f1a-4a57-9d2b-1f0e6f1f0a01", "slug": "greeting", "name": "Greeting", "description": None,
        "category": "Uncategorized", "tags": [], "framework": None, "is_public": False, "owner_id": "u1",
        "content": content, "system_prompt": None, "variables": [], "model_config": {}, "version": 1,
        "latest_version": 1, "labels": {"latest": 1, "production": 1}, "published_version": 1, "etag": etag,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z", **fields,
    }


def summary_body(slug: str) -> dict[str, Any]:
    body = prompt_body(slug=slug)
    for field in ("content", "system_prompt", "variables"):
        del body[field]
    return body


def user_body() -> dict[str, Any]:
    return {"id": "u1", "email": "ann@example.com", "name": "Ann", "plan": "free", "created_at": "2026-12-01T00:00:00Z"}


def envelope(code: str, message: str, details: list[dict[str, Any]] | None = None, request_id: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "details": details or []}
    if request_id is not None:
        error["request_id"] = request_id
    return {"error": error}


def error_response(status: int, code: str = "ERR", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=envelope(code, f"status {status}"), headers=headers)


# ------------------------------------------------------------------------------------------------ errors

ERROR_CLASSES = [
    (400, "VALIDATION_ERROR", BadRequestError),
    (401, "UNAUTHORIZED", AuthenticationError),
    (403, "FORBIDDEN", PermissionDeniedError),
    (404, "NOT_FOUND", NotFoundError),
    (409, "CONFLICT", ConflictError),
    (410, "GONE", GoneError),
    (412, "PRECONDITION_FAILED", PreconditionFailedError),
    (413, "PAYLOAD_TOO_LARGE", PayloadTooLargeError),
    (429, "RATE_LIMITED", RateLimitError),
    (500, "INTERNAL_ERROR", InternalServerError),
    (502, "PROVIDER_ERROR", InternalServerError),
    (503, "SERVICE_UNAVAILABLE", InternalServerError),
    (504, "PROVIDER_TIMEOUT", InternalServerError),
]


@pytest.mark.parametrize(("status", "code", "error_class"), ERROR_CLASSES)
def test_each_error_status_raises_its_class_with_the_envelopes_fields(
    drive: Driver, api: respx.MockRouter, status: int, code: str, error_class: type[APIStatusError]
) -> None:
    details = [{"field": "name", "message": "required"}]
    api.get("/v1/auth/me").respond(status, json=envelope(code, "It went wrong", details, "req-123"))
    client = drive.client(max_retries=0)
    with pytest.raises(error_class) as caught:
        drive.run(client.me())
    error = caught.value
    assert type(error) is error_class
    assert isinstance(error, APIStatusError) and isinstance(error, PromptbankError)
    assert (error.status_code, error.code, error.message, error.details, error.request_id) == (
        status, code, "It went wrong", details, "req-123",
    )
    assert code in str(error) and str(status) in str(error)
    assert getattr(promptbank_client, error_class.__name__) is error_class


def test_a_status_without_its_own_class_is_an_api_status_error(drive: Driver, api: respx.MockRouter) -> None:
    api.get("/v1/auth/me").respond(418, json=envelope("TEAPOT", "short and stout"))
    with pytest.raises(APIStatusError) as caught:
        drive.run(drive.client().me())
    assert type(caught.value) is APIStatusError
    assert (caught.value.status_code, caught.value.code) == (418, "TEAPOT")
    assert len(api.calls) == 1


def test_the_request_id_comes_from_the_envelope_else_the_x_request_id_header(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me")
    route.side_effect = [
        httpx.Response(404, json=envelope("NOT_FOUND", "gone"), headers={"X-Request-Id": "from-header"}),
        httpx.Response(404, json=envelope("NOT_FOUND", "gone", request_id="from-body"), headers={"X-Request-Id": "from-header"}),
    ]
    client = drive.client()
    with pytest.raises(NotFoundError) as first:
        drive.run(client.me())
    with pytest.raises(NotFoundError) as second:
        drive.run(client.me())
    assert first.value.request_id == "from-header"
    assert second.value.request_id == "from-body"


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (502, b"<html><body>Bad gateway</body></html>", InternalServerError),
        (404, b"Not here", NotFoundError),
        (403, b'{"message": "Forbidden"}', PermissionDeniedError),  # JSON, but not the envelope (a gateway's)
        (401, b"", AuthenticationError),
    ],
)
def test_a_body_that_is_not_the_envelope_still_gives_the_right_class(
    drive: Driver, api: respx.MockRouter, status: int, body: bytes, error_class: type[APIStatusError]
) -> None:
    api.get("/v1/auth/me").respond(status, content=body, headers={"X-Request-Id": "rid-9"})
    with pytest.raises(error_class) as caught:
        drive.run(drive.client(max_retries=0).me())
    assert caught.value.code == f"HTTP_{status}"
    assert caught.value.message == (body.decode() or httpx.codes.get_reason_phrase(status))
    assert caught.value.details == []
    assert caught.value.request_id == "rid-9"


def test_a_long_non_envelope_body_is_truncated_to_500_characters(drive: Driver, api: respx.MockRouter) -> None:
    api.get("/v1/auth/me").respond(500, text="x" * 2000)
    with pytest.raises(InternalServerError) as caught:
        drive.run(drive.client(max_retries=0).me())
    assert caught.value.message == "x" * 500


# ------------------------------------------------------------------------------------------------ retries


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_retried_until_an_answer(drive: Driver, api: respx.MockRouter, status: int) -> None:
    route = api.get("/v1/auth/me")
    route.side_effect = [error_response(status), error_response(status), httpx.Response(200, json=user_body())]
    user = drive.run(drive.client().me())
    assert isinstance(user, models.User) and user.email == "ann@example.com"
    assert route.call_count == 3
    assert len(drive.sleeps) == 2


@pytest.mark.parametrize("max_retries", [0, 1, 2, 4])
def test_max_retries_extra_attempts_then_the_error(drive: Driver, api: respx.MockRouter, max_retries: int) -> None:
    route = api.get("/v1/auth/me").respond(503, json=envelope("SERVICE_UNAVAILABLE", "later"))
    with pytest.raises(InternalServerError) as caught:
        drive.run(drive.client(max_retries=max_retries).me())
    assert caught.value.status_code == 503
    assert route.call_count == max_retries + 1
    assert len(drive.sleeps) == max_retries


def test_the_default_is_two_retries_with_exponential_backoff_and_jitter(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me").respond(500, json=envelope("INTERNAL_ERROR", "boom"))
    with pytest.raises(InternalServerError):
        drive.run(drive.client().me())
    assert route.call_count == 3
    assert 0.375 <= drive.sleeps[0] <= 0.5
    assert 0.75 <= drive.sleeps[1] <= 1.0


def test_the_backoff_is_capped_at_8_seconds(drive: Driver, api: respx.MockRouter) -> None:
    api.get("/v1/auth/me").respond(502, json=envelope("PROVIDER_ERROR", "boom"))
    with pytest.raises(InternalServerError):
        drive.run(drive.client(max_retries=7).me())
    assert len(drive.sleeps) == 7
    for attempt, delay in enumerate(drive.sleeps):
        base = min(8.0, 0.5 * 2**attempt)
        assert 0.75 * base <= delay <= base, (attempt, delay)
    assert max(drive.sleeps) <= 8.0


def test_the_jitter_varies_the_delays(drive: Driver, api: respx.MockRouter) -> None:
    api.get("/v1/auth/me").respond(503, json=envelope("SERVICE_UNAVAILABLE", "later"))
    client = drive.client(max_retries=1)
    for _ in range(20):
        with pytest.raises(InternalServerError):
            drive.run(client.me())
    assert len(set(drive.sleeps)) > 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 412, 413, 422])
def test_4xx_is_never_retried(drive: Driver, api: respx.MockRouter, status: int) -> None:
    route = api.get("/v1/auth/me").mock(return_value=error_response(status))
    with pytest.raises(APIStatusError) as caught:
        drive.run(drive.client().me())
    assert caught.value.status_code == status
    assert route.call_count == 1
    assert drive.sleeps == []


def test_connection_errors_are_retried_and_raise_api_connection_error(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me").mock(side_effect=httpx.ConnectError("Connection refused"))
    with pytest.raises(APIConnectionError) as caught:
        drive.run(drive.client().me())
    assert not isinstance(caught.value, APITimeoutError)
    assert not isinstance(caught.value, APIStatusError)
    assert route.call_count == 3
    assert len(drive.sleeps) == 2


def test_a_connection_error_then_an_answer_succeeds(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me")
    route.side_effect = [httpx.ConnectError("reset"), httpx.RemoteProtocolError("dropped"), httpx.Response(200, json=user_body())]
    assert drive.run(drive.client().me()).id == "u1"
    assert route.call_count == 3


@pytest.mark.parametrize("timeout_error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_timeouts_raise_api_timeout_error_after_the_retries(
    drive: Driver, api: respx.MockRouter, timeout_error: type[httpx.TimeoutException]
) -> None:
    route = api.get("/v1/auth/me").mock(side_effect=timeout_error("timed out"))
    with pytest.raises(APITimeoutError) as caught:
        drive.run(drive.client().me())
    assert isinstance(caught.value, APIConnectionError)
    assert route.call_count == 3


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_the_delay(drive: Driver, api: respx.MockRouter, status: int) -> None:
    route = api.get("/v1/auth/me")
    route.side_effect = [error_response(status, headers={"Retry-After": "3"}), httpx.Response(200, json=user_body())]
    drive.run(drive.client().me())
    assert drive.sleeps == [3.0]


def test_retry_after_as_an_http_date_is_the_delay(drive: Driver, api: respx.MockRouter) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    route = api.get("/v1/auth/me")
    route.side_effect = [error_response(429, headers={"Retry-After": when}), httpx.Response(200, json=user_body())]
    drive.run(drive.client().me())
    assert len(drive.sleeps) == 1
    assert 20 <= drive.sleeps[0] <= 30


def test_a_retry_after_over_60_seconds_is_not_waited_for(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me").mock(return_value=error_response(429, "QUOTA_EXCEEDED", headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitError) as caught:
        drive.run(drive.client().me())
    assert caught.value.retry_after == 120.0
    assert caught.value.code == "QUOTA_EXCEEDED"
    assert route.call_count == 1
    assert drive.sleeps == []


def test_rate_limit_error_carries_retry_after_or_none(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me")
    route.side_effect = [error_response(429, headers={"Retry-After": "7"}), error_response(429)]
    client = drive.client(max_retries=0)
    with pytest.raises(RateLimitError) as with_header:
        drive.run(client.me())
    with pytest.raises(RateLimitError) as without:
        drive.run(client.me())
    assert with_header.value.retry_after == 7.0
    assert without.value.retry_after is None


def test_a_retried_post_sends_the_same_idempotency_key_every_time(drive: Driver, api: respx.MockRouter) -> None:
    route = api.post("/v1/prompts")
    route.side_effect = [error_response(503), httpx.ConnectError("reset"), httpx.Response(201, json=prompt_body())]
    client = drive.client()
    created = drive.run(client.create_prompt(name="Greeting", content="Hello {{name}}"))
    assert isinstance(created, models.Prompt)
    keys = [call.request.headers.get("Idempotency-Key") for call in route.calls]
    assert len(keys) == 3 and len(set(keys)) == 1
    assert uuid.UUID(keys[0])

    route.side_effect = None
    route.return_value = httpx.Response(201, json=prompt_body())
    drive.run(client.create_prompt(name="Greeting", content="Hello {{name}}"))
    assert route.calls.last.request.headers["Idempotency-Key"] != keys[0]  # a new call, a new key


def test_the_callers_idempotency_key_is_sent_on_every_retry(drive: Driver, api: respx.MockRouter) -> None:
    run_result = {
        "output": "Hi", "model": "gpt-4o-mini", "provider": "openai", "input_tokens": 1, "output_tokens": 1,
        "latency_ms": 5, "cost_usd": 0.0, "run_id": "r1", "prompt_id": "p", "prompt_version": 1, "finish_reason": "stop",
    }
    route = api.post("/v1/prompts/greeting/run")
    route.side_effect = [error_response(502), httpx.Response(200, json=run_result)]
    drive.run(drive.client().run("greeting", {"name": "Ann"}, idempotency_key="my-key-1"))
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == ["my-key-1", "my-key-1"]
    assert json.loads(route.calls.last.request.content) == {"variables": {"name": "Ann"}}


def test_an_if_match_patch_retried_after_a_lost_answer_sends_the_same_idempotency_key(
    drive: Driver, api: respx.MockRouter
) -> None:
    # Given a PATCH with If-Match whose first answer is lost (the API replays it for the same key: no 412 for the
    # version the first attempt made)
    route = api.patch("/v1/prompts/greeting")
    route.side_effect = [httpx.ReadTimeout("lost"), httpx.Response(200, json=prompt_body())]
    # When it is retried
    drive.run(drive.client().update_prompt("greeting", if_match="v1", content="Hi {{name}}"))
    # Then both attempts carry the same key and the same If-Match
    sent = [(c.request.headers.get("Idempotency-Key"), c.request.headers["If-Match"]) for c in route.calls]
    assert len(sent) == 2 and sent[0] == sent[1] and sent[0][1] == '"v1"'
    assert uuid.UUID(sent[0][0])


def test_a_get_has_no_idempotency_key(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me").respond(200, json=user_body())
    drive.run(drive.client().me())
    assert "Idempotency-Key" not in route.calls.last.request.headers


# ------------------------------------------------------------------------------------- headers and configuration


def test_the_key_is_sent_as_a_bearer_token_with_the_clients_user_agent(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me").respond(200, json=user_body())
    drive.run(drive.client().me())
    headers = route.calls.last.request.headers
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["User-Agent"] == f"promptbank-python/{promptbank_client.__version__}"


def test_the_client_names_itself_in_x_promptbank_client(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/auth/me").respond(200, json=user_body())
    drive.run(drive.client().me())
    assert route.calls.last.request.headers["X-Promptbank-Client"] == f"promptbank-python/{promptbank_client.__version__}"


def test_without_a_key_no_authorization_header_is_sent(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/health").respond(200, json={"status": "ok", "version": "1"})
    drive.run(drive.client(api_key=None).health())
    assert "Authorization" not in route.calls.last.request.headers


def test_base_url_and_key_default_to_the_environment(
    drive: Driver, monkeypatch: pytest.MonkeyPatch, api: respx.MockRouter
) -> None:
    monkeypatch.setenv("PROMPTBANK_BASE_URL", BASE + "/prod/")  # a stage URL keeps its path, not its trailing slash
    monkeypatch.setenv("PROMPTBANK_API_KEY", OTHER_KEY)
    route = api.get("/prod/v1/auth/me").respond(200, json=user_body())
    client = drive.client(base_url=None, api_key=None)
    assert client.base_url == BASE + "/prod"
    drive.run(client.me())
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {OTHER_KEY}"


def test_arguments_win_over_the_environment(drive: Driver, monkeypatch: pytest.MonkeyPatch, api: respx.MockRouter) -> None:
    monkeypatch.setenv("PROMPTBANK_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("PROMPTBANK_API_KEY", OTHER_KEY)
    route = api.get("/v1/auth/me").respond(200, json=user_body())
    drive.run(drive.client(base_url=BASE + "/", api_key=KEY).me())
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"


def test_the_default_base_url_is_the_local_runtime(drive: Driver) -> None:
    with respx.mock(base_url="http://127.0.0.1:3000") as local:
        route = local.get("/v1/auth/me").respond(200, json=user_body())
        client = drive.client(base_url=None, api_key=None)
        assert client.base_url == "http://127.0.0.1:3000"
        drive.run(client.me())
    assert route.call_count == 1


def test_a_negative_max_retries_is_refused(drive: Driver) -> None:
    with pytest.raises(ValueError):
        drive.client(max_retries=-1)


# ------------------------------------------------------------------------------------------------ timeouts


def timeout_of(route: respx.Route) -> float:
    return float(route.calls.last.request.extensions["timeout"]["read"])


LLM_CALLS: list[tuple[str, str, Callable[[Any], Awaitable[Any] | Any]]] = [
    ("POST", "/v1/prompts/greeting/run", lambda c: c.run("greeting")),
    ("POST", "/v1/chat", lambda c: c.chat("gpt-4o-mini", [{"role": "user", "content": "Hi"}])),
    ("POST", "/v1/enhance", lambda c: c.enhance("Write a poem")),
    ("POST", "/v1/evaluate", lambda c: c.evaluate([{"input": {}}], prompt="Hi")),
]


@pytest.mark.parametrize(("method", "path", "call"), LLM_CALLS)
def test_the_llm_routes_wait_30_seconds_by_default_and_others_5(
    drive: Driver, api: respx.MockRouter, method: str, path: str, call: Callable[[Any], Any]
) -> None:
    llm = api.route(method=method, path=path).mock(side_effect=httpx.ReadTimeout("slow"))
    plain = api.get("/v1/auth/me").mock(side_effect=httpx.ReadTimeout("slow"))
    client = drive.client(max_retries=0)
    with pytest.raises(APITimeoutError):
        drive.run(call(client))
    with pytest.raises(APITimeoutError):
        drive.run(client.me())
    assert timeout_of(llm) == 30.0
    assert timeout_of(plain) == 5.0


@pytest.mark.parametrize(("method", "path", "call"), LLM_CALLS[:2])
def test_an_explicit_client_timeout_applies_to_every_route(
    drive: Driver, api: respx.MockRouter, method: str, path: str, call: Callable[[Any], Any]
) -> None:
    llm = api.route(method=method, path=path).mock(side_effect=httpx.ReadTimeout("slow"))
    plain = api.get("/v1/auth/me").mock(side_effect=httpx.ReadTimeout("slow"))
    client = drive.client(max_retries=0, timeout=5.0)
    with pytest.raises(APITimeoutError):
        drive.run(call(client))
    with pytest.raises(APITimeoutError):
        drive.run(client.me())
    assert timeout_of(llm) == 5.0
    assert timeout_of(plain) == 5.0


def test_a_per_call_timeout_wins(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/prompts/greeting/compiled").respond(200, json=compiled_body())
    llm = api.post("/v1/prompts/greeting/run").mock(side_effect=httpx.ReadTimeout("slow"))
    client = drive.client(timeout=2.0, max_retries=0, cache_ttl_seconds=0)
    drive.run(client.compile("greeting", timeout=0.25))
    with pytest.raises(APITimeoutError):
        drive.run(client.run("greeting", timeout=12.0))
    assert timeout_of(route) == 0.25
    assert timeout_of(llm) == 12.0


# ------------------------------------------------------------------------------------ compile: GET or POST


def test_compile_sends_short_variables_in_the_compiled_get(drive: Driver, api: respx.MockRouter) -> None:
    variables = {"name": "Ann", "items": ["a", "b"], "n": 3, "ok": True, "v": "x" * 545}
    text = json.dumps(variables, separators=(",", ":"))
    assert len(text) == 600  # the longest that still goes in the query
    route = api.get("/v1/prompts/greeting/compiled").respond(200, json=compiled_body())
    result = drive.run(drive.client().compile("greeting", variables, label="staging", strict=True))
    assert isinstance(result, models.Compiled)
    params = route.calls.last.request.url.params
    assert json.loads(params["variables"]) == variables and params["variables"] == text
    assert (params["label"], params["strict"]) == ("staging", "true")
    assert "version" not in params


def test_compile_posts_variables_over_600_characters(drive: Driver, api: respx.MockRouter) -> None:
    variables = {"name": "Ann", "items": ["a", "b"], "n": 3, "ok": True, "v": "x" * 546}
    assert len(json.dumps(variables, separators=(",", ":"))) == 601
    get = api.get("/v1/prompts/greeting/compiled").respond(200, json=compiled_body())
    post = api.post("/v1/prompts/greeting/compile").respond(200, json=compiled_body())
    result = drive.run(drive.client().compile("greeting", variables, version=2))
    assert result.compiled_prompt == "Hello Ada"
    assert get.call_count == 0 and post.call_count == 1
    assert json.loads(post.calls.last.request.content) == {"variables": variables, "version": 2}


def test_compile_without_variables_sends_none(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/prompts/greeting/compiled").respond(200, json=compiled_body())
    drive.run(drive.client().compile("greeting"))
    assert dict(route.calls.last.request.url.params) == {}


def test_a_ref_is_one_escaped_path_segment(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get(url__regex=r".*/v1/prompts/[^/]+$").respond(200, json=prompt_body())
    drive.run(drive.client().get_prompt("a/b c"))
    assert route.calls.last.request.url.raw_path == b"/v1/prompts/a%2Fb%20c"


# ------------------------------------------------------------------------------------------------ lists


def paged(pages: dict[str | None, tuple[list[dict[str, Any]], str | None]]) -> Callable[[httpx.Request], httpx.Response]:
    """A list route answering `pages[cursor] = (items, next_cursor)`."""

    def answer(request: httpx.Request) -> httpx.Response:
        items, next_cursor = pages[request.url.params.get("cursor")]
        return httpx.Response(200, json={"data": items, "next_cursor": next_cursor})

    return answer


def test_list_prompts_follows_next_cursor_across_pages(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/prompts").mock(side_effect=paged({
        None: ([summary_body("a"), summary_body("b")], "c1"),
        "c1": ([summary_body("c"), summary_body("d")], "c2"),
        "c2": ([summary_body("e")], None),
    }))
    prompts = drive.collect(drive.client().list_prompts(tag="support", page_size=2))
    assert [p.slug for p in prompts] == ["a", "b", "c", "d", "e"]
    assert all(isinstance(p, models.PromptSummary) for p in prompts)
    sent = [call.request.url.params for call in route.calls]
    assert [params.get("cursor") for params in sent] == [None, "c1", "c2"]
    assert all(params["limit"] == "2" and params["tag"] == "support" for params in sent)


def test_a_list_of_one_page_makes_one_request(drive: Driver, api: respx.MockRouter) -> None:
    route = api.get("/v1/prompts").mock(side_effect=paged({None: ([], None)}))
    assert drive.collect(drive.client().list_prompts()) == []
    assert route.call_count == 1


def test_list_versions_follows_next_cursor(drive: Driver, api: respx.MockRouter) -> None:
    def version(n: int) -> dict[str, Any]:
        return {"prompt_id": "p", "version": n, "variables": [], "model_config": {}, "commit_message": None,
                "author_id": "u1", "labels": [], "etag": f"e{n}", "created_at": "2026-12-01T00:00:00Z"}

    api.get("/v1/prompts/greeting/versions").mock(side_effect=paged({None: ([version(3), version(2)], "x"), "x": ([version(1)], None)}))
    versions = drive.collect(drive.client().list_versions("greeting"))
    assert [v.version for v in versions] == [3, 2, 1]


def eval_run_body(results: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {
        "id": "run1", "suite_id": "s1", "status": "succeeded", "trigger": "manual", "prompt_id": "p", "prompt_version": 1,
        "label": "production", "model": None, "total_cases": 5, "done_cases": 5, "summary": None, "regressed": False,
        "error": None, "created_at": "2026-12-01T00:00:00Z", "started_at": None, "finished_at": None,
        "results": results, "next_cursor": next_cursor,
    }


def case(n: int) -> dict[str, Any]:
    return {"test_case_id": f"t{n}", "name": None, "passed": True, "quality_score": None, "output": "ok",
            "latency_ms": 1, "cost_usd": 0.0, "assertions": [], "error": None}


def test_get_eval_run_gathers_every_page_of_results(drive: Driver, api: respx.MockRouter) -> None:
    pages = {None: ([case(1), case(2)], "k1"), "k1": ([case(3), case(4)], "k2"), "k2": ([case(5)], None)}
    route = api.get("/v1/eval-runs/run1").mock(
        side_effect=lambda request: httpx.Response(200, json=eval_run_body(*pages[request.url.params.get("cursor")]))
    )
    client = drive.client()
    run = drive.run(client.get_eval_run("run1"))
    assert isinstance(run, models.EvalRun)
    assert [r.test_case_id for r in run.results] == ["t1", "t2", "t3", "t4", "t5"]
    assert run.next_cursor is None
    assert [call.request.url.params.get("cursor") for call in route.calls] == [None, "k1", "k2"]

    first_page = drive.run(client.get_eval_run("run1", all_results=False))
    assert [r.test_case_id for r in first_page.results] == ["t1", "t2"] and first_page.next_cursor == "k1"
    assert route.call_count == 4


def test_get_version_returns_the_version_schema(drive: Driver, api: respx.MockRouter) -> None:
    body = {"prompt_id": "p", "version": 2, "content": "Hi {{name}}", "system_prompt": None, "variables": [],
            "model_config": {}, "commit_message": "warmer", "author_id": "u1", "labels": ["latest"], "etag": "e2",
            "created_at": "2026-12-01T00:00:00Z"}
    api.get("/v1/prompts/greeting/versions/2").respond(200, json=body)
    version = drive.run(drive.client().get_version("greeting", 2))
    assert isinstance(version, models.Version)
    fields = version.model_dump()  # not attributes: mypy knows today's models.Version has none of them
    assert (fields["version"], fields["content"], fields["commit_message"]) == (2, "Hi {{name}}", "warmer")
