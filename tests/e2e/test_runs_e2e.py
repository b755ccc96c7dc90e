"""Running prompts over HTTP through the local runtime: keys, run, idempotent replay, history, stream stats."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import LocalRuntime

HELLO = [{"role": "user", "content": "one two three"}]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    """A fake provider on 127.0.0.1; users reach it through their keys' base_url (http to loopback is allowed
    locally), so the shared runtime needs no environment of its own."""
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def runner(api: httpx.Client, new_user: Any, fake: FakeProviderServer) -> dict[str, Any]:
    """A registered user with a deepseek key pointing at the fake server."""
    fake.reset()
    user = new_user()
    reply = api.put("/v1/provider-keys/deepseek", headers=user["headers"],
                    json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base})
    assert reply.status_code == 200, reply.text
    return user


def test_a_prompt_runs_end_to_end_and_its_run_is_listed(api, runner, fake):
    # Given a prompt
    headers = runner["headers"]
    prompt = api.post("/v1/prompts", headers=headers, json={"name": "Greeter", "content": "Greet {{name}}",
                                                             "system_prompt": "Be warm."}).json()
    # When it is run over HTTP
    reply = api.post(f"/v1/prompts/{prompt['id']}/run", headers=headers, json={"variables": {"name": "Ada"}})
    # Then the fake provider answered through the real client, and the run is listed
    assert reply.status_code == 200, reply.text
    assert reply.headers["X-Request-Id"]
    assert reply.json()["output"] == "echo: Greet Ada"
    assert fake.last_request.json["messages"][0] == {"role": "system", "content": "Be warm."}
    runs = api.get("/v1/runs", headers=headers).json()["data"]
    assert [r["id"] for r in runs] == [reply.json()["run_id"]]


def test_an_idempotent_replay_over_http_does_not_call_the_provider_twice(api, runner, fake):
    # Given a chat sent with an Idempotency-Key
    headers = {**runner["headers"], "Idempotency-Key": "e2e-chat-1"}
    first = api.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO})
    # When it is sent again
    second = api.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO})
    # Then the same result comes back and the provider saw one request
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert fake.request_count == 1


def test_stats_follow_the_table_stream_once_drained(api, runtime, runner, fake):
    # Given two chats
    headers = runner["headers"]
    for _ in range(2):
        assert api.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO}).is_success
    # When the local runtime delivers the stream to the stats processor
    drained = httpx.post(f"{runtime.base_url}/__local/drain", params={"timeout": 90}, timeout=120)
    # Then the stats count both runs
    assert drained.json()["complete"] is True
    stats = api.get("/v1/runs/stats", headers=headers).json()
    assert stats["total_runs"] == 2
    assert stats["by_model"]["deepseek-chat"]["runs"] == 2


def test_stats_add_costs_that_are_written_in_exponent_notation(api, runtime, runner, fake):
    # Given two chats of one word answered with one token: each costs 7e-07 USD, which boto3 writes as "7E-7"
    headers = runner["headers"]
    body = {"model": "deepseek-chat", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
    for _ in range(2):
        reply = api.post("/v1/chat", headers=headers, json=body)
        assert reply.json()["cost_usd"] == 7e-07, reply.text
    # When the stream is delivered to the stats processor, which ADDs each cost to the same aggregate
    drained = httpx.post(f"{runtime.base_url}/__local/drain", params={"timeout": 90}, timeout=120)
    # Then both runs are counted and their costs summed (the second ADD used to fail in moto, retried for ever)
    assert drained.json()["complete"] is True, drained.text
    stats = api.get("/v1/runs/stats", headers=headers).json()
    assert (stats["total_runs"], stats["total_cost_usd"]) == (2, 1.4e-06)


def test_provider_keys_are_listed_masked_and_refused_to_api_keys(api, runner):
    # Given a saved key and an API key of the same user
    headers = runner["headers"]
    raw_key = api.post("/v1/keys", headers=headers, json={"name": "ci"}).json()["raw_key"]
    # When the session lists provider keys, and the API key tries to
    listed = api.get("/v1/provider-keys", headers=headers)
    refused = api.get("/v1/provider-keys", headers={"X-API-Key": raw_key})
    # Then the session sees the masked key, the API key gets 403
    deepseek = next(e for e in listed.json()["data"] if e["provider"] == "deepseek")
    assert deepseek["masked_key"] == "••••6789"
    assert refused.status_code == 403


def test_models_are_public_and_token_counts_need_a_credential(api, runtime, runner):
    # When the catalogue and a token count are asked for, with and without credentials
    with httpx.Client(base_url=runtime.base_url, timeout=30) as anonymous_client:  # no session cookie
        models = anonymous_client.get("/v1/models")
        anonymous = anonymous_client.get("/v1/token-count", params={"prompt": "hello world", "model": "gpt-4o"})
    counted = api.get("/v1/token-count", headers=runner["headers"], params={"prompt": "hello world", "model": "gpt-4o"})
    # Then models need nothing, token counting needs a credential
    assert models.status_code == 200 and models.json()["data"]
    assert anonymous.status_code == 401
    assert counted.json()["token_count"] == 2


def test_a_wrong_method_on_a_running_route_is_a_405(api, runner):
    # When /v1/chat is called with GET
    reply = api.get("/v1/chat", headers=runner["headers"])
    # Then 405
    assert reply.status_code == 405


@pytest.fixture(scope="module")
def limited_runtime() -> Iterator[LocalRuntime]:
    """A runtime of its own with rate limits on (the shared one runs with them off)."""
    with LocalRuntime(env={"PROMPTBANK_RATE_LIMITS": "on", "PROMPTBANK_LOCAL_SCHEDULES": "off"}) as rt:
        yield rt


def test_the_eleventh_ai_request_in_a_minute_is_refused_over_http(limited_runtime, fake):
    # Given a user of a runtime with limits on, with a key at the fake provider, early enough in a minute
    # that the burst below cannot straddle two (the limiter runs on the runtime's real clock)
    fake.reset()
    if time.time() % 60 > 45:
        time.sleep(60 - time.time() % 60 + 0.1)
    with httpx.Client(base_url=limited_runtime.base_url, timeout=30) as client:
        token = client.post("/v1/auth/register", json={"email": "limit@example.com", "password": "pw-0123456789",
                                                       "name": "L"}).json()["session_token"]
        headers = {"Authorization": f"Bearer {token}"}
        client.put("/v1/provider-keys/deepseek", headers=headers,
                   json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base})
        # When 11 chats are sent within a minute
        statuses = [client.post("/v1/chat", headers=headers,
                                json={"model": "deepseek-chat", "messages": HELLO}).status_code for _ in range(11)]
        last = client.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO})
    # Then the first 10 pass and the next are 429 with Retry-After
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert last.status_code == 429 and int(last.headers["Retry-After"]) >= 1
    assert fake.request_count == 10
