"""The OpenAPI document tells the truth for the account, key, profile, run, token, model and service routes.

Each test calls routes over HTTP through the local runtime and checks every answer against the generated
document (scripts/openapi.py, which `make openapi-check` keeps equal to the served /v1/openapi.json): the
status is declared for the operation, the media type is declared for that status, and a JSON body validates
against the declared schema (response models forbid extra fields, so a field the document does not name fails).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from tests.fakes.fake_provider import FakeProviderServer

HELLO = [{"role": "user", "content": "one two three"}]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from scripts.openapi import build

    return build()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def runner(api: httpx.Client, new_user: Any, fake: FakeProviderServer) -> dict[str, Any]:
    """A registered user whose deepseek key points at the fake provider."""
    fake.reset()
    user = new_user()
    reply = api.put(
        "/v1/provider-keys/deepseek",
        headers=user["headers"],
        json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base},
    )
    assert reply.status_code == 200, reply.text
    return user


def conforms(document: dict[str, Any], method: str, path: str, reply: httpx.Response) -> None:
    """Fail unless `reply` is an answer the document declares for `method path` (path in template form)."""
    operation = document["paths"][path][method.lower()]
    declared = operation["responses"].get(str(reply.status_code))
    assert declared is not None, f"{method} {path}: {reply.status_code} is not declared ({reply.text[:200]})"
    content = declared.get("content") or {}
    if not content:
        assert reply.content == b"", f"{method} {path}: {reply.status_code} declares no body"
        return
    media_type = reply.headers["content-type"].split(";")[0].strip()
    assert media_type in content, f"{method} {path}: {reply.status_code} {media_type} is not declared"
    if media_type == "application/json":
        schema = {**content[media_type]["schema"], "components": document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(reply.json()), key=str)
        assert not errors, f"{method} {path}: body does not match the document: {errors[0].message}"


def test_account_and_session_answers_are_documented(api, document):
    # Given a new account's credentials
    email, password = f"doc-{uuid.uuid4().hex[:12]}@example.com", "pw-" + uuid.uuid4().hex
    # When it registers, registers again, logs in, fails a login, asks who it is and logs out
    registered = api.post("/v1/auth/register", json={"email": email, "password": password, "name": "Doc"})
    again = api.post("/v1/auth/register", json={"email": email.upper(), "password": password, "name": "Doc"})
    login = api.post("/v1/auth/login", json={"email": email, "password": password})
    wrong = api.post("/v1/auth/login", json={"email": email, "password": "not-the-password"})
    headers = {"Authorization": f"Bearer {login.json()['session_token']}"}
    me = api.get("/v1/auth/me", headers=headers)
    logout = api.post("/v1/auth/logout", headers=headers)
    # Then each answer is one the document declares
    assert [r.status_code for r in (registered, again, login, wrong, me, logout)] == [201, 409, 200, 401, 200, 204]
    for path, reply in [
        ("/v1/auth/register", registered),
        ("/v1/auth/register", again),
        ("/v1/auth/login", login),
        ("/v1/auth/login", wrong),
        ("/v1/auth/logout", logout),
    ]:
        conforms(document, "POST", path, reply)
    conforms(document, "GET", "/v1/auth/me", me)


def test_key_answers_are_documented(api, document, new_user):
    # Given a user
    headers = new_user()["headers"]
    # When it creates, lists and revokes a key, then revokes it again
    created = api.post("/v1/keys", headers=headers, json={"name": "ci", "access": "read"})
    listed = api.get("/v1/keys", headers=headers)
    revoked = api.delete(f"/v1/keys/{created.json()['api_key']['id']}", headers=headers)
    missing = api.delete(f"/v1/keys/{created.json()['api_key']['id']}", headers=headers)
    # Then each answer is one the document declares
    assert [r.status_code for r in (created, listed, revoked, missing)] == [201, 200, 204, 404]
    conforms(document, "POST", "/v1/keys", created)
    conforms(document, "GET", "/v1/keys", listed)
    conforms(document, "DELETE", "/v1/keys/{key_id}", revoked)
    conforms(document, "DELETE", "/v1/keys/{key_id}", missing)


def test_profile_answers_are_documented(api, document, new_user):
    # Given two users, the first with a username
    first, second = new_user()["headers"], new_user()["headers"]
    username = "doc_" + uuid.uuid4().hex[:12]
    # When the first reads and updates its profile and the second asks for the same username
    read = api.get("/v1/profile", headers=first)
    updated = api.patch("/v1/profile", headers=first, json={"username": username, "bio": "hello"})
    taken = api.patch("/v1/profile", headers=second, json={"username": username})
    # Then each answer is one the document declares
    assert [r.status_code for r in (read, updated, taken)] == [200, 200, 409]
    conforms(document, "GET", "/v1/profile", read)
    for reply in (updated, taken):
        conforms(document, "PATCH", "/v1/profile", reply)


def test_provider_key_answers_are_documented(api, document, new_user):
    # Given a user
    headers = new_user()["headers"]
    # When it saves, lists and deletes a key, and names an unknown provider
    saved = api.put("/v1/provider-keys/openai", headers=headers, json={"api_key": "sk-doc-0123456789abcd"})
    listed = api.get("/v1/provider-keys", headers=headers)
    deleted = api.delete("/v1/provider-keys/openai", headers=headers)
    unknown = api.delete("/v1/provider-keys/nope", headers=headers)
    # Then each answer is one the document declares
    assert [r.status_code for r in (saved, listed, deleted, unknown)] == [200, 200, 204, 400]
    conforms(document, "PUT", "/v1/provider-keys/{provider}", saved)
    conforms(document, "GET", "/v1/provider-keys", listed)
    conforms(document, "DELETE", "/v1/provider-keys/{provider}", deleted)
    conforms(document, "DELETE", "/v1/provider-keys/{provider}", unknown)


def test_service_and_catalogue_answers_are_documented(api, document, new_user):
    # Given a user
    headers = new_user()["headers"]
    # When the service routes, the model list and both token counts are asked for
    replies = {
        ("GET", "/v1/health"): api.get("/v1/health"),
        ("GET", "/v1/models"): api.get("/v1/models"),
        ("GET", "/v1/openapi.json"): api.get("/v1/openapi.json"),
        ("GET", "/docs"): api.get("/docs"),
        ("GET", "/llms.txt"): api.get("/llms.txt"),
        ("GET", "/v1/token-count"): api.get(
            "/v1/token-count", headers=headers, params={"prompt": "hello world", "model": "gpt-4o"}
        ),
        ("POST", "/v1/token-count"): api.post(
            "/v1/token-count", headers=headers, json={"prompt": "hello world", "model": "claude"}
        ),
    }
    # Then each answer is a 200 the document declares, with the media type it declares
    assert {key: r.status_code for key, r in replies.items()} == dict.fromkeys(replies, 200)
    for (method, path), reply in replies.items():
        conforms(document, method, path, reply)


def test_run_chat_and_enhance_answers_are_documented_in_json_and_text(api, document, runner):
    # Given a prompt of a user with a provider key
    headers = runner["headers"]
    prompt = api.post("/v1/prompts", headers=headers, json={"name": "Doc run", "content": "Say {{word}}"}).json()
    run_path = f"/v1/prompts/{prompt['id']}/run"
    # When it is run, chatted and enhanced, as JSON and as text
    run_json = api.post(run_path, headers=headers, json={"variables": {"word": "hi"}})
    run_text = api.post(
        run_path, headers=headers, params={"response_format": "text"}, json={"variables": {"word": "hi"}}
    )
    chat = api.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO})
    enhanced = api.post("/v1/enhance", headers=headers, json={"prompt": "write a poem"})
    enhanced_text = api.post(
        "/v1/enhance", headers=headers, params={"response_format": "text"}, json={"prompt": "write a poem"}
    )
    # Then each answer is a 200 the document declares, JSON or text/plain as asked
    assert [r.status_code for r in (run_json, run_text, chat, enhanced, enhanced_text)] == [200] * 5
    assert (run_text.headers["content-type"], enhanced_text.headers["content-type"]) == (
        "text/plain; charset=utf-8",
        "text/plain; charset=utf-8",
    )
    for reply in (run_json, run_text):
        conforms(document, "POST", "/v1/prompts/{ref}/run", reply)
    conforms(document, "POST", "/v1/chat", chat)
    for reply in (enhanced, enhanced_text):
        conforms(document, "POST", "/v1/enhance", reply)


def test_run_failures_are_documented(api, document, runner, fake, new_user):
    # Given a user with a key whose provider fails, and a user with no key for gemini
    headers = runner["headers"]
    fake.fail_next(5, status=500)
    # When a chat fails at the provider, a model without a key is asked for, and an unknown prompt is run
    failed = api.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO})
    unconfigured = api.post(
        "/v1/chat", headers=new_user()["headers"], json={"model": "gemini-2.5-flash", "messages": HELLO}
    )
    unknown = api.post(f"/v1/prompts/{uuid.uuid4()}/run", headers=headers, json={})
    # Then each is an error the document declares for the route
    assert [r.status_code for r in (failed, unconfigured, unknown)] == [502, 400, 404]
    assert unconfigured.json()["error"]["code"] == "PROVIDER_NOT_CONFIGURED"
    conforms(document, "POST", "/v1/chat", failed)
    conforms(document, "POST", "/v1/chat", unconfigured)
    conforms(document, "POST", "/v1/prompts/{ref}/run", unknown)


def test_run_history_answers_are_documented(api, runtime, document, runner):
    # Given a user with one succeeded chat
    headers = runner["headers"]
    chat = api.post("/v1/chat", headers=headers, json={"model": "deepseek-chat", "messages": HELLO}).json()
    drained = httpx.post(f"{runtime.base_url}/__local/drain", params={"timeout": 90}, timeout=120).json()
    assert drained["complete"] is True, runtime.stderr()[-6000:]
    # When its runs, the run, a run that is not there, and the stats are read
    listed = api.get("/v1/runs", headers=headers)
    one = api.get(f"/v1/runs/{chat['run_id']}", headers=headers)
    missing = api.get(f"/v1/runs/{uuid.uuid4()}", headers=headers)
    stats = api.get("/v1/runs/stats", headers=headers)
    # Then each answer is one the document declares
    assert [r.status_code for r in (listed, one, missing, stats)] == [200, 200, 404, 200]
    assert stats.json()["by_model"]["deepseek-chat"]["runs"] == 1
    conforms(document, "GET", "/v1/runs", listed)
    conforms(document, "GET", "/v1/runs/{run_id}", one)
    conforms(document, "GET", "/v1/runs/{run_id}", missing)
    conforms(document, "GET", "/v1/runs/stats", stats)
