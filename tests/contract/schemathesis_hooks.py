"""Schemathesis hooks for tests/contract/schemathesis_run.py: fresh resources for destructive operations.

The path parameters of every case are fixed fixtures (the run's `[parameters]`). A case of an operation that
would destroy its fixture or the credential the whole run uses is sent against a fresh one instead:

- logout, deleting an API key, changing the profile or the provider keys: a throwaway user, acting with a
  credential of the run's kind (a session, or an API key of that user), and for DELETE /v1/keys its own key;
- changing or deleting a prompt, deleting a label, changing or deleting a share: a fresh private prompt (and
  share) of the fixture's owner, addressed like the fixture (by slug), and deleted again after the call.

Only valid values replace valid values, so what schemathesis generated (and checks) stays what it meant.
Environment: PB_ST_BASE_URL, PB_ST_OWNER_SESSION, PB_ST_CREDENTIAL (`session` or `api-key`) and PB_ST_TOKEN (the
run's credential).
"""

from __future__ import annotations

import os
import uuid
from functools import cache
from typing import Any

import httpx
import schemathesis

THROWAWAY_USER = {
    "POST /v1/auth/logout",
    "DELETE /v1/keys/{key_id}",
    "PATCH /v1/profile",
    "PUT /v1/provider-keys/{provider}",
    "DELETE /v1/provider-keys/{provider}",
}
FRESH_PROMPT = {
    "PATCH /v1/prompts/{ref}",
    "DELETE /v1/prompts/{ref}",
    "DELETE /v1/prompts/{ref}/labels/{label}",
    "PATCH /v1/prompts/{ref}/shares/{share_id}",
    "DELETE /v1/prompts/{ref}/shares/{share_id}",
}


@cache
def _client() -> httpx.Client:
    return httpx.Client(base_url=os.environ["PB_ST_BASE_URL"], timeout=60)


def _call(method: str, path: str, token: str, expected: int, json: Any = None) -> Any:
    response = _client().request(method, path, headers={"Authorization": f"Bearer {token}"}, json=json)
    if response.status_code != expected:
        raise RuntimeError(f"hook fixture {method} {path}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def _throwaway_user(with_key: bool) -> dict[str, str]:
    """{session, token (the run's kind of credential), key_id (a key of its own to delete, when asked for)}."""
    email = f"st-throwaway-{uuid.uuid4().hex[:12]}@example.com"
    response = _client().post(
        "/v1/auth/register", json={"email": email, "password": f"pw-{uuid.uuid4().hex}", "name": "Throwaway"}
    )
    if response.status_code != 201:
        raise RuntimeError(f"hook fixture register: {response.status_code} {response.text[:300]}")
    session = response.json()["session_token"]
    user = {"session": session, "token": session}
    if with_key or os.environ.get("PB_ST_CREDENTIAL") == "api-key":
        key = _call("POST", "/v1/keys", session, 201, {"name": "throwaway", "environment": "production"})
        user["key_id"] = key["api_key"]["id"]
        if os.environ.get("PB_ST_CREDENTIAL") == "api-key":
            user["token"] = key["raw_key"]
    return user


_FRESH: dict[int, str] = {}  # id(case) -> the fresh prompt it was sent against, deleted after the call


def _fresh_prompt(case: Any) -> None:
    """A new prompt of the fixture's owner (version 1, published), with the label or share the case deletes."""
    owner = os.environ["PB_ST_OWNER_SESSION"]
    slug = f"st-{uuid.uuid4().hex[:16]}"
    prompt = _call(
        "POST",
        "/v1/prompts",
        owner,
        201,
        {"name": "Schemathesis fresh", "slug": slug, "content": "Hi {{name}}"},
    )
    _FRESH[id(case)] = prompt["id"]
    parameters = dict(case.path_parameters or {})
    parameters["ref"] = slug
    if "label" in parameters:
        _call("PUT", f"/v1/prompts/{prompt['id']}/labels/{parameters['label']}", owner, 200, {"version": 1})
    if "share_id" in parameters:
        parameters["share_id"] = _call("POST", f"/v1/prompts/{prompt['id']}/shares", owner, 201, {})["id"]
    case.path_parameters = parameters
    headers = case.headers or {}
    if any(name.lower() == "if-match" for name in headers):
        # Any string is a valid If-Match, but only the prompt's current ETag lets a valid PATCH through (a stale
        # one is a 412, tests/e2e/test_prompts.py): the case gets the fresh prompt's.
        etag = f'"{prompt["etag"]}"'
        case.headers = {name: etag if name.lower() == "if-match" else value for name, value in headers.items()}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    label = f"{case.method.upper()} {case.path}"
    if label in FRESH_PROMPT:
        _fresh_prompt(case)
    elif label in THROWAWAY_USER:
        user = _throwaway_user(with_key="key_id" in (case.path_parameters or {}))
        run_token = os.environ["PB_ST_TOKEN"]
        # Only the run's own credential is replaced: a case that schemathesis sends without it or with a broken
        # one (the ignored_auth check) goes as it is, so that check still sees what the API does without it.
        case.headers = {
            name: value.replace(run_token, user["token"]) if isinstance(value, str) else value
            for name, value in (case.headers or {}).items()
        }
        if "key_id" in (case.path_parameters or {}):
            case.path_parameters = {**case.path_parameters, "key_id": user["key_id"]}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """The fresh prompt goes again (with its shares), so the owner's lists stay as short as the fixtures."""
    prompt_id = _FRESH.pop(id(case), None)
    deleted = case.method.upper() == "DELETE" and case.path == "/v1/prompts/{ref}" and response.status_code == 204
    if prompt_id is not None and not deleted:
        owner = os.environ["PB_ST_OWNER_SESSION"]
        _client().delete(f"/v1/prompts/{prompt_id}", headers={"Authorization": f"Bearer {owner}"})
