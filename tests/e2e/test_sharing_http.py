"""Share links over HTTP through the local runtime: every route, bad input, other users, revocation (API.md §4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

TOKEN_LENGTH = 76
PROMPT = {"name": "Support reply", "content": "Hi {{customer}}, about {{issue|textarea}}", "description": "Reply"}


def create_prompt(api: httpx.Client, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = api.post("/v1/prompts", headers=user["headers"], json={**PROMPT, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def create_share(api: httpx.Client, user: dict[str, Any], ref: str, **body: Any) -> dict[str, Any]:
    response = api.post(f"/v1/prompts/{ref}/shares", headers=user["headers"], json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def api_key(api: httpx.Client, user: dict[str, Any], access: str = "full") -> dict[str, str]:
    response = api.post("/v1/keys", headers=user["headers"], json={"name": "e2e", "access": access})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['raw_key']}"}


def shares_of(api: httpx.Client, user: dict[str, Any], ref: str) -> list[dict[str, Any]]:
    return list(api.get(f"/v1/prompts/{ref}/shares", headers=user["headers"]).json()["data"])


@pytest.fixture
def owner(new_user: Any) -> dict[str, Any]:
    return dict(new_user(name="Owner"))


@pytest.fixture
def stranger(new_user: Any) -> dict[str, Any]:
    return dict(new_user(name="Stranger"))


@pytest.fixture
def prompt(api: httpx.Client, owner: dict[str, Any]) -> dict[str, Any]:
    return create_prompt(api, owner)


@pytest.fixture
def share(api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any]) -> dict[str, Any]:
    return create_share(api, owner, prompt["id"], prefilled_variables={"customer": "Bob"}, expires_in_hours=24)


def test_create_returns_a_share_whose_url_is_this_server(
    api: httpx.Client, runtime: Any, share: dict[str, Any], prompt: dict[str, Any]
) -> None:
    assert share["share_url"] == f"{runtime.base_url}/share/{share['token']}"
    assert len(share["token"]) == TOKEN_LENGTH
    assert share["prompt_id"] == prompt["id"] and share["prefilled_variables"] == {"customer": "Bob"}
    assert share["expires_at"].endswith("Z")


def test_the_full_lifecycle(api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any]) -> None:
    # create
    share = create_share(api, owner, prompt["slug"], prefilled_variables={"customer": "Bob"})
    # list per prompt
    assert [s["id"] for s in shares_of(api, owner, prompt["id"])] == [share["id"]]
    # resolve, without credentials
    resolved = api.get(f"/v1/shares/{share['token']}")
    assert resolved.status_code == 200
    assert resolved.json()["prompt"]["name"] == "Support reply"
    assert resolved.json()["prefilled_variables"] == {"customer": "Bob"}
    # compile, given over prefilled
    compiled = api.post(f"/v1/shares/{share['token']}/compile", json={"variables": {"issue": "billing"}})
    assert compiled.status_code == 200 and compiled.json()["compiled_prompt"] == "Hi Bob, about billing"
    # change the prefilled values: same token
    patched = api.patch(f"/v1/prompts/{prompt['id']}/shares/{share['id']}", headers=owner["headers"],
                        json={"prefilled_variables": {"customer": "Carol"}})
    assert patched.status_code == 200 and patched.json()["token"] == share["token"]
    assert api.get(f"/v1/shares/{share['token']}").json()["prefilled_variables"] == {"customer": "Carol"}
    # the session-only list of everything
    listed = api.get("/v1/shares", headers=owner["headers"]).json()["data"]
    assert [(s["id"], s["is_expired"], s["prompt"]) for s in listed] == [
        (share["id"], False, {"id": prompt["id"], "name": "Support reply"})
    ]
    # revoke: dead at once
    assert api.delete(f"/v1/prompts/{prompt['id']}/shares/{share['id']}", headers=owner["headers"]).status_code == 204
    assert api.get(f"/v1/shares/{share['token']}").status_code == 404
    assert api.post(f"/v1/shares/{share['token']}/compile", json={}).status_code == 404
    assert shares_of(api, owner, prompt["id"]) == []


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in_hours": 0},
        {"expires_in_hours": 8761},
        {"expires_in_hours": "x"},
        {"prefilled_variables": ["Bob"]},
        {"prefilled_variables": {"customer": 1}},
        {"unknown": True},
    ],
)
def test_bad_share_input_is_400_and_creates_nothing(
    api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any], body: dict[str, Any]
) -> None:
    response = api.post(f"/v1/prompts/{prompt['id']}/shares", headers=owner["headers"], json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert response.json()["error"]["request_id"] == response.headers["X-Request-Id"]
    assert shares_of(api, owner, prompt["id"]) == []


def test_a_bad_patch_is_400_and_changes_nothing(
    api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    response = api.patch(f"/v1/prompts/{prompt['id']}/shares/{share['id']}", headers=owner["headers"],
                         json={"prefilled_variables": "customer=Eve"})
    assert response.status_code == 400
    assert api.get(f"/v1/shares/{share['token']}").json()["prefilled_variables"] == {"customer": "Bob"}


def test_another_users_private_prompt_is_404_for_every_share_route(
    api: httpx.Client, stranger: dict[str, Any], prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    base = f"/v1/prompts/{prompt['id']}/shares"
    headers = stranger["headers"]
    assert api.post(base, headers=headers, json={}).status_code == 404
    assert api.get(base, headers=headers).status_code == 404
    assert api.patch(f"{base}/{share['id']}", headers=headers, json={"prefilled_variables": {}}).status_code == 404
    assert api.delete(f"{base}/{share['id']}", headers=headers).status_code == 404
    assert api.get(f"/v1/shares/{share['token']}").json()["prefilled_variables"] == {"customer": "Bob"}


def test_another_users_public_prompt_is_403_for_share_writes(
    api: httpx.Client, owner: dict[str, Any], stranger: dict[str, Any]
) -> None:
    public = create_prompt(api, owner, name="Open", is_public=True)
    share = create_share(api, owner, public["id"])
    base = f"/v1/prompts/{public['id']}/shares"
    headers = stranger["headers"]
    for response in (
        api.post(base, headers=headers, json={}),
        api.get(base, headers=headers),
        api.patch(f"{base}/{share['id']}", headers=headers, json={"prefilled_variables": {"x": "y"}}),
        api.delete(f"{base}/{share['id']}", headers=headers),
    ):
        assert response.status_code == 403, response.request.method
        assert response.json()["error"]["code"] == "FORBIDDEN"
    assert [s["id"] for s in shares_of(api, owner, public["id"])] == [share["id"]]
    assert api.get(f"/v1/shares/{share['token']}").json()["prefilled_variables"] == {}


def test_a_read_key_lists_but_cannot_create_change_or_revoke(
    api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    reader = api_key(api, owner, access="read")
    base = f"/v1/prompts/{prompt['id']}/shares"
    assert [s["id"] for s in api.get(base, headers=reader).json()["data"]] == [share["id"]]
    assert api.post(base, headers=reader, json={}).status_code == 403
    assert api.patch(f"{base}/{share['id']}", headers=reader, json={"prefilled_variables": {}}).status_code == 403
    assert api.delete(f"{base}/{share['id']}", headers=reader).status_code == 403
    assert len(shares_of(api, owner, prompt["id"])) == 1


def test_all_shares_is_session_only(api: httpx.Client, owner: dict[str, Any], share: dict[str, Any]) -> None:
    response = api.get("/v1/shares", headers=api_key(api, owner))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_all_shares_filters_by_prompt_and_rejects_a_bad_id(
    api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    other = create_prompt(api, owner, name="Other")
    create_share(api, owner, other["id"])
    filtered = api.get("/v1/shares", headers=owner["headers"], params={"prompt_id": prompt["id"]}).json()["data"]
    assert [s["id"] for s in filtered] == [share["id"]]
    assert api.get("/v1/shares", headers=owner["headers"], params={"prompt_id": "x"}).status_code == 400


def test_owner_routes_need_credentials(runtime: Any, prompt: dict[str, Any], share: dict[str, Any]) -> None:
    # A client of its own: the shared one carries the last registered user's session cookie
    base = f"/v1/prompts/{prompt['id']}/shares"
    with httpx.Client(base_url=runtime.base_url, timeout=30) as anonymous:
        assert anonymous.post(base, json={}).status_code == 401
        assert anonymous.get(base).status_code == 401
        assert anonymous.get("/v1/shares").status_code == 401
        assert anonymous.delete(f"{base}/{share['id']}").status_code == 401
        # while the routes a share link needs work without any credential
        assert anonymous.get(f"/v1/shares/{share['token']}").status_code == 200
        assert anonymous.post(f"/v1/shares/{share['token']}/compile", json={}).status_code == 200
        assert anonymous.get(f"/share/{share['token']}").status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * TOKEN_LENGTH, "A" * 300])
def test_unknown_or_malformed_tokens_are_404_everywhere(api: httpx.Client, token: str) -> None:
    resolved = api.get(f"/v1/shares/{token}")
    assert resolved.status_code == 404 and resolved.json()["error"]["code"] == "NOT_FOUND"
    assert api.post(f"/v1/shares/{token}/compile", json={}).status_code == 404
    page = api.get(f"/share/{token}")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_compile_rejects_a_bad_body(api: httpx.Client, share: dict[str, Any]) -> None:
    response = api.post(f"/v1/shares/{share['token']}/compile", json={"variables": "customer=Eve"})
    assert response.status_code == 400


def test_deleting_the_prompt_kills_its_shares(
    api: httpx.Client, owner: dict[str, Any], prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=owner["headers"]).status_code == 204
    assert api.get(f"/v1/shares/{share['token']}").status_code == 404
    assert api.get(f"/share/{share['token']}").status_code == 404
    assert api.get("/v1/shares", headers=owner["headers"]).json()["data"] == []


def test_the_share_page_is_html_under_a_strict_policy(api: httpx.Client, share: dict[str, Any]) -> None:
    response = api.get(f"/share/{share['token']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'nonce-" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "Hi Bob, about [issue]" in response.text


def test_a_hostile_prompt_is_escaped_on_the_page(api: httpx.Client, owner: dict[str, Any]) -> None:
    hostile = create_prompt(api, owner, name="<script>alert(1)</script>", description='"onload="alert(2)',
                            content="</textarea><script>alert(3)</script>{{x|text:5|<img src=x onerror=alert(4)>}}")
    share = create_share(api, owner, hostile["id"], prefilled_variables={"x": "</textarea>"})
    html = api.get(f"/share/{share['token']}").text
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
