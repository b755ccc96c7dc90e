"""Idempotency never stores or replays a secret (issue 8 item 5), over HTTP through the local runtime.

A replay of a response that carried a secret shown once (a raw API key, a session token) has the same status
and body without the secret, and `omitted_secrets` naming what was left out; it sets no cookie and creates
nothing. The idempotency records in the table (read from the runtime's saved moto state) hold no secret.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.testing import LocalRuntime


def _items(runtime: LocalRuntime, api: httpx.Client) -> Iterator[dict[str, Any]]:
    """Every item of every table, in DynamoDB's wire format, as the runtime's moto holds them now."""
    assert api.post("/__local/save").status_code == 200
    state = json.loads((runtime.state_dir / "state.json").read_text())
    for table in state["dynamodb"].values():
        yield from table["items"]


def _idempotency_records(runtime: LocalRuntime, api: httpx.Client) -> list[dict[str, Any]]:
    return [item for item in _items(runtime, api) if item["pk"] == {"S": "IDEMPOTENCY"}]


def _sessions_of(runtime: LocalRuntime, api: httpx.Client, user_id: str) -> int:
    return sum(
        1
        for item in _items(runtime, api)
        if item.get("kind") == {"S": "session"} and item.get("user_id") == {"S": user_id}
    )


def _assert_no_secret_stored(runtime: LocalRuntime, api: httpx.Client, *secrets: str) -> None:
    records = _idempotency_records(runtime, api)
    assert records, "no idempotency record was written"
    for secret in secrets:
        assert all(secret not in json.dumps(record) for record in records), secret


def _idempotent(key: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), "Idempotency-Key": key}


def test_a_replayed_key_creation_leaves_out_the_raw_key_and_creates_no_second_key(runtime, api, new_user):
    # Given a user who creates an API key with an Idempotency-Key
    user = new_user()
    headers = _idempotent(str(uuid.uuid4()), user["headers"])
    first = api.post("/v1/keys", headers=headers, json={"name": "ci"})
    assert first.status_code == 201, first.text
    raw_key = first.json()["raw_key"]
    # When the same request is sent again
    replay = api.post("/v1/keys", headers=headers, json={"name": "ci"})
    # Then it has the same status and body, without the raw key, and says so
    assert replay.status_code == 201, replay.text
    expected = {k: v for k, v in first.json().items() if k != "raw_key"}
    assert replay.json() == {**expected, "omitted_secrets": ["raw_key"]}
    assert raw_key not in replay.text
    # And there is one key, which the first response's raw key works as
    keys = api.get("/v1/keys", headers=user["headers"]).json()["data"]
    assert [k["id"] for k in keys] == [first.json()["api_key"]["id"]]
    assert api.get("/v1/prompts", headers={"X-API-Key": raw_key}).status_code == 200
    # And no idempotency record holds the raw key
    _assert_no_secret_stored(runtime, api, raw_key)


def test_a_replayed_registration_leaves_out_the_session_and_creates_none(runtime, api):
    # Given a registration with an Idempotency-Key
    key = str(uuid.uuid4())
    password = f"pw-{uuid.uuid4().hex}"
    body = {"email": f"idem-{uuid.uuid4().hex[:8]}@example.com", "password": password, "name": "Idem"}
    first = api.post("/v1/auth/register", json=body, headers=_idempotent(key))
    assert first.status_code == 201, first.text
    token = first.json()["session_token"]
    assert token in first.headers.get("set-cookie", "")
    # When it is sent again
    replay = api.post("/v1/auth/register", json=body, headers=_idempotent(key))
    # Then the same status and user come back, with neither the token nor its cookie, and the body says so
    assert replay.status_code == 201, replay.text
    assert replay.json() == {"user": first.json()["user"], "omitted_secrets": ["session_token"]}
    assert "set-cookie" not in replay.headers
    assert token not in replay.text
    # And the account has the one session the first response made, which still works
    assert _sessions_of(runtime, api, first.json()["user"]["id"]) == 1
    assert api.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # And no idempotency record holds the token or the password
    _assert_no_secret_stored(runtime, api, token, password)


def test_a_replayed_login_leaves_out_the_session_and_creates_none(runtime, api, new_user):
    # Given a user (one session from registering) who logs in with an Idempotency-Key
    user = new_user()
    key = str(uuid.uuid4())
    credentials = {"email": user["email"], "password": user["password"]}
    first = api.post("/v1/auth/login", json=credentials, headers=_idempotent(key))
    assert first.status_code == 200, first.text
    token = first.json()["session_token"]
    # When the login is sent again
    replay = api.post("/v1/auth/login", json=credentials, headers=_idempotent(key))
    # Then it is the same 200 and user, without the token or a cookie, and the body says so
    assert replay.status_code == 200, replay.text
    assert replay.json() == {"user": first.json()["user"], "omitted_secrets": ["session_token"]}
    assert "set-cookie" not in replay.headers
    # And the login made one session only (two with the registration's)
    assert _sessions_of(runtime, api, user["user"]["id"]) == 2
    # And no idempotency record holds the token or the password
    _assert_no_secret_stored(runtime, api, token, user["password"])


def test_a_replay_with_a_wrong_password_is_a_conflict(api, new_user):
    # Given a login with an Idempotency-Key
    user = new_user()
    key = str(uuid.uuid4())
    assert (
        api.post(
            "/v1/auth/login", json={"email": user["email"], "password": user["password"]}, headers=_idempotent(key)
        ).status_code
        == 200
    )
    # When the same key is sent with another password
    other = api.post("/v1/auth/login", json={"email": user["email"], "password": "wrong"}, headers=_idempotent(key))
    # Then it is a 409, not the first login's user
    assert other.status_code == 409, other.text
    assert other.json()["error"]["code"] == "CONFLICT"


@pytest.mark.parametrize("path", ["/v1/prompts"])
def test_a_response_without_secrets_replays_whole(api, new_user, path):
    # Given a route that returns no secret, called with an Idempotency-Key
    user = new_user()
    headers = _idempotent(str(uuid.uuid4()), user["headers"])
    first = api.post(path, headers=headers, json={"name": "Once", "content": "c"})
    # When it is replayed
    replay = api.post(path, headers=headers, json={"name": "Once", "content": "c"})
    # Then the replay is the first response exactly, with nothing marked omitted
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert "omitted_secrets" not in replay.json()
