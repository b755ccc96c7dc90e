"""The egress guard over HTTP: under PROMPTBANK_EGRESS=loopback (every test target sets it), a run whose
provider base URL is outside loopback is a clear 400 naming the URL, and nothing is sent; loopback works.

10.255.255.1 is a private address that nothing here listens on: were the guard to let the call through, the
connect would time out and the run would be a 502/504 recorded as failed, not a 400 with no run recorded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import LocalRuntime

OFF_MACHINE = "https://10.255.255.1:9"
HELLO = [{"role": "user", "content": "one two three"}]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


def save_key(api: httpx.Client, user: dict[str, Any], base_url: str | None) -> None:
    body = {"api_key": "sk-e2e-0123456789", **({"base_url": base_url} if base_url else {})}
    reply = api.put("/v1/provider-keys/deepseek", headers=user["headers"], json=body)
    assert reply.status_code == 200, reply.text


def run_prompt(api: httpx.Client, user: dict[str, Any]) -> httpx.Response:
    prompt = api.post(
        "/v1/prompts",
        headers=user["headers"],
        json={"name": "Egress", "content": "Greet {{name}}", "model_config": {"model": "deepseek-chat"}},
    )
    assert prompt.status_code == 201, prompt.text
    return api.post(
        f"/v1/prompts/{prompt.json()['id']}/run", headers=user["headers"], json={"variables": {"name": "Ada"}}
    )


def assert_refused_by_the_guard(reply: httpx.Response) -> None:
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "PROVIDER_NOT_CONFIGURED"
    assert error["message"].startswith(f"The base URL of provider deepseek ({OFF_MACHINE}) is not allowed")
    assert "outside loopback (PROMPTBANK_EGRESS=loopback)" in error["message"]
    assert error["details"][0]["field"] == "base_url"
    assert "sk-e2e-0123456789" not in reply.text


def test_the_test_session_runs_under_the_loopback_guard():
    # The shared runtime inherits the environment, so this is what its functions see
    assert os.environ["PROMPTBANK_EGRESS"] == "loopback"


def test_a_run_to_a_base_url_outside_loopback_is_refused_and_nothing_is_sent(api, new_user):
    # Given a key whose base URL points off the machine (https: saving it locally resolves nothing)
    user = new_user()
    save_key(api, user, OFF_MACHINE)
    # When a prompt is run
    reply = run_prompt(api, user)
    # Then it is a 400 naming the base URL and the guard
    assert_refused_by_the_guard(reply)
    # And no call was made: a call that failed would have been recorded as a failed run
    assert api.get("/v1/runs", headers=user["headers"]).json()["data"] == []


def test_the_same_run_to_the_loopback_fake_provider_works(api, new_user, fake):
    # Given the same user first refused, then pointing the key at the fake provider on 127.0.0.1
    user = new_user()
    save_key(api, user, OFF_MACHINE)
    assert run_prompt(api, user).status_code == 400
    fake.reset()
    save_key(api, user, fake.deepseek_base)
    # When the prompt is run again
    reply = run_prompt(api, user)
    # Then the fake provider answered it
    assert reply.status_code == 200, reply.text
    assert reply.json()["output"] == "echo: Greet Ada"
    assert fake.request_count == 1


@pytest.fixture(scope="module")
def overridden_runtime() -> Iterator[LocalRuntime]:
    """A runtime whose deployment-wide deepseek base URL (PROMPTBANK_DEEPSEEK_BASE_URL) points off the machine;
    PROMPTBANK_EGRESS comes from the test session's environment, as for every runtime a test starts."""
    env = {
        "PROMPTBANK_RATE_LIMITS": "off",
        "PROMPTBANK_LOCAL_SCHEDULES": "off",
        "PROMPTBANK_DEEPSEEK_BASE_URL": OFF_MACHINE,
    }
    with LocalRuntime(env=env) as rt:
        yield rt


def test_an_operator_base_url_outside_loopback_is_refused_too(overridden_runtime, new_user, fake):
    with httpx.Client(base_url=overridden_runtime.base_url, timeout=30) as api:
        # Given a user whose key has no base URL of its own, so the environment's override applies
        user = new_user(api)
        save_key(api, user, None)
        # When a chat is sent
        refused = api.post("/v1/chat", headers=user["headers"], json={"model": "deepseek-chat", "messages": HELLO})
        # Then the guard refuses the override's address, and nothing was recorded
        assert_refused_by_the_guard(refused)
        assert api.get("/v1/runs", headers=user["headers"]).json()["data"] == []
        # And a key pointing at the loopback fake provider works on the same runtime
        fake.reset()
        save_key(api, user, fake.deepseek_base)
        answered = api.post("/v1/chat", headers=user["headers"], json={"model": "deepseek-chat", "messages": HELLO})
        assert answered.status_code == 200, answered.text
        assert fake.request_count == 1
