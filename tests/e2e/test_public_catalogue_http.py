"""The public catalogue over HTTP: explore with filters, pages and sorting, one public prompt, profiles (API.md §4).

The runtime is shared by the whole session, so each test narrows the catalogue to what it made: a fresh
author, a tag or a word no other test uses.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest


def publish(api: httpx.Client, user: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "content": f"{name}: {{{{topic}}}}", "is_public": True, **fields}
    response = api.post("/v1/prompts", headers=user["headers"], json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def explore(api: httpx.Client, **params: Any) -> dict[str, Any]:
    response = api.get("/v1/public/prompts", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def author(new_user: Any) -> dict[str, Any]:
    return dict(new_user(name="Catalogue Author"))


def test_an_author_filter_lists_their_public_prompts_newest_first(
    api: httpx.Client, author: dict[str, Any]
) -> None:
    publish(api, author, "First")
    publish(api, author, "Second")
    api.post("/v1/prompts", headers=author["headers"], json={"name": "Private", "content": "x"})
    page = explore(api, author=author["user"]["id"])
    assert [p["name"] for p in page["data"]] == ["Second", "First"]
    assert (page["total"], page["page"], page["page_size"], page["total_pages"]) == (2, 1, 18, 1)
    assert page["data"][0]["author"] == {
        "id": author["user"]["id"], "display_name": "Catalogue Author", "username": None, "avatar_url": None,
    }
    oldest = explore(api, author=author["user"]["id"], sort="oldest")
    assert [p["name"] for p in oldest["data"]] == ["First", "Second"]


def test_pages_hold_18(api: httpx.Client, author: dict[str, Any]) -> None:
    for n in range(19):
        publish(api, author, f"P{n:02d}")
    first = explore(api, author=author["user"]["id"])
    second = explore(api, author=author["user"]["id"], page=2)
    assert (len(first["data"]), len(second["data"]), first["total"], first["total_pages"]) == (18, 1, 19, 2)
    assert second["data"][0]["name"] == "P00"


def test_tag_and_q_filters(api: httpx.Client, author: dict[str, Any]) -> None:
    tag, word = f"tag-{uuid.uuid4().hex[:8]}", f"zq{uuid.uuid4().hex[:8]}"
    publish(api, author, "Tagged", tags=[tag])
    publish(api, author, "Described", description=f"Mentions {word.upper()} loudly")
    assert [p["name"] for p in explore(api, tag=tag)["data"]] == ["Tagged"]
    found = explore(api, q=word)
    assert [p["name"] for p in found["data"]] == ["Described"] and found["total"] == 1


def test_the_catalogue_shows_production_not_drafts(api: httpx.Client, author: dict[str, Any]) -> None:
    prompt = publish(api, author, "Stable", content="v1")
    api.patch(f"/v1/prompts/{prompt['id']}", headers=author["headers"], json={"content": "v2", "publish": False})
    assert explore(api, author=author["user"]["id"])["data"][0]["content"] == "v1"
    assert api.get(f"/v1/public/prompts/{prompt['id']}").json()["content"] == "v1"


def test_unlisting_removes_a_prompt(api: httpx.Client, author: dict[str, Any]) -> None:
    prompt = publish(api, author, "Going private")
    api.patch(f"/v1/prompts/{prompt['id']}", headers=author["headers"], json={"is_public": False})
    assert explore(api, author=author["user"]["id"])["total"] == 0
    assert api.get(f"/v1/public/prompts/{prompt['id']}").status_code == 404


def test_one_public_prompt_and_404s(api: httpx.Client, author: dict[str, Any]) -> None:
    prompt = publish(api, author, "Single")
    got = api.get(f"/v1/public/prompts/{prompt['id']}")
    assert got.status_code == 200 and got.json()["id"] == prompt["id"]
    private = api.post("/v1/prompts", headers=author["headers"], json={"name": "Mine", "content": "x"}).json()
    for prompt_id in (private["id"], str(uuid.uuid4()), "not-an-id"):
        response = api.get(f"/v1/public/prompts/{prompt_id}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("params", [{"page": 0}, {"sort": "bogus"}, {"author": "someone"}, {"page": "two"}])
def test_bad_queries_are_400(api: httpx.Client, params: dict[str, Any]) -> None:
    response = api.get("/v1/public/prompts", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_profiles_list_public_prompts(api: httpx.Client, author: dict[str, Any]) -> None:
    publish(api, author, "On my profile")
    api.post("/v1/prompts", headers=author["headers"], json={"name": "Not on it", "content": "x"})
    username = f"u_{uuid.uuid4().hex[:10]}"
    assert api.patch("/v1/profile", headers=author["headers"], json={"username": username}).status_code == 200
    by_id = api.get(f"/v1/users/{author['user']['id']}").json()
    by_name = api.get(f"/v1/u/{username}").json()
    assert by_id == by_name
    assert [p["name"] for p in by_id["prompts"]] == ["On my profile"]
    assert by_id["prompts"][0]["author"]["username"] == username
