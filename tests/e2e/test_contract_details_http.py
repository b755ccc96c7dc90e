"""Contract details over HTTP (issue 15 item 5): exactly full last pages, `q` within one field, `If-Match: *` and
lists of entity tags (RFC 9110), and a raw download that PyYAML (YAML 1.1) reads back to the same values."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import yaml


def create(api: httpx.Client, user: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = api.post("/v1/prompts", headers=user["headers"], json={"name": "P", "content": "Hi {{name}}", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def user(new_user: Any) -> dict[str, Any]:
    return dict(new_user())


def test_a_list_whose_last_page_is_exactly_full_has_no_cursor(api: httpx.Client, user: dict[str, Any]) -> None:
    # Given four prompts, the first with three versions
    prompts = [create(api, user, name=f"P{n}") for n in range(4)]
    for n in (2, 3):
        api.patch(f"/v1/prompts/{prompts[0]['id']}", headers=user["headers"], json={"content": f"v{n}"})
    # When the prompts are read two at a time, and the versions three at a time
    first = api.get("/v1/prompts", headers=user["headers"], params={"limit": 2}).json()
    second = api.get("/v1/prompts", headers=user["headers"], params={"limit": 2, "cursor": first["next_cursor"]}).json()
    versions = api.get(f"/v1/prompts/{prompts[0]['id']}/versions", headers=user["headers"], params={"limit": 3}).json()
    # Then the second page of prompts is full and last, and the one page of versions has no cursor either
    assert first["next_cursor"] is not None
    assert (len(second["data"]), second["next_cursor"]) == (2, None)
    assert ([v["version"] for v in versions["data"]], versions["next_cursor"]) == ([3, 2, 1], None)


@pytest.mark.parametrize(("q", "found"), [("QUOKKA", True), ("wombat", True), ("kkawom", False), ("kka\nwom", False)])
def test_q_matches_within_the_name_or_the_description_never_across(
    api: httpx.Client, user: dict[str, Any], q: str, found: bool
) -> None:
    # Given a public prompt named "... quokka" and described "wombat ...", by an author no other test uses
    word = uuid.uuid4().hex[:8]
    prompt = create(api, user, name=f"{word} quokka", description=f"wombat {word}", is_public=True)
    # When the owner's list and the public catalogue are searched
    owned = api.get("/v1/prompts", headers=user["headers"], params={"q": q}).json()["data"]
    listed = api.get("/v1/public/prompts", params={"q": q, "author": user["user"]["id"]}).json()["data"]
    # Then both find it when q is within the name or the description, neither when q runs from one into the other
    expected = [prompt["id"]] if found else []
    assert [p["id"] for p in owned] == [p["id"] for p in listed] == expected


@pytest.mark.parametrize(
    ("if_match", "status"),
    [("*", 200), ('"stale", {current}', 200), ('W/"stale",W/{current}', 200), ('"stale", "older"', 412)],
)
def test_if_match_star_or_a_list_holding_the_current_etag_updates(
    api: httpx.Client, user: dict[str, Any], if_match: str, status: int
) -> None:
    # Given a prompt and its current ETag (quoted, as the header carries it)
    prompt = create(api, user)
    current = api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).headers["etag"]
    # When it is changed under `If-Match`
    reply = api.patch(
        f"/v1/prompts/{prompt['id']}",
        headers={**user["headers"], "If-Match": if_match.format(current=current)},
        json={"content": "v2"},
    )
    # Then `*` and a list that holds the current ETag are matches; a list without it is 412
    assert reply.status_code == status, reply.text
    if status == 412:
        assert reply.json()["error"]["code"] == "PRECONDITION_FAILED"
    else:
        assert reply.json()["version"] == 2


@pytest.mark.parametrize(
    ("if_none_match", "status"), [("*", 304), ('"stale", {current}', 304), ('W/"stale", "older"', 200)]
)
def test_if_none_match_star_or_a_list_holding_the_etag_is_304(
    api: httpx.Client, user: dict[str, Any], if_none_match: str, status: int
) -> None:
    # Given a compiled prompt and its ETag
    prompt = create(api, user)
    url = f"/v1/prompts/{prompt['id']}/compiled"
    current = api.get(url, headers=user["headers"]).headers["etag"]
    # When it is fetched again under `If-None-Match`
    reply = api.get(url, headers={**user["headers"], "If-None-Match": if_none_match.format(current=current)})
    # Then `*` and a list holding the ETag are 304 with no body; a list without it gets the body
    assert reply.status_code == status
    assert (reply.content == b"") == (status == 304)


def test_the_raw_download_reads_back_with_pyyaml_to_the_same_values(api: httpx.Client, user: dict[str, Any]) -> None:
    # Given a prompt whose fields hold what YAML 1.1 reads otherwise: floats with no dot, lookalikes of booleans,
    # nulls, numbers and dates, control characters, non-characters, line breaks and edge spaces
    fields = {
        "name": " yes\x01\ufffe\U0001fffe ",
        "description": "line\n---\nline\u2028\x85",
        "category": "2026-01-01",
        "tags": ["on", "~", "0x1A", "1_000", "null"],
        "framework": "1e3",
        "system_prompt": "You are {{persona}}.\t",
        "model_config": {"model": "gpt-4o", "temperature": 1e-05, "top_p": 0.5, "stop": ["\n\n", "No"]},
        "variables": {"persona": "off", "count": "12"},
    }
    prompt = create(api, user, slug=f"raw-{uuid.uuid4().hex[:8]}", content="Body {{count}}\n---\nend", **fields)
    # When it is downloaded raw
    reply = api.get(f"/v1/prompts/{prompt['id']}/download", headers=user["headers"], params={"format": "raw"})
    # Then PyYAML loads the front matter to exactly those values, and the content follows as it is
    assert reply.status_code == 200, reply.text
    head, separator, content = reply.text.removeprefix("---\n").partition("\n---\n")
    assert separator and content == "Body {{count}}\n---\nend"
    assert yaml.safe_load(head) == {**fields, "slug": prompt["slug"], "version": 1}
