"""Usage plans applied by the local gateway (throttle, quota) and state that survives a restart (API.md §2)."""

import re
import uuid
from pathlib import Path

import httpx
import pytest

from local.testing import LocalRuntime

ROOT = Path(__file__).resolve().parents[2]


def register(client):
    body = {"email": f"lim-{uuid.uuid4().hex[:10]}@example.com", "password": "password1", "name": "L"}
    response = client.post("/v1/auth/register", json=body)
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['session_token']}"}


def key_for(client, headers):
    response = client.post("/v1/keys", headers=headers, json={"name": "limits"})
    assert response.status_code == 201
    return {"X-API-Key": response.json()["raw_key"]}


@pytest.fixture(scope="module")
def small_quota_template():
    """The real template with the free plan's quota at 3/month, so the quota is reachable in a test."""
    text = (ROOT / "template.yaml").read_text()
    text, count = re.subn(r"Quota: \{Limit: 1000, Period: MONTH\}", "Quota: {Limit: 3, Period: MONTH}", text)
    assert count == 1, "the free plan's quota moved: update this test"
    text = text.replace("Throttle: {RateLimit: 1, BurstLimit: 10}\n      Quota: {Limit: 3", "Throttle: {RateLimit: 100, BurstLimit: 100}\n      Quota: {Limit: 3", 1)
    path = ROOT / f".pytest-template-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(text)
    yield path
    path.unlink()


@pytest.fixture(scope="module")
def limited_runtime():
    with LocalRuntime(env={"PROMPTBANK_RATE_LIMITS": "on", "PROMPTBANK_LOCAL_SCHEDULES": "off"}) as runtime:
        yield runtime


def test_free_plan_key_is_throttled_after_its_burst(limited_runtime):
    # Given a free-plan API key (1 req/s, burst 10)
    with httpx.Client(base_url=limited_runtime.base_url, timeout=30) as client:
        key = key_for(client, register(client))
        # When it sends 15 requests at once
        statuses = [client.get("/v1/auth/me", headers=key) for _ in range(15)]
    # Then the burst passes and the rest are 429 RATE_LIMITED with Retry-After
    limited = [r for r in statuses if r.status_code == 429]
    assert sum(r.status_code == 200 for r in statuses) >= 10
    assert limited, "no request was throttled"
    assert limited[0].json()["error"]["code"] == "RATE_LIMITED"
    assert int(limited[0].headers["retry-after"]) >= 1


def test_keys_are_limited_separately(limited_runtime):
    with httpx.Client(base_url=limited_runtime.base_url, timeout=30) as client:
        session = register(client)
        first, second = key_for(client, session), key_for(client, session)
        for _ in range(15):
            client.get("/v1/auth/me", headers=first)
        assert client.get("/v1/auth/me", headers=second).status_code == 200


def test_rate_limits_off_lets_bursts_through(api, new_user):
    # The shared runtime runs with PROMPTBANK_RATE_LIMITS=off
    user = new_user()
    key = {"X-API-Key": api.post("/v1/keys", headers=user["headers"], json={"name": "x"}).json()["raw_key"]}
    assert all(api.get("/v1/auth/me", headers=key).status_code == 200 for _ in range(20))


def test_monthly_quota_is_enforced_per_key(small_quota_template):
    with LocalRuntime(env={"PROMPTBANK_RATE_LIMITS": "on"}, template=small_quota_template) as runtime, httpx.Client(
        base_url=runtime.base_url, timeout=30
    ) as client:
        key = key_for(client, register(client))
        answers = [client.get("/v1/auth/me", headers=key) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "QUOTA_EXCEEDED"
    # and Retry-After says when the month's quota starts again (00:00 UTC on the 1st of next month)
    assert 0 < int(answers[-1].headers["retry-after"]) <= 31 * 86_400


def test_state_survives_a_restart(tmp_path):
    # Given a user, a key and a profile written through the API
    runtime = LocalRuntime(state_dir=tmp_path, env={"PROMPTBANK_RATE_LIMITS": "off"})
    with runtime:
        with httpx.Client(base_url=runtime.base_url, timeout=30) as client:
            session = register(client)
            key = key_for(client, session)
            client.patch("/v1/profile", headers=session, json={"bio": "still here"})
        # When the runtime is stopped (SIGINT) and started again on the same state dir
        runtime.stop()
        runtime.start()
        with httpx.Client(base_url=runtime.base_url, timeout=30) as client:
            # Then the session, the key and the profile are all still there
            assert client.get("/v1/auth/me", headers=key).status_code == 200
            assert client.get("/v1/profile", headers=session).json()["bio"] == "still here"
