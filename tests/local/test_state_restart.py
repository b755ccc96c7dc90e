"""State across a restart: SIGINT saves it, the next start loads it (items, keys, quotas, KMS, messages)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from local.testing import LocalRuntime
from tests.local.conftest import bearer, fixture_runtime


@pytest.fixture(scope="module")
def restarted() -> Iterator[dict]:
    """Writes through the API, stops with SIGINT, starts again on the same state dir; yields what it wrote."""
    runtime = fixture_runtime()
    try:
        runtime.start()
        with httpx.Client(base_url=runtime.base_url, timeout=30) as http:
            http.put("/v1/items/kept", json={"hello": "world"})
            key = http.post("/v1/keys", json={"plan": "quota"}).json()
            for _ in range(2):  # 2 of the plan's 3 requests a month
                assert http.get("/v1/private", headers=bearer(key["value"])).status_code == 200
            ciphertext = http.post("/v1/encrypt", json={"text": "provider secret"}).json()["ciphertext"]
            http.post("/v1/messages/parked", json={"parked": 1})
            api_id = http.get("/v1/private", headers=bearer(key["value"])).json()["event"]["requestContext"]["apiId"]
        first_url = runtime.base_url
        exit_code = runtime.stop()
        runtime.start()
        yield {
            "runtime": runtime,
            "key": key,
            "ciphertext": ciphertext,
            "api_id": api_id,
            "exit_code": exit_code,
            "first_url": first_url,
        }
    finally:
        runtime.close()


def _client(restarted: dict) -> httpx.Client:
    runtime: LocalRuntime = restarted["runtime"]
    return httpx.Client(base_url=runtime.base_url, timeout=30)


def test_sigint_exits_cleanly_and_saves(restarted: dict) -> None:
    # Given the first run was stopped with SIGINT
    # When it exited
    # Then the exit code was 0 and a state file exists
    assert restarted["exit_code"] == 0
    assert (restarted["runtime"].state_dir / "state.json").exists()


def test_restart_keeps_the_port(restarted: dict) -> None:
    # Given the restart on the same state dir
    # When its URL is compared
    # Then it is the same
    assert restarted["runtime"].base_url == restarted["first_url"]


def test_table_items_survive_a_restart(restarted: dict) -> None:
    # Given an item written before the restart
    # When it is read after
    with _client(restarted) as http:
        item = http.get("/v1/items/ITEM%23kept").json()
    # Then it is there
    assert json.loads(item["data"]) == {"hello": "world"}


def test_api_keys_and_their_quota_survive_a_restart(restarted: dict) -> None:
    # Given a key that used 3 of its 3 monthly requests before the restart (2 + the apiId probe)
    # When it is used after
    with _client(restarted) as http:
        response = http.get("/v1/private", headers=bearer(restarted["key"]["value"]))
    # Then it is still a valid key (not INVALID_API_KEY) and its quota count was kept
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "QUOTA_EXCEEDED"


def test_rest_api_id_survives_a_restart(restarted: dict) -> None:
    # Given a fresh key (the old one is out of quota)
    with _client(restarted) as http:
        key = http.post("/v1/keys", json={"plan": "quota"}).json()["value"]
        # When a request reports the API id
        api_id = http.get("/v1/private", headers=bearer(key)).json()["event"]["requestContext"]["apiId"]
    # Then it is the id from before the restart (methodArns and usage plans keep matching)
    assert api_id == restarted["api_id"]


def test_kms_ciphertexts_still_decrypt_after_a_restart(restarted: dict) -> None:
    # Given a ciphertext made before the restart
    # When it is decrypted after
    with _client(restarted) as http:
        response = http.post("/v1/decrypt", json={"ciphertext": restarted["ciphertext"]})
    # Then the key material was kept
    assert response.status_code == 200
    assert response.json() == {"text": "provider secret"}


def test_queued_messages_survive_a_restart(restarted: dict) -> None:
    # Given a message left on a queue without consumer
    # When the queue is read after the restart
    with _client(restarted) as http:
        messages = http.get("/v1/messages/parked").json()
    # Then the message is still there
    assert messages == [{"parked": 1}]
