"""Drafts stay private (issue 8, item 6): anyone but the owner reads only a public prompt's production version,
over HTTP through the local runtime, whatever their credential (session, pb_dev_ or pb_live_ key)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import LocalRuntime

PUBLISHED_TEXT = "MAIN-ONE"
DRAFT_TEXT = "MAIN-TWO-DRAFT"
PUBLISHED_PART = "PART-ONE"
DRAFT_PART = "PART-TWO-DRAFT"
CREDENTIALS = ["session", "development key", "production key"]


def register(client: httpx.Client) -> dict[str, Any]:
    email = f"drafts-{uuid.uuid4().hex[:12]}@example.com"
    reply = client.post("/v1/auth/register", json={"email": email, "password": f"pw-{uuid.uuid4().hex}", "name": "D"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    return {"id": body["user"]["id"], "headers": {"Authorization": f"Bearer {body['session_token']}"}}


def api_key(client: httpx.Client, user: dict[str, Any], environment: str) -> dict[str, str]:
    reply = client.post("/v1/keys", headers=user["headers"], json={"name": "drafts", "environment": environment})
    assert reply.status_code == 201, reply.text
    return {"X-API-Key": reply.json()["raw_key"]}


def saved(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


@pytest.fixture(scope="module")
def client(runtime: LocalRuntime) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runtime.base_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture(scope="module")
def owner(client: httpx.Client) -> dict[str, Any]:
    return register(client)


@pytest.fixture(scope="module")
def prompt(client: httpx.Client, owner: dict[str, Any]) -> dict[str, Any]:
    """A public prompt whose v1 is published and v2 a draft (publish: false); it includes a private prompt of the
    owner that also has a published v1 and a draft v2."""
    headers = owner["headers"]
    saved(client.post("/v1/prompts", headers=headers, json={"name": "Part", "slug": "part", "content": PUBLISHED_PART}))
    saved(client.patch("/v1/prompts/part", headers=headers, json={"content": DRAFT_PART, "publish": False}))
    body = {"name": "Main", "slug": "main", "is_public": True, "content": PUBLISHED_TEXT + " {{> part}} {{name}}"}
    created = saved(client.post("/v1/prompts", headers=headers, json=body))
    draft = {"content": DRAFT_TEXT + " {{> part}} {{name}}", "publish": False}
    edited = saved(client.patch(f"/v1/prompts/{created['id']}", headers=headers, json=draft))
    assert edited["labels"] == {"latest": 2, "production": 1}
    return created


@pytest.fixture(scope="module")
def reader_user(client: httpx.Client, fake: FakeProviderServer) -> dict[str, Any]:
    """Another user, with a provider key of their own so that they can run prompts."""
    user = register(client)
    key = {"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base}
    assert client.put("/v1/provider-keys/deepseek", headers=user["headers"], json=key).status_code == 200
    return user


@pytest.fixture(scope="module")
def readers(client: httpx.Client, reader_user: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        "session": reader_user["headers"],
        "development key": api_key(client, reader_user, "development"),
        "production key": api_key(client, reader_user, "production"),
    }


@pytest.fixture(params=CREDENTIALS)
def reader(request: pytest.FixtureRequest, readers: dict[str, dict[str, str]]) -> dict[str, str]:
    return readers[request.param]


def b64(value: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


# Every read path a non-owner can reach by UUID, asked for the draft (version 2, or the `latest` label).
DRAFT_REQUESTS = [
    ("GET", "", {"params": {"version": 2}}),
    ("GET", "", {"params": {"label": "latest"}}),
    ("GET", "", {"params": {"label": "latest", "response_format": "text"}}),
    ("GET", "/versions/2", {}),
    ("GET", "/compiled", {"params": {"version": 2}}),
    ("GET", "/compiled", {"params": {"label": "latest"}}),
    ("POST", "/compile", {"json": {"version": 2}}),
    ("POST", "/compile", {"json": {"label": "latest"}}),
    ("GET", "/download", {"params": {"format": "raw", "version": 2}}),
    ("GET", "/download", {"params": {"format": "compiled", "label": "latest"}}),
    ("POST", "/run", {"json": {"version": 2}}),
    ("POST", "/run", {"json": {"label": "latest"}}),
]


@pytest.mark.parametrize(("method", "suffix", "options"), DRAFT_REQUESTS, ids=lambda v: str(v))
def test_another_users_draft_is_not_found_on_every_read_path(client, prompt, reader, fake, method, suffix, options):
    # Given a public prompt with a published v1 and a draft v2
    # When another user asks for the draft
    reply = client.request(method, f"/v1/prompts/{prompt['id']}{suffix}", headers=reader, **options)
    # Then it is 404 NOT_FOUND, and nothing of the draft is in the answer
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["code"] == "NOT_FOUND"
    assert DRAFT_TEXT not in reply.text and DRAFT_PART not in reply.text


def test_a_draft_version_looks_like_a_missing_one(client, prompt, reader):
    # Given the draft v2 and a version number that does not exist
    path = f"/v1/prompts/{prompt['id']}/versions"
    # When another user asks for each
    draft, missing = client.get(f"{path}/2", headers=reader), client.get(f"{path}/99", headers=reader)
    # Then both answers say the same thing, so the draft's existence is not disclosed
    assert (draft.status_code, missing.status_code) == (404, 404)
    assert draft.json()["error"]["message"].replace("2", "N") == missing.json()["error"]["message"].replace("99", "N")


def test_another_user_gets_the_production_version_by_default(client, prompt, reader):
    # When another user reads the prompt with no version or label
    reply = client.get(f"/v1/prompts/{prompt['id']}", headers=reader)
    # Then it is v1, and its labels and numbers reveal no draft
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["content"].startswith(PUBLISHED_TEXT) and body["version"] == 1
    assert body["labels"] == {"production": 1}
    assert (body["latest_version"], body["published_version"]) == (1, 1)


def test_another_user_gets_the_production_text_by_default(client, prompt, reader):
    # When another user reads the prompt as text
    reply = client.get(f"/v1/prompts/{prompt['id']}", headers=reader, params={"response_format": "text"})
    # Then it is v1's content
    assert reply.status_code == 200, reply.text
    assert reply.text.startswith(PUBLISHED_TEXT)


@pytest.mark.parametrize("ask", [{"label": "production"}, {"version": 1}], ids=["label", "version"])
def test_another_user_may_ask_for_the_production_version_explicitly(client, prompt, reader, ask):
    # When another user names the production version by label or by number
    reply = client.get(f"/v1/prompts/{prompt['id']}", headers=reader, params=ask)
    # Then they get it
    assert reply.status_code == 200, reply.text
    assert reply.json()["version"] == 1 and reply.json()["labels"] == {"production": 1}


def test_another_users_version_list_shows_only_production(client, prompt, reader):
    # When another user lists the versions
    reply = client.get(f"/v1/prompts/{prompt['id']}/versions", headers=reader)
    # Then only v1 is listed, with the production label alone
    assert reply.status_code == 200, reply.text
    assert [(v["version"], v["labels"]) for v in reply.json()["data"]] == [(1, ["production"])]
    assert reply.json()["next_cursor"] is None


def test_another_user_reads_the_production_version_by_number(client, prompt, reader):
    # When another user reads version 1
    reply = client.get(f"/v1/prompts/{prompt['id']}/versions/1", headers=reader)
    # Then it is v1 with only its production label
    assert reply.status_code == 200, reply.text
    assert reply.json()["content"].startswith(PUBLISHED_TEXT) and reply.json()["labels"] == ["production"]


COMPILES = [
    ("GET", "/compiled", {"params": {"variables": json.dumps({"name": "Ann"})}}),
    ("GET", "/compiled", {"params": {"variables": json.dumps({"name": "Ann"}), "version": 1}}),
    ("POST", "/compile", {"json": {"variables": {"name": "Ann"}}}),
    ("POST", "/compile", {"json": {"variables": {"name": "Ann"}, "version": 1}}),
    ("POST", "/compile", {"json": {"variables": {"name": "Ann"}, "label": "production"}}),
]


@pytest.mark.parametrize(("method", "suffix", "options"), COMPILES, ids=lambda v: str(v))
def test_another_user_compiles_the_production_version_with_production_includes(
    client, prompt, reader, method, suffix, options
):
    # When another user compiles the prompt (by default, by label or by number)
    reply = client.request(method, f"/v1/prompts/{prompt['id']}{suffix}", headers=reader, **options)
    # Then v1 is compiled and its include resolves at production too, never at the included prompt's draft
    assert reply.status_code == 200, reply.text
    assert reply.json()["compiled_prompt"] == f"{PUBLISHED_TEXT} {PUBLISHED_PART} Ann"
    assert reply.json()["version"] == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"format": "raw"}, PUBLISHED_TEXT + " {{> part}} {{name}}"),
        ({"format": "compiled", "variables": b64({"name": "Ann"})}, f"{PUBLISHED_TEXT} {PUBLISHED_PART} Ann"),
    ],
    ids=["raw", "compiled"],
)
def test_another_user_downloads_the_production_version(client, prompt, reader, params, expected):
    # When another user downloads the prompt
    reply = client.get(f"/v1/prompts/{prompt['id']}/download", headers=reader, params=params)
    # Then the file holds v1
    assert reply.status_code == 200, reply.text
    assert reply.text.endswith(expected) and DRAFT_TEXT not in reply.text


def test_another_user_runs_the_production_version(client, prompt, reader, fake):
    # When another user runs the prompt with their own provider key
    fake.reset()
    reply = client.post(f"/v1/prompts/{prompt['id']}/run", headers=reader, json={"variables": {"name": "Ann"}})
    # Then the provider was sent v1 (its include at production) and the run records version 1
    assert reply.status_code == 200, reply.text
    assert fake.last_request.json["messages"][-1]["content"] == f"{PUBLISHED_TEXT} {PUBLISHED_PART} Ann"
    assert reply.json()["prompt_version"] == 1


def test_a_public_prompt_with_no_production_version_is_not_found(client, owner, reader):
    # Given a public prompt saved as a draft only
    draft = {"name": "Unpublished", "is_public": True, "publish": False, "content": DRAFT_TEXT}
    created = saved(client.post("/v1/prompts", headers=owner["headers"], json=draft))
    # When another user reads it, its versions, or compiles it
    replies = [
        client.get(f"/v1/prompts/{created['id']}", headers=reader),
        client.get(f"/v1/prompts/{created['id']}/versions", headers=reader),
        client.get(f"/v1/prompts/{created['id']}/compiled", headers=reader),
    ]
    # Then each is 404, as for a private prompt
    assert [r.status_code for r in replies] == [404, 404, 404]


def test_the_owner_still_reads_the_draft(client, owner, prompt):
    # When the owner reads the prompt with their session (which resolves to latest)
    reply = client.get(f"/v1/prompts/{prompt['id']}", headers=owner["headers"])
    # Then they see the draft v2 and every label
    assert reply.status_code == 200, reply.text
    assert reply.json()["content"].startswith(DRAFT_TEXT)
    assert reply.json()["labels"] == {"latest": 2, "production": 1} and reply.json()["latest_version"] == 2


def test_the_owner_still_lists_every_version(client, owner, prompt):
    # When the owner lists the versions
    reply = client.get(f"/v1/prompts/{prompt['id']}/versions", headers=owner["headers"])
    # Then both are there
    assert [v["version"] for v in reply.json()["data"]] == [2, 1]


def test_the_owner_still_compiles_the_draft_by_label(client, owner, prompt):
    # When the owner compiles at latest
    body = {"variables": {"name": "Ann"}, "label": "latest"}
    reply = client.post(f"/v1/prompts/{prompt['id']}/compile", headers=owner["headers"], json=body)
    # Then the drafts are compiled, the include at latest too
    assert reply.status_code == 200, reply.text
    assert reply.json()["compiled_prompt"] == f"{DRAFT_TEXT} {DRAFT_PART} Ann"


def test_the_public_catalogue_shows_the_production_version(client, prompt):
    # When anyone reads the prompt from the public catalogue
    reply = client.get(f"/v1/public/prompts/{prompt['id']}")
    # Then it is v1
    assert reply.status_code == 200, reply.text
    assert reply.json()["content"].startswith(PUBLISHED_TEXT)
