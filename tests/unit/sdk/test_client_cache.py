"""The cache of `get_prompt` and `compile` (API.md §9, client-semantics): fresh for the TTL with no request; then
the stale value at once and one background revalidation with If-None-Match (304 renews, 200 replaces, 404/410
evicts, anything else keeps it); stale-if-error; the disk copy for a new process; the fallback. Both clients, over
respx; time is a fake clock seen by promptbank_client._cache, so nothing waits for a TTL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import promptbank_client._cache
import pytest
import respx
from promptbank_client import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    CompiledResult,
    GoneError,
    InternalServerError,
    NotFoundError,
    PromptResult,
)

from tests.unit.sdk.test_client import (
    BASE,
    KEY,
    OTHER_KEY,
    Driver,
    compiled_body,
    envelope,
    make_driver,
    prompt_body,
)

VARS = {"name": "Ada"}


@pytest.fixture(params=["sync", "async"])
def drive(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Driver]:
    yield from make_driver(request, monkeypatch)


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMPTBANK_BASE_URL", raising=False)
    monkeypatch.delenv("PROMPTBANK_API_KEY", raising=False)


class Clock:
    """time as promptbank_client._cache sees it: `monotonic()` moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_800_000_000.0 + self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(promptbank_client._cache, "time", fake)
    return fake


class FakePrompt:
    """One prompt's GET and compiled routes, answering like the API: 304 to a matching If-None-Match. `failure` (a
    response or an exception) replaces every answer; `gate`, when given, holds each answer until it is set."""

    def __init__(self) -> None:
        self.text = "Hello Ada"
        self.etag = "e1"
        self.failure: httpx.Response | Exception | None = None
        self.gate: threading.Event | None = None
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def publish(self, text: str, etag: str) -> None:
        self.text, self.etag = text, etag

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        if isinstance(self.failure, Exception):
            raise self.failure
        if self.failure is not None:
            return self.failure
        headers = {"ETag": f'"{self.etag}"'}
        if request.headers.get("If-None-Match") == f'"{self.etag}"':
            return httpx.Response(304, headers=headers)
        if request.url.path.endswith("/compiled") or request.method == "POST":
            return httpx.Response(200, json=compiled_body(self.text, self.etag), headers=headers)
        return httpx.Response(200, json=prompt_body(self.text, self.etag), headers=headers)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)


@pytest.fixture
def server() -> Iterator[FakePrompt]:
    fake = FakePrompt()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/v1/prompts/greeting").mock(side_effect=fake)
        router.get("/v1/prompts/greeting/compiled").mock(side_effect=fake)
        router.post("/v1/prompts/greeting/compile").mock(side_effect=fake)
        yield fake


OPERATIONS = ["compile", "get_prompt"]


def fetch(client: Any, operation: str, **options: Any) -> Any:
    """compile("greeting", VARS) or get_prompt("greeting"): the value (blocking) or the coroutine (asyncio)."""
    if operation == "compile":
        return client.compile("greeting", options.pop("variables", VARS), **options)
    return client.get_prompt("greeting", **options)


def text(result: Any) -> str:
    return str(result.compiled_prompt if isinstance(result, CompiledResult) else result.content)


# ------------------------------------------------------------------------------------------ fresh entries


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_second_call_within_the_ttl_makes_no_request(drive: Driver, server: FakePrompt, clock: Clock, operation: str) -> None:
    client = drive.client()
    first = drive.run(fetch(client, operation))
    server.publish("Hello v2", "e2")
    clock.advance(59.9)
    second = drive.run(fetch(client, operation))
    assert server.count == 1
    assert text(first) == text(second) == "Hello Ada"
    assert isinstance(second, CompiledResult if operation == "compile" else PromptResult)
    assert second.is_fallback is False


def test_the_key_holds_the_variables_label_version_and_strict(drive: Driver, server: FakePrompt, clock: Clock) -> None:
    client = drive.client()
    drive.run(client.compile("greeting", {"a": 1, "b": "x"}))
    drive.run(client.compile("greeting", {"b": "x", "a": 1}))  # the same variables: the same entry
    assert server.count == 1
    for call in (
        lambda: client.compile("greeting", {"a": 2, "b": "x"}),
        lambda: client.compile("greeting", {"a": 1, "b": "x"}, label="staging"),
        lambda: client.compile("greeting", {"a": 1, "b": "x"}, version=1),
        lambda: client.compile("greeting", {"a": 1, "b": "x"}, strict=True),
        lambda: client.get_prompt("greeting"),
        lambda: client.get_prompt("greeting", label="staging"),
    ):
        before = server.count
        drive.run(call())
        assert server.count == before + 1
    assert server.count == 7
    drive.run(client.compile("greeting", {"a": 1, "b": "x"}, label="staging"))
    drive.run(client.get_prompt("greeting", label="staging"))
    assert server.count == 7


def test_the_memory_cache_keeps_the_most_recently_used_entries(drive: Driver, server: FakePrompt, clock: Clock) -> None:
    client = drive.client(cache_max_entries=2)
    for name in ("a", "b"):
        drive.run(client.compile("greeting", {"name": name}))
    drive.run(client.compile("greeting", {"name": "a"}))  # used: "b" is now the least recently used
    drive.run(client.compile("greeting", {"name": "c"}))  # evicts "b"
    assert server.count == 3
    drive.run(client.compile("greeting", {"name": "a"}))
    drive.run(client.compile("greeting", {"name": "c"}))
    assert server.count == 3
    drive.run(client.compile("greeting", {"name": "b"}))
    assert server.count == 4


def test_a_ttl_of_0_turns_the_cache_off(drive: Driver, server: FakePrompt, clock: Clock) -> None:
    client = drive.client(cache_ttl_seconds=0)
    for _ in range(3):
        drive.run(client.compile("greeting", VARS))
    assert server.count == 3
    assert all("If-None-Match" not in request.headers for request in server.requests)


# ------------------------------------------------------------------------------------ stale: revalidation


@pytest.mark.parametrize("operation", OPERATIONS)
def test_after_the_ttl_the_stale_value_comes_at_once_and_a_304_renews_it(
    drive: Driver, server: FakePrompt, clock: Clock, operation: str
) -> None:
    client = drive.client()
    first = drive.run(fetch(client, operation))
    clock.advance(61)
    if drive.kind == "sync":  # the revalidation (a thread) cannot answer until the call has returned
        server.gate = threading.Event()
    stale = drive.run(fetch(client, operation))
    assert stale is first
    if server.gate is not None:
        server.gate.set()
    drive.wait(client)
    assert server.count == 2
    assert server.requests[-1].headers["If-None-Match"] == f'"{first.etag}"'
    clock.advance(59)  # renewed by the 304: fresh for another TTL from then
    assert text(drive.run(fetch(client, operation))) == "Hello Ada"
    assert server.count == 2


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_200_revalidation_replaces_the_value(drive: Driver, server: FakePrompt, clock: Clock, operation: str) -> None:
    client = drive.client()
    drive.run(fetch(client, operation))
    server.publish("Hello v2", "e2")
    clock.advance(61)
    assert text(drive.run(fetch(client, operation))) == "Hello Ada"  # stale, at once
    drive.wait(client)
    assert server.count == 2
    newer = drive.run(fetch(client, operation))
    assert (text(newer), newer.etag, newer.is_fallback) == ("Hello v2", "e2", False)
    assert server.count == 2


@pytest.mark.parametrize("status", [404, 410])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_404_or_410_revalidation_evicts_the_entry(
    drive: Driver, server: FakePrompt, clock: Clock, operation: str, status: int
) -> None:
    """A removed prompt or label is not served stale forever."""
    client = drive.client()
    drive.run(fetch(client, operation, label="staging"))
    server.failure = httpx.Response(status, json=envelope("NOT_FOUND", "Label not found"))
    clock.advance(61)
    assert text(drive.run(fetch(client, operation, label="staging"))) == "Hello Ada"
    drive.wait(client)
    assert server.count == 2
    with pytest.raises(APIStatusError) as caught:  # no entry any more: the API's answer
        drive.run(fetch(client, operation, label="staging"))
    assert (type(caught.value), caught.value.status_code) == (NotFoundError if status == 404 else GoneError, status)
    assert server.count == 3
    result = drive.run(fetch(client, operation, label="staging", fallback="Hi there"))
    assert (text(result), result.is_fallback) == ("Hi there", True)


@pytest.mark.parametrize("failure", [
    httpx.Response(503, json=envelope("SERVICE_UNAVAILABLE", "later")),
    httpx.Response(429, json=envelope("RATE_LIMITED", "slow down"), headers={"Retry-After": "1"}),
    httpx.ConnectError("Connection refused"),
    httpx.ReadTimeout("slow"),
], ids=["503", "429", "refused", "timeout"])
def test_a_failed_revalidation_keeps_serving_the_stale_value_and_tries_again(
    drive: Driver, server: FakePrompt, clock: Clock, failure: httpx.Response | Exception
) -> None:
    client = drive.client()
    drive.run(client.compile("greeting", VARS))
    server.failure = failure
    clock.advance(61)
    assert drive.run(client.compile("greeting", VARS)).compiled_prompt == "Hello Ada"
    drive.wait(client)
    assert server.count == 2  # one attempt: the stale value is already served, the next call tries again
    assert drive.sleeps == []
    again = drive.run(client.compile("greeting", VARS))  # stale-if-error: still the last good value
    assert (again.compiled_prompt, again.is_fallback) == ("Hello Ada", False)
    drive.wait(client)
    assert server.count == 3  # the next call after the TTL tried again
    server.failure = None
    server.publish("Hello v2", "e2")
    drive.run(client.compile("greeting", VARS))
    drive.wait(client)
    assert drive.run(client.compile("greeting", VARS)).compiled_prompt == "Hello v2"


@pytest.mark.parametrize("status", [400, 401, 403])
def test_another_4xx_revalidation_keeps_the_stale_value(drive: Driver, server: FakePrompt, clock: Clock, status: int) -> None:
    client = drive.client()
    drive.run(client.compile("greeting", VARS))
    server.failure = httpx.Response(status, json=envelope("NO", "refused"))
    clock.advance(61)
    drive.run(client.compile("greeting", VARS))
    drive.wait(client)
    assert server.count == 2
    assert drive.run(client.compile("greeting", VARS)).compiled_prompt == "Hello Ada"


def test_a_revalidation_that_cannot_be_read_never_surfaces(drive: Driver, server: FakePrompt, clock: Clock) -> None:
    client = drive.client()
    drive.run(client.compile("greeting", VARS))
    server.failure = httpx.Response(200, content=b"<html>not json</html>")
    clock.advance(61)
    drive.run(client.compile("greeting", VARS))
    drive.wait(client)
    assert server.count == 2
    assert drive.run(client.compile("greeting", VARS)).compiled_prompt == "Hello Ada"
    drive.wait(client)
    assert server.count == 3  # the refresh ended (and its failure was swallowed): the next call started another


def test_a_posted_compile_revalidates_with_a_full_post_and_an_unchanged_etag_renews(
    drive: Driver, server: FakePrompt, clock: Clock
) -> None:
    long_vars = {"name": "Ada", "notes": "n" * 700}
    client = drive.client()
    drive.run(client.compile("greeting", long_vars))
    clock.advance(61)
    drive.run(client.compile("greeting", long_vars))
    drive.wait(client)
    assert [request.method for request in server.requests] == ["POST", "POST"]
    assert "If-None-Match" not in server.requests[-1].headers
    assert json.loads(server.requests[-1].content)["variables"] == long_vars
    clock.advance(59)
    drive.run(client.compile("greeting", long_vars))
    assert server.count == 2  # the same etag counted as a 304: renewed

    server.publish("Hello v2", "e2")
    clock.advance(61)
    drive.run(client.compile("greeting", long_vars))
    drive.wait(client)
    assert drive.run(client.compile("greeting", long_vars)).compiled_prompt == "Hello v2"
    assert server.count == 3


def test_one_revalidation_in_flight_per_key_under_many_threads(monkeypatch: pytest.MonkeyPatch, server: FakePrompt, clock: Clock) -> None:
    driver = Driver("sync", monkeypatch)
    try:
        client = driver.client()
        client.compile("greeting", VARS)
        client.get_prompt("greeting")
        clock.advance(61)
        server.gate = threading.Event()  # the first revalidation stays in flight while every thread calls

        def call(n: int) -> str:
            result = client.compile("greeting", VARS) if n % 2 else client.get_prompt("greeting")
            return text(result)

        with ThreadPoolExecutor(16) as pool:
            texts = list(pool.map(call, range(64)))
        assert texts == ["Hello Ada"] * 64
        server.gate.set()
        client._background.wait()
        assert server.count == 2 + 2  # one revalidation per key
    finally:
        driver.close()


def test_one_revalidation_in_flight_per_key_under_many_coroutines(
    monkeypatch: pytest.MonkeyPatch, server: FakePrompt, clock: Clock
) -> None:
    driver = Driver("async", monkeypatch)
    try:
        client = driver.client()
        driver.run(client.compile("greeting", VARS))
        clock.advance(61)

        async def many() -> list[Any]:
            import asyncio

            return await asyncio.gather(*(client.compile("greeting", VARS) for _ in range(50)))

        results = driver.run(many())
        assert {r.compiled_prompt for r in results} == {"Hello Ada"}
        driver.wait(client)
        assert server.count == 2
    finally:
        driver.close()


# ------------------------------------------------------------------------------------------- the disk copy


def test_a_new_client_gets_the_disk_copy_while_the_api_is_down(
    drive: Driver, server: FakePrompt, clock: Clock, tmp_path: Path
) -> None:
    first = drive.client(cache_dir=tmp_path)
    drive.run(first.compile("greeting", VARS))
    drive.run(first.get_prompt("greeting"))
    server.failure = httpx.ConnectError("Connection refused")

    fresh_process = drive.client(cache_dir=tmp_path)  # a new process: nothing in memory
    compiled = drive.run(fresh_process.compile("greeting", VARS))
    prompt = drive.run(fresh_process.get_prompt("greeting"))
    assert (compiled.compiled_prompt, compiled.etag, compiled.is_fallback) == ("Hello Ada", "e1", False)
    assert (prompt.content, prompt.is_fallback) == ("Hello Ada", False)
    assert server.count == 2 + 2 * 3  # each tried the API (with retries) first

    # now in memory, stale: the next call answers at once and revalidates the disk copy's ETag in the background
    server.failure = None
    assert drive.run(fresh_process.compile("greeting", VARS)).compiled_prompt == "Hello Ada"
    drive.wait(fresh_process)
    assert server.requests[-1].headers["If-None-Match"] == '"e1"'
    assert server.count == 2 + 2 * 3 + 1


def test_with_the_api_up_a_new_client_gets_the_api_value_not_the_disk_copy(
    drive: Driver, server: FakePrompt, clock: Clock, tmp_path: Path
) -> None:
    drive.run(drive.client(cache_dir=tmp_path).compile("greeting", VARS))
    server.publish("Hello v2", "e2")
    assert drive.run(drive.client(cache_dir=tmp_path).compile("greeting", VARS)).compiled_prompt == "Hello v2"


def test_a_500_with_no_entry_falls_back_to_the_disk_copy(drive: Driver, server: FakePrompt, clock: Clock, tmp_path: Path) -> None:
    drive.run(drive.client(cache_dir=tmp_path).compile("greeting", VARS))
    server.failure = httpx.Response(500, json=envelope("INTERNAL_ERROR", "boom"))
    assert drive.run(drive.client(cache_dir=tmp_path, max_retries=0).compile("greeting", VARS)).compiled_prompt == "Hello Ada"


def test_the_disk_copy_is_keyed_by_the_credential_and_the_base_url(
    drive: Driver, server: FakePrompt, clock: Clock, tmp_path: Path
) -> None:
    drive.run(drive.client(cache_dir=tmp_path).compile("greeting", VARS))
    server.failure = httpx.ConnectError("Connection refused")
    with pytest.raises(APIConnectionError):
        drive.run(drive.client(api_key=OTHER_KEY, cache_dir=tmp_path, max_retries=0).compile("greeting", VARS))
    with respx.mock(base_url="http://127.0.0.2:3999") as other:
        other.route().mock(side_effect=httpx.ConnectError("Connection refused"))
        elsewhere = drive.client(base_url="http://127.0.0.2:3999", cache_dir=tmp_path, max_retries=0)
        with pytest.raises(APIConnectionError):
            drive.run(elsewhere.compile("greeting", VARS))
    same = drive.client(base_url=BASE + "/", api_key=KEY, cache_dir=tmp_path, max_retries=0)
    assert drive.run(same.compile("greeting", VARS)).compiled_prompt == "Hello Ada"


def test_a_404_deletes_the_disk_copy(drive: Driver, server: FakePrompt, clock: Clock, tmp_path: Path) -> None:
    drive.run(drive.client(cache_dir=tmp_path).compile("greeting", VARS))
    assert len(list(tmp_path.glob("*.json"))) == 1
    server.failure = httpx.Response(404, json=envelope("NOT_FOUND", "Prompt not found"))
    with pytest.raises(NotFoundError):
        drive.run(drive.client(cache_dir=tmp_path).compile("greeting", VARS))
    assert list(tmp_path.iterdir()) == []
    server.failure = httpx.ConnectError("Connection refused")
    result = drive.run(drive.client(cache_dir=tmp_path, max_retries=0).compile("greeting", VARS, fallback="Hi"))
    assert (result.compiled_prompt, result.is_fallback) == ("Hi", True)


def test_a_replaced_value_replaces_the_disk_copy(drive: Driver, server: FakePrompt, clock: Clock, tmp_path: Path) -> None:
    client = drive.client(cache_dir=tmp_path)
    drive.run(client.compile("greeting", VARS))
    server.publish("Hello v2", "e2")
    clock.advance(61)
    drive.run(client.compile("greeting", VARS))
    drive.wait(client)
    server.failure = httpx.ConnectError("Connection refused")
    assert drive.run(drive.client(cache_dir=tmp_path, max_retries=0).compile("greeting", VARS)).compiled_prompt == "Hello v2"
    (copy,) = tmp_path.glob("*.json")
    assert json.loads(copy.read_text())["etag"] == "e2"


def test_disk_files_are_replaced_whole_and_leave_no_temporary_files(
    monkeypatch: pytest.MonkeyPatch, server: FakePrompt, tmp_path: Path
) -> None:
    """Eight threads (as several processes would) rewrite one key's file while a reader reads it: the reader always
    sees a whole file, and afterwards there is one file and no temporary leftovers."""
    driver = Driver("sync", monkeypatch)
    try:
        writers = [driver.client(cache_dir=tmp_path, cache_ttl_seconds=0) for _ in range(8)]
        writers[0].compile("greeting", VARS)
        (path,) = tmp_path.glob("*.json")
        done = threading.Event()
        torn: list[bytes] = []

        def read() -> int:
            reads = 0
            while not done.is_set():
                data = path.read_bytes()
                reads += 1
                try:
                    assert json.loads(data)["value"]["compiled_prompt"] == "Hello Ada"
                except (ValueError, KeyError, AssertionError):
                    torn.append(data)
            return reads

        with ThreadPoolExecutor(9) as pool:
            reader = pool.submit(read)
            list(pool.map(lambda client: [client.compile("greeting", VARS) for _ in range(25)], writers))
            done.set()
            assert reader.result() > 0
        assert torn == []
        assert server.count == 1 + 8 * 25
        assert [p.name for p in tmp_path.iterdir()] == [path.name]
    finally:
        driver.close()


def test_cache_dir_with_a_ttl_of_0_still_keeps_the_disk_copy(drive: Driver, server: FakePrompt, tmp_path: Path) -> None:
    client = drive.client(cache_dir=tmp_path, cache_ttl_seconds=0)
    drive.run(client.compile("greeting", VARS))
    drive.run(client.compile("greeting", VARS))
    assert server.count == 2  # no memory cache
    server.failure = httpx.ConnectError("Connection refused")
    assert drive.run(client.compile("greeting", VARS)).compiled_prompt == "Hello Ada"


# ----------------------------------------------------------------------------------------------- fallback


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_fallback_when_nothing_is_cached_is_marked_and_not_kept(
    drive: Driver, server: FakePrompt, clock: Clock, operation: str
) -> None:
    client = drive.client()
    server.failure = httpx.ConnectError("Connection refused")
    result = drive.run(fetch(client, operation, label="production", fallback="Hello there"))
    assert result.is_fallback is True
    assert text(result) == "Hello there"
    assert (result.slug, result.name, result.version) == ("greeting", "greeting", 0)
    assert isinstance(result, CompiledResult if operation == "compile" else PromptResult)
    assert server.count == 3

    server.failure = None
    real = drive.run(fetch(client, operation, label="production", fallback="Hello there"))
    assert (text(real), real.is_fallback) == ("Hello Ada", False)
    assert server.count == 4  # the fallback was not cached


def test_without_a_fallback_the_error_is_raised(drive: Driver, server: FakePrompt, clock: Clock) -> None:
    server.failure = httpx.Response(503, json=envelope("SERVICE_UNAVAILABLE", "later"))
    with pytest.raises(InternalServerError):
        drive.run(drive.client().compile("greeting", VARS))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_400_gives_the_fallback_when_given_else_raises(
    drive: Driver, server: FakePrompt, clock: Clock, operation: str
) -> None:
    server.failure = httpx.Response(400, json=envelope("VALIDATION_ERROR", "bad", [{"field": "variables.name"}]))
    client = drive.client()
    result = drive.run(fetch(client, operation, fallback="Safe default"))
    assert (text(result), result.is_fallback) == ("Safe default", True)
    with pytest.raises(BadRequestError) as caught:
        drive.run(fetch(client, operation))
    assert caught.value.details == [{"field": "variables.name"}]
    assert server.count == 2  # never retried, never cached


def test_the_fallback_also_works_with_the_cache_off(drive: Driver, server: FakePrompt) -> None:
    server.failure = httpx.Response(404, json=envelope("NOT_FOUND", "Prompt not found"))
    client = drive.client(cache_ttl_seconds=0)
    result = drive.run(client.compile("greeting", VARS, version=3, fallback="Hi {{name}}"))
    assert (result.compiled_prompt, result.version, result.is_fallback) == ("Hi {{name}}", 3, True)
    with pytest.raises(NotFoundError):
        drive.run(client.compile("greeting", VARS))
