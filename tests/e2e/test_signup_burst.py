"""Sign-up and API key bursts against API Gateway's CreateApiKey quota (5 a second per account), as the local
runtime emulates it (local/motoserver.py, docs/local-runtime.md "API Gateway limits"): every registration and
every new key creates an API Gateway key, and the functions' SDK retries the 429s with backoff and jitter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from local.testing import LocalRuntime

BURST = 20


@pytest.fixture(scope="module")
def limited_runtime() -> Iterator[LocalRuntime]:
    # As many warm execution environments as there are sign-ups, so they reach API Gateway together
    env = {"PROMPTBANK_RATE_LIMITS": "on", "PROMPTBANK_LOCAL_SCHEDULES": "off", "PROMPTBANK_LOCAL_MAX_CONTAINERS": "24"}
    with LocalRuntime(env=env) as runtime:
        yield runtime


def together(calls: list[Any]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def sign_up(base_url: str, email: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        return client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "Burst"})


def new_key(base_url: str, session_token: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        return client.post("/v1/keys", headers={"Authorization": f"Bearer {session_token}"}, json={"name": "burst"})


def test_twenty_sign_ups_at_once_all_succeed_and_work(limited_runtime: LocalRuntime) -> None:
    base = limited_runtime.base_url
    emails = [f"burst-{uuid.uuid4().hex[:10]}@example.com" for _ in range(BURST)]

    # Given a runtime with API Gateway's limits on
    # When 20 people register at the same moment
    responses = together([lambda email=email: sign_up(base, email) for email in emails])

    # Then every registration is a 201 with its own user and session
    assert [r.status_code for r in responses] == [201] * BURST, [r.text for r in responses if r.status_code != 201]
    bodies = [r.json() for r in responses]
    assert sorted(b["user"]["email"] for b in bodies) == sorted(emails)
    assert len({b["session_token"] for b in bodies}) == BURST
    # And the burst did meet the CreateApiKey limit (and the SDK's retries got past it)
    assert "CreateApiKey throttled" in limited_runtime.stderr()

    with httpx.Client(base_url=base, timeout=60) as client:
        # And each session acts as its user
        for body in bodies:
            me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {body['session_token']}"})
            assert me.status_code == 200 and me.json()["email"] == body["user"]["email"]

    # When all 20 then create an API key at the same moment
    keys = together([lambda token=b["session_token"]: new_key(base, token) for b in bodies])

    # Then every key is created, and each one is accepted by the gateway as its owner's
    assert [k.status_code for k in keys] == [201] * BURST, [k.text for k in keys if k.status_code != 201]
    with httpx.Client(base_url=base, timeout=60) as client:
        for body, key in zip(bodies, keys, strict=True):
            me = client.get("/v1/auth/me", headers={"X-API-Key": key.json()["raw_key"]})
            assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
