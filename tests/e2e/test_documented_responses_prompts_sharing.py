"""The OpenAPI document tells the truth for the prompt, delivery, sharing, catalogue and public profile routes.

Each test calls routes over HTTP through the local runtime and checks every answer against the generated
document (scripts/openapi.py; `make openapi-check` keeps docs/openapi.json, the served document, equal to it):
the status is declared for the operation, the media type is declared for that status, a JSON body validates
against the declared schema (response models forbid extra fields), every answer carries `X-Request-Id`, and an
answer whose declaration names `ETag` carries one.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from tests.e2e.test_documented_responses_accounts_runs import conforms


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from scripts.openapi import build

    return build()


def check(document: dict[str, Any], method: str, path: str, *replies: httpx.Response) -> None:
    for reply in replies:
        conforms(document, method, path, reply)
        assert reply.headers.get("x-request-id"), f"{method} {path}: {reply.status_code} has no X-Request-Id"
        declared = document["paths"][path][method.lower()]["responses"][str(reply.status_code)]
        if "ETag" in declared.get("headers", {}):
            assert reply.headers.get("etag"), f"{method} {path}: {reply.status_code} declares ETag, sent none"


def create(api: httpx.Client, headers: dict[str, str], **fields: Any) -> httpx.Response:
    body = {"name": "Doc " + uuid.uuid4().hex[:8], "content": "Hello {{who|text:20}}!", **fields}
    return api.post("/v1/prompts", headers=headers, json=body)


def test_prompt_answers_are_documented(api, document, new_user):
    # Given a user with a prompt
    headers = new_user()["headers"]
    created = create(api, headers, slug="doc-" + uuid.uuid4().hex[:8], description="d", tags=["a"])
    prompt = created.json()
    ref = f"/v1/prompts/{prompt['id']}"
    # When it reads, changes, labels, publishes, lists and deletes it, and gets each usual error
    taken = create(api, headers, slug=prompt["slug"])
    wrong_type = api.post("/v1/prompts", headers={**headers, "Content-Type": "text/plain"}, content=b"{}")
    got, text = api.get(ref, headers=headers), api.get(ref, headers=headers, params={"response_format": "text"})
    missing = api.get(f"/v1/prompts/{uuid.uuid4()}", headers=headers)
    updated = api.patch(ref, headers=headers, json={"content": "Hi {{who}}"})
    stale = api.patch(ref, headers={**headers, "If-Match": f'"{prompt["etag"]}"'}, json={"content": "x"})
    versions, version = api.get(f"{ref}/versions", headers=headers), api.get(f"{ref}/versions/1", headers=headers)
    no_version = api.get(f"{ref}/versions/99", headers=headers)
    labelled = api.put(f"{ref}/labels/staging", headers=headers, json={"version": 1})
    latest = api.put(f"{ref}/labels/latest", headers=headers, json={"version": 1})
    unlabelled = api.delete(f"{ref}/labels/staging", headers=headers)
    published = api.post(f"{ref}/publish", headers=headers, json={})
    listed = api.get("/v1/prompts", headers=headers, params={"limit": 1})
    with httpx.Client(base_url=api.base_url) as stranger:  # no session cookie in its jar
        anonymous = stranger.get("/v1/prompts")
    deleted, gone = api.delete(ref, headers=headers), api.delete(ref, headers=headers)
    # Then each answer is one the document declares
    assert [r.status_code for r in (created, taken, wrong_type, got, text, missing, updated, stale)] == [
        201,
        409,
        415,
        200,
        200,
        404,
        200,
        412,
    ]
    assert [r.status_code for r in (versions, version, no_version, labelled, latest, unlabelled, published)] == [
        200,
        200,
        404,
        200,
        400,
        204,
        200,
    ]
    assert [r.status_code for r in (listed, anonymous, deleted, gone)] == [200, 401, 204, 404]
    check(document, "POST", "/v1/prompts", created, taken, wrong_type)
    check(document, "GET", "/v1/prompts/{ref}", got, text, missing)
    check(document, "PATCH", "/v1/prompts/{ref}", updated, stale)
    check(document, "GET", "/v1/prompts/{ref}/versions", versions)
    check(document, "GET", "/v1/prompts/{ref}/versions/{n}", version, no_version)
    check(document, "PUT", "/v1/prompts/{ref}/labels/{label}", labelled, latest)
    check(document, "DELETE", "/v1/prompts/{ref}/labels/{label}", unlabelled)
    check(document, "POST", "/v1/prompts/{ref}/publish", published)
    check(document, "GET", "/v1/prompts", listed, anonymous)
    check(document, "DELETE", "/v1/prompts/{ref}", deleted, gone)


def test_delivery_answers_are_documented(api, document, new_user):
    # Given a user with a prompt
    headers = new_user()["headers"]
    prompt = create(api, headers, system_prompt="Be brief.").json()
    ref = f"/v1/prompts/{prompt['id']}"
    # When it is compiled (JSON, text, conditional), compiled by POST, downloaded, and compiled badly
    compiled = api.get(f"{ref}/compiled", headers=headers, params={"variables": '{"who": "Bo"}'})
    text = api.get(f"{ref}/compiled", headers=headers, params={"response_format": "text"})
    conditional = {**headers, "If-None-Match": compiled.headers["etag"]}
    not_modified = api.get(f"{ref}/compiled", headers=conditional, params={"variables": '{"who": "Bo"}'})
    strict = api.get(f"{ref}/compiled", headers=headers, params={"strict": "true"})
    posted = api.post(f"{ref}/compile", headers=headers, json={"variables": {"who": "Bo"}})
    no_label = api.post(f"{ref}/compile", headers=headers, json={"label": "nowhere"})
    variables = base64.urlsafe_b64encode(json.dumps({"who": "Bo"}).encode()).decode().rstrip("=")
    raw = api.get(f"{ref}/download", headers=headers, params={"format": "raw"})
    markdown = api.get(f"{ref}/download", headers=headers, params={"variables": variables})
    # Then each answer is one the document declares, 304 without a body
    assert [r.status_code for r in (compiled, text, not_modified, strict, posted, no_label, raw, markdown)] == [
        200,
        200,
        304,
        400,
        200,
        404,
        200,
        200,
    ]
    assert text.headers["content-type"].startswith("text/plain") and markdown.text == "Hello Bo!"
    check(document, "GET", "/v1/prompts/{ref}/compiled", compiled, text, not_modified, strict)
    check(document, "POST", "/v1/prompts/{ref}/compile", posted, no_label)
    check(document, "GET", "/v1/prompts/{ref}/download", raw, markdown)


def test_compiled_bytes_are_the_frozen_shape(api, new_user):
    # Given a prompt with a system prompt and a model
    headers = new_user()["headers"]
    prompt = create(api, headers, system_prompt="Be brief, {{who}}.", model_config={"model": "gpt-4o"}).json()
    # When it is compiled
    reply = api.get(f"/v1/prompts/{prompt['id']}/compiled", headers=headers, params={"variables": '{"who": "Bö"}'})
    # Then the body is byte for byte the contract's key order, with json.dumps' default separators, unescaped
    body = reply.json()
    expected = {
        "id": prompt["id"],
        "slug": prompt["slug"],
        "name": prompt["name"],
        "version": 1,
        "label": "latest",
        "compiled_prompt": "Hello Bö!",
        "compiled_system_prompt": "Be brief, Bö.",
        "model_config": {"model": "gpt-4o"},
        "variables": prompt["variables"],
        "variables_used": ["who"],
        "missing_variables": [],
        "unused_variables": [],
        "tokens": body["tokens"],
        "tokenizer": body["tokenizer"],
        "etag": reply.headers["etag"].strip('"'),
    }
    assert reply.content == json.dumps(expected, ensure_ascii=False).encode()


def test_sharing_answers_are_documented(api, document, new_user):
    # Given a user with a prompt
    headers = new_user()["headers"]
    prompt = create(api, headers).json()
    shares = f"/v1/prompts/{prompt['id']}/shares"
    # When it shares it, lists, changes, resolves, compiles, views and revokes the link
    created = api.post(shares, headers=headers, json={"prefilled_variables": {"who": "Bo"}, "expires_in_hours": 2})
    share = created.json()
    listed, everything = api.get(shares, headers=headers), api.get("/v1/shares", headers=headers)
    updated = api.patch(f"{shares}/{share['id']}", headers=headers, json={"prefilled_variables": {"who": "Al"}})
    resolved = api.get(f"/v1/shares/{share['token']}")
    compiled = api.post(f"/v1/shares/{share['token']}/compile", json={})
    page = api.get(f"/share/{share['token']}")
    revoked = api.delete(f"{shares}/{share['id']}", headers=headers)
    after = [api.get(f"/v1/shares/{share['token']}"), api.post(f"/v1/shares/{share['token']}/compile", json={})]
    page_after = api.get(f"/share/{share['token']}")
    revoked_again = api.delete(f"{shares}/{share['id']}", headers=headers)
    # Then each answer is one the document declares, the page's errors as HTML
    assert [r.status_code for r in (created, listed, everything, updated, resolved, compiled, page, revoked)] == [
        201,
        200,
        200,
        200,
        200,
        200,
        200,
        204,
    ]
    assert [r.status_code for r in (*after, page_after, revoked_again)] == [404, 404, 404, 404]
    assert page_after.headers["content-type"].startswith("text/html")
    check(document, "POST", "/v1/prompts/{ref}/shares", created)
    check(document, "GET", "/v1/prompts/{ref}/shares", listed)
    check(document, "GET", "/v1/shares", everything)
    check(document, "PATCH", "/v1/prompts/{ref}/shares/{share_id}", updated)
    check(document, "GET", "/v1/shares/{token}", resolved, after[0])
    check(document, "POST", "/v1/shares/{token}/compile", compiled, after[1])
    check(document, "GET", "/share/{token}", page, page_after)
    check(document, "DELETE", "/v1/prompts/{ref}/shares/{share_id}", revoked, revoked_again)


def test_catalogue_and_profile_answers_are_documented(api, document, new_user):
    # Given a user with a username, a public published prompt and a private one
    author = new_user()
    headers = author["headers"]
    username = "doc_" + uuid.uuid4().hex[:12]
    assert api.patch("/v1/profile", headers=headers, json={"username": username}).status_code == 200
    public = create(api, headers, is_public=True, tags=["doc"]).json()
    private = create(api, headers).json()
    # When anyone explores, reads both prompts and the author's profile pages, and an unknown one
    explored = api.get("/v1/public/prompts", params={"author": author["user"]["id"]})
    shown, hidden = api.get(f"/v1/public/prompts/{public['id']}"), api.get(f"/v1/public/prompts/{private['id']}")
    by_id, by_name = api.get(f"/v1/users/{author['user']['id']}"), api.get(f"/v1/u/{username}")
    nobody = api.get(f"/v1/u/nobody_{uuid.uuid4().hex[:12]}")
    # Then each answer is one the document declares
    assert [r.status_code for r in (explored, shown, hidden, by_id, by_name, nobody)] == [200, 200, 404, 200, 200, 404]
    assert [p["id"] for p in by_name.json()["prompts"]] == [public["id"]]
    check(document, "GET", "/v1/public/prompts", explored)
    check(document, "GET", "/v1/public/prompts/{prompt_id}", shown, hidden)
    check(document, "GET", "/v1/users/{user_id}", by_id)
    check(document, "GET", "/v1/u/{username}", by_name, nobody)
