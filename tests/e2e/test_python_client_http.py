"""The Python client against the real local runtime (issue 12, "Done when"): a second compile inside the TTL makes
no request; after it, a 304 revalidation; a new production version appears after the TTL; a removed label is not
served stale forever; with the API down, the stale value, then the disk copy in a new process, then the fallback;
the asyncio client too; list_prompts over several pages; typed results and errors.

Requests are counted by an httpx event hook on the `http_client=` passed to the client. Where a test needs the TTL
to have passed it either waits a short real TTL or moves the clock the cache reads (`promptbank_client._cache.time`)
forward; HTTP is always real.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import promptbank_client._cache
import pytest
from promptbank_client import (
    AsyncPromptbankClient,
    CompiledResult,
    NotFoundError,
    PromptbankClient,
    PromptResult,
    models,
)

from local.testing import LocalRuntime

NEW_PROCESS = textwrap.dedent(
    """
    import json, sys
    from promptbank_client import PromptbankClient

    base_url, api_key, cache_dir = sys.argv[1:4]
    with PromptbankClient(base_url, api_key, cache_dir=cache_dir, max_retries=0, timeout=2.0) as client:
        disk = client.compile("greeting", {"name": "Ada"})
        fallback = client.compile("greeting", {"name": "Bob"}, fallback="Hello, friend!")
    print(json.dumps([
        {"compiled_prompt": r.compiled_prompt, "is_fallback": r.is_fallback, "version": r.version} for r in (disk, fallback)
    ]))
    """
)


class Seen:
    """What an httpx event hook saw: (method, path, status, If-None-Match) per response."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, str, int, str | None]] = []
        self._lock = threading.Lock()

    def hook(self, response: httpx.Response) -> None:
        request = response.request
        with self._lock:
            self.responses.append((request.method, request.url.path, response.status_code, request.headers.get("if-none-match")))

    async def async_hook(self, response: httpx.Response) -> None:
        self.hook(response)

    def __len__(self) -> int:
        with self._lock:
            return len(self.responses)

    @property
    def last(self) -> tuple[str, str, int, str | None]:
        with self._lock:
            return self.responses[-1]


class Clock:
    """The clock promptbank_client._cache reads: real time plus however far a test moved it forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return time.time()

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(promptbank_client._cache, "time", fake)
    return fake


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def http(seen: Seen) -> Iterator[httpx.Client]:
    with httpx.Client(event_hooks={"response": [seen.hook]}) as client:
        yield client


def setup_owner(api: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    """A production API key and a published prompt `greeting` ("Hello {{name}}!") of the user `headers` act as."""
    response = api.post("/v1/keys", headers=headers, json={"name": "sdk"})
    assert response.status_code == 201, response.text
    prompt = api.post("/v1/prompts", headers=headers, json={"name": "Greeting", "content": "Hello {{name}}!"})
    assert prompt.status_code == 201, prompt.text
    return {"key": response.json()["raw_key"], "prompt": prompt.json(), "headers": headers}


@pytest.fixture
def owner(api: httpx.Client, new_user: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return setup_owner(api, new_user()["headers"])


def publish_version(api: httpx.Client, owner: dict[str, Any], content: str) -> None:
    response = api.patch("/v1/prompts/greeting", headers=owner["headers"], json={"content": content})
    assert response.status_code == 200, response.text
    assert response.json()["labels"]["production"] == response.json()["version"]


# ---------------------------------------------------------------------------------------------- the cache


def test_a_second_compile_inside_the_ttl_makes_no_request(
    runtime: LocalRuntime, owner: dict[str, Any], http: httpx.Client, seen: Seen
) -> None:
    client = PromptbankClient(runtime.base_url, owner["key"], http_client=http)
    first = client.compile("greeting", {"name": "Ada"})
    second = client.compile("greeting", {"name": "Ada"})
    assert len(seen) == 1
    assert seen.last[:3] == ("GET", "/v1/prompts/greeting/compiled", 200)
    assert first.compiled_prompt == second.compiled_prompt == "Hello Ada!"
    assert isinstance(second, CompiledResult) and isinstance(second, models.Compiled)
    assert (second.version, second.label, second.is_fallback) == (1, "production", False)
    client.compile("greeting", {"name": "Bob"})  # other variables: another entry
    assert len(seen) == 2


@pytest.mark.parametrize("operation", ["compile", "get_prompt"])
def test_after_the_ttl_a_304_revalidation_renews_the_value(
    runtime: LocalRuntime, owner: dict[str, Any], http: httpx.Client, seen: Seen, clock: Clock, operation: str
) -> None:
    client = PromptbankClient(runtime.base_url, owner["key"], http_client=http)

    def fetch() -> Any:
        return client.compile("greeting", {"name": "Ada"}) if operation == "compile" else client.get_prompt("greeting")

    first = fetch()
    clock.advance(61)
    assert fetch() is first  # the stale value, at once
    client._background.wait()
    assert len(seen) == 2
    method, _, status, if_none_match = seen.last
    assert (method, status, if_none_match) == ("GET", 304, f'"{first.etag}"')
    assert fetch() is first  # renewed: fresh again, no request
    assert len(seen) == 2


def test_a_new_production_version_appears_after_the_ttl(
    runtime: LocalRuntime, api: httpx.Client, owner: dict[str, Any], http: httpx.Client, seen: Seen
) -> None:
    client = PromptbankClient(runtime.base_url, owner["key"], cache_ttl_seconds=1, http_client=http)
    assert client.compile("greeting", {"name": "Ada"}).compiled_prompt == "Hello Ada!"
    publish_version(api, owner, "Good morning {{name}}.")
    time.sleep(1.1)  # the TTL passes (real time: no clock is patched here)
    assert client.compile("greeting", {"name": "Ada"}).compiled_prompt == "Hello Ada!"  # stale, at once
    client._background.wait()
    assert seen.last[2] == 200  # a different ETag: the new version's body
    newer = client.compile("greeting", {"name": "Ada"})
    assert (newer.compiled_prompt, newer.version) == ("Good morning Ada.", 2)


def test_a_removed_label_is_not_served_stale_forever(
    runtime: LocalRuntime, api: httpx.Client, owner: dict[str, Any], http: httpx.Client, seen: Seen, clock: Clock
) -> None:
    staged = api.put("/v1/prompts/greeting/labels/staging", headers=owner["headers"], json={"version": 1})
    assert staged.status_code == 200, staged.text
    client = PromptbankClient(runtime.base_url, owner["key"], http_client=http)
    assert client.compile("greeting", {"name": "Ada"}, label="staging").compiled_prompt == "Hello Ada!"
    assert api.delete("/v1/prompts/greeting/labels/staging", headers=owner["headers"]).status_code == 204
    clock.advance(61)
    assert client.compile("greeting", {"name": "Ada"}, label="staging").compiled_prompt == "Hello Ada!"
    client._background.wait()
    assert seen.last[2] == 404  # evicted
    with pytest.raises(NotFoundError) as caught:
        client.compile("greeting", {"name": "Ada"}, label="staging")
    assert caught.value.code == "NOT_FOUND" and caught.value.request_id
    fallback = client.compile("greeting", {"name": "Ada"}, label="staging", fallback="Hello!")
    assert (fallback.compiled_prompt, fallback.is_fallback) == ("Hello!", True)


def test_long_variables_compile_with_a_post_and_are_cached(
    runtime: LocalRuntime, owner: dict[str, Any], http: httpx.Client, seen: Seen
) -> None:
    client = PromptbankClient(runtime.base_url, owner["key"], http_client=http)
    variables = {"name": "Ada", "notes": "n" * 700}  # 700 characters of JSON and more: not a query string
    first = client.compile("greeting", variables)
    assert (first.compiled_prompt, first.unused_variables) == ("Hello Ada!", ["notes"])
    assert client.compile("greeting", variables) is first
    assert [(method, path) for method, path, *_ in seen.responses] == [("POST", "/v1/prompts/greeting/compile")]


# ------------------------------------------------------------------------------------------- the outage


@pytest.fixture(scope="module")
def doomed_runtime() -> Iterator[LocalRuntime]:
    """A runtime of this module's own, which the outage test stops (the session's serves everyone else); its
    containers are threads, which start faster than processes and make no difference to the client."""
    env = {"PROMPTBANK_RATE_LIMITS": "off", "PROMPTBANK_LOCAL_SCHEDULES": "off", "PROMPTBANK_LOCAL_ISOLATION": "thread"}
    with LocalRuntime(env=env) as rt:
        yield rt


def test_with_the_api_down_the_stale_value_then_the_disk_copy_in_a_new_process_then_the_fallback(
    doomed_runtime: LocalRuntime, tmp_path: Path, http: httpx.Client, seen: Seen, clock: Clock
) -> None:
    base_url = doomed_runtime.base_url
    with httpx.Client(base_url=base_url, timeout=30) as api:
        session = api.post(
            "/v1/auth/register",
            json={"email": f"outage-{uuid.uuid4().hex[:10]}@example.com", "password": "password-1", "name": "O"},
        )
        assert session.status_code == 201, session.text
        owner = setup_owner(api, {"Authorization": f"Bearer {session.json()['session_token']}"})
    cache_dir = tmp_path / "cache"
    with PromptbankClient(base_url, owner["key"], cache_dir=cache_dir, max_retries=0, timeout=30, http_client=http) as client:
        good = client.compile("greeting", {"name": "Ada"})
        assert good.compiled_prompt == "Hello Ada!"
        assert len(list(cache_dir.glob("*.json"))) == 1

        assert doomed_runtime.stop() == 0  # the API is down
        clock.advance(61)
        stale = client.compile("greeting", {"name": "Ada"})
        client._background.wait()  # the revalidation cannot connect: the stale value stays
        assert stale is good
        again = client.compile("greeting", {"name": "Ada"})  # stale-if-error: and it tries again
        client._background.wait()
        assert again is good
        assert len(seen) == 1  # the revalidations got no answer
    assert [p.name for p in cache_dir.iterdir()] == [next(cache_dir.glob("*.json")).name]  # no temporary files

    env = {**os.environ, "PROMPTBANK_EGRESS": "loopback"}
    process = subprocess.run(
        [sys.executable, "-c", NEW_PROCESS, base_url, owner["key"], str(cache_dir)],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert process.returncode == 0, process.stderr
    disk, fallback = json.loads(process.stdout)
    assert disk == {"compiled_prompt": "Hello Ada!", "is_fallback": False, "version": 1}  # the disk copy
    assert fallback == {"compiled_prompt": "Hello, friend!", "is_fallback": True, "version": 0}  # nothing cached

    async def in_asyncio() -> CompiledResult:
        async with AsyncPromptbankClient(base_url, owner["key"], cache_dir=cache_dir, max_retries=0) as fresh:
            return await fresh.compile("greeting", {"name": "Ada"})

    from_disk = asyncio.run(in_asyncio())
    assert (from_disk.compiled_prompt, from_disk.is_fallback) == ("Hello Ada!", False)


# ------------------------------------------------------------------------------------------- asyncio


def test_the_async_client_caches_and_revalidates_with_a_304(
    runtime: LocalRuntime, owner: dict[str, Any], seen: Seen, clock: Clock
) -> None:
    async def scenario() -> tuple[PromptResult, PromptResult, PromptResult, list[str]]:
        async with (
            httpx.AsyncClient(event_hooks={"response": [seen.async_hook]}) as http,
            AsyncPromptbankClient(runtime.base_url, owner["key"], http_client=http) as client,
        ):
            first = await client.get_prompt("greeting")
            second = await client.get_prompt("greeting")
            clock.advance(61)
            many = await asyncio.gather(*(client.get_prompt("greeting") for _ in range(10)))
            await client._background.wait()
            renewed = await client.get_prompt("greeting")
            slugs = [p.slug async for p in client.list_prompts()]
            return first, second, renewed, slugs + [m.content for m in many]

    first, second, renewed, rest = asyncio.run(scenario())
    assert first is second is renewed
    assert isinstance(first, PromptResult) and isinstance(first, models.Prompt)
    assert (first.content, first.version, first.is_fallback) == ("Hello {{name}}!", 1, False)
    statuses = [(method, path, status) for method, path, status, _ in seen.responses]
    assert statuses == [
        ("GET", "/v1/prompts/greeting", 200),
        ("GET", "/v1/prompts/greeting", 304),  # one revalidation for ten stale calls
        ("GET", "/v1/prompts", 200),
    ]
    assert rest == ["greeting"] + ["Hello {{name}}!"] * 10


# ------------------------------------------------------------------------------------ lists and types


def test_list_prompts_iterates_every_page(runtime: LocalRuntime, api: httpx.Client, owner: dict[str, Any], http: httpx.Client, seen: Seen) -> None:
    for n in range(4):
        response = api.post("/v1/prompts", headers=owner["headers"], json={"name": f"Extra {n}", "content": f"Text {n}"})
        assert response.status_code == 201, response.text
    client = PromptbankClient(runtime.base_url, owner["key"], http_client=http)
    prompts = list(client.list_prompts(page_size=2))
    assert sorted(p.slug for p in prompts) == ["extra-0", "extra-1", "extra-2", "extra-3", "greeting"]
    assert all(isinstance(p, models.PromptSummary) for p in prompts)
    assert [(method, path, status) for method, path, status, _ in seen.responses] == [("GET", "/v1/prompts", 200)] * 3


def test_results_are_typed_models_and_errors_carry_the_envelope(
    runtime: LocalRuntime, api: httpx.Client, owner: dict[str, Any]
) -> None:
    with PromptbankClient(runtime.base_url, owner["key"]) as client:
        prompt = client.get_prompt("greeting")
        assert isinstance(prompt, PromptResult) and isinstance(prompt.model_config_, models.ModelConfig)
        assert prompt.labels == {"latest": 1, "production": 1} and prompt.id == owner["prompt"]["id"]
        assert isinstance(client.me(), models.User)
        versions = list(client.list_versions("greeting"))
        assert [v.version for v in versions] == [1] and isinstance(versions[0], models.VersionSummary)
        assert client.download("greeting", format="compiled", variables={"name": "Ada"}) == "Hello Ada!"
        with pytest.raises(NotFoundError) as caught:
            client.get_prompt("no-such-prompt")
        assert (caught.value.status_code, caught.value.code) == (404, "NOT_FOUND")
        assert caught.value.request_id and caught.value.message


def test_get_version_returns_the_version_schema(runtime: LocalRuntime, owner: dict[str, Any]) -> None:
    with PromptbankClient(runtime.base_url, owner["key"]) as client:
        version = client.get_version("greeting", 1)
    assert isinstance(version, models.Version)
    fields = version.model_dump()  # not attributes: mypy knows today's models.Version has none of them
    assert (fields["version"], fields["content"], sorted(fields["labels"])) == (1, "Hello {{name}}!", ["latest", "production"])
