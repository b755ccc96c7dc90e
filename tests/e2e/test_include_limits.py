"""Includes over HTTP through the local runtime (issue 8, items 1 and 2): fan-out is bounded by the maximum
compiled size (refused at save from the worst case, and at compile before any text is built), and no path that
changes what an include resolves to (create, edit, rename, delete and re-create, label moves) closes a cycle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.templates import MAX_COMPILED_CHARS

User = dict[str, Any]


def create(api: httpx.Client, user: User, slug: str, content: str, **fields: Any) -> dict[str, Any]:
    response = api.post(
        "/v1/prompts", headers=user["headers"], json={"name": slug, "slug": slug, "content": content, **fields}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def patch(api: httpx.Client, user: User, ref: str, **fields: Any) -> httpx.Response:
    return api.patch(f"/v1/prompts/{ref}", headers=user["headers"], json=fields)


def refused(response: httpx.Response, *words: str) -> str:
    """Assert a 400 VALIDATION_ERROR in the error envelope whose one detail's message holds every word; return it."""
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    [detail] = error["details"]
    for word in words:
        assert word in detail["message"], detail
    return str(detail["message"])


def fan_out(slug: str, times: int = 40) -> str:
    return f"{{{{> {slug}}}}}" * times


@pytest.fixture
def owner(new_user: Any) -> User:
    return dict(new_user())


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


# item 1: fan-out -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["create", "edit"])
def test_the_fan_out_attack_is_refused_at_save_naming_the_chain(api: httpx.Client, owner: User, how: str) -> None:
    # Given a one-character prompt and three prompts that each include the one before 40 times (64,000 chars)
    create(api, owner, "leaf", "x")
    create(api, owner, "f1", fan_out("leaf"))
    create(api, owner, "f2", fan_out("f1"))
    create(api, owner, "f3", fan_out("f2"))
    if how == "edit":
        create(api, owner, "f4", "small")
    # When a fourth prompt would include the third 40 times (40**4 = 2,560,000 characters)
    if how == "create":
        response = api.post(
            "/v1/prompts", headers=owner["headers"], json={"name": "f4", "slug": "f4", "content": fan_out("f3")}
        )
    else:
        response = patch(api, owner, "f4", content=fan_out("f3"))
    # Then the save is a 400 naming the size, the maximum and the whole chain, and nothing changed
    refused(response, "2,560,000", f"{MAX_COMPILED_CHARS:,}", "f4 -> f3 -> f2 -> f1 -> leaf")
    after = api.get("/v1/prompts/f4", headers=owner["headers"])
    if how == "create":
        assert after.status_code == 404
    else:
        assert (after.json()["content"], after.json()["latest_version"]) == ("small", 1)
    # and the third, within the maximum, compiles in full
    third = api.get("/v1/prompts/f3/compiled", headers=owner["headers"])
    assert third.status_code == 200 and third.json()["compiled_prompt"] == "x" * 40**3


def test_a_variable_whose_max_length_makes_the_worst_case_too_large_is_refused_at_save(
    api: httpx.Client, owner: User
) -> None:
    # Given a prompt printing a 100,000-character variable, included 10 times (1,000,000: exactly the maximum)
    create(api, owner, "big-var", "{{essay|textarea:100000}}")
    create(api, owner, "ten", fan_out("big-var", 10))
    # When another prompt adds one character to it
    response = api.post(
        "/v1/prompts", headers=owner["headers"], json={"name": "n", "slug": "more", "content": "!{{> ten}}"}
    )
    # Then it is refused: the worst case counts every variable at its max_length
    refused(response, "1,000,001", "more -> ten -> big-var")
    assert api.get("/v1/prompts/more", headers=owner["headers"]).status_code == 404


def grow(api: httpx.Client, owner: User, how: str) -> None:
    """Make `leaf` (included 1,600 times by `top`) 1,000 characters long, published, by one of the paths that
    change what an include resolves to."""
    big = "y" * 1000
    if how == "edit":
        assert patch(api, owner, "leaf", content=big, publish=True).status_code == 200
    elif how == "delete and re-create":
        assert api.delete("/v1/prompts/leaf", headers=owner["headers"]).status_code == 204
        create(api, owner, "leaf", big, publish=True)
    else:  # rename: another prompt takes the slug
        create(api, owner, "other", big, publish=True)
        assert patch(api, owner, "leaf", slug="leaf-old").status_code == 200
        assert patch(api, owner, "other", slug="leaf").status_code == 200


@pytest.mark.parametrize("how", ["edit", "delete and re-create", "rename"])
def test_a_compile_of_an_include_that_grew_after_the_save_is_a_400(
    api: httpx.Client, new_user: Any, fake: FakeProviderServer, how: str
) -> None:
    # Given a published prompt that compiles to 1,600 characters through 1,600 includes of a 1-character
    # prompt, a share link to it, and a provider key (at the fake provider) to run it with
    owner = dict(new_user())
    fake.reset()
    key = api.put(
        "/v1/provider-keys/deepseek",
        headers=owner["headers"],
        json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base},
    )
    assert key.status_code == 200, key.text
    create(api, owner, "leaf", "x", publish=True)
    create(api, owner, "mid", fan_out("leaf"), publish=True)
    create(api, owner, "top", fan_out("mid"), publish=True)
    share = api.post("/v1/prompts/top/shares", headers=owner["headers"], json={})
    assert share.status_code == 201, share.text
    token = share.json()["token"]
    assert len(api.get("/v1/prompts/top/compiled", headers=owner["headers"]).json()["compiled_prompt"]) == 1600
    # When the included prompt becomes 1,000 characters (so top would be 1,600,000)
    grow(api, owner, how)
    # Then every way of compiling it is a 400 naming the size and the chain: GET and POST compile, the
    # unauthenticated share compile, and a run (which never reaches the provider)
    chain = ("1,600,000", "top -> mid -> leaf")
    refused(api.get("/v1/prompts/top/compiled", headers=owner["headers"]), *chain)
    refused(api.post("/v1/prompts/top/compile", headers=owner["headers"], json={"variables": {}}), *chain)
    refused(api.post(f"/v1/shares/{token}/compile", json={}), *chain)
    refused(api.post("/v1/prompts/top/run", headers=owner["headers"], json={"variables": {}}), *chain)
    assert fake.request_count == 0
    assert api.get("/v1/runs", headers=owner["headers"]).json()["data"] == []
    # while the prompt in between, still within the maximum, compiles
    assert api.get("/v1/prompts/mid/compiled", headers=owner["headers"]).json()["compiled_prompt"] == "y" * 40_000


# item 2: cycles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_content", [False, True], ids=["rename", "rename with an edit"])
def test_a_rename_that_closes_a_cycle_is_refused(api: httpx.Client, owner: User, with_content: bool) -> None:
    # Given A includes `target`, B includes A, and `target` has since been renamed away
    create(api, owner, "target", "T")
    create(api, owner, "a", "A {{> target}}")
    create(api, owner, "b", "B {{> a}}")
    assert patch(api, owner, "target", slug="target-old").status_code == 200
    # When B is renamed to `target` (alone, or with new content)
    fields: dict[str, Any] = {"slug": "target", **({"content": "B2 {{> a}}"} if with_content else {})}
    response = patch(api, owner, "b", **fields)
    # Then it is a 400 naming the cycle, at the include in B, and nothing changed
    refused(response, "Include cycle: target -> a -> target")
    assert response.json()["error"]["details"][0]["line"] == 1
    b = api.get("/v1/prompts/b", headers=owner["headers"]).json()
    assert (b["slug"], b["content"], b["latest_version"]) == ("b", "B {{> a}}", 1)
    assert api.get("/v1/prompts/target", headers=owner["headers"]).status_code == 404


def test_a_rename_that_closes_no_cycle_is_allowed(api: httpx.Client, owner: User) -> None:
    # Given A includes `target`, which has been renamed away, and C, which includes nothing of A's
    create(api, owner, "target", "T")
    create(api, owner, "a", "A {{> target}}")
    create(api, owner, "c", "C")
    assert patch(api, owner, "target", slug="target-old").status_code == 200
    # When C takes the slug `target`
    assert patch(api, owner, "c", slug="target").status_code == 200
    # Then A now includes C
    assert api.get("/v1/prompts/a/compiled", headers=owner["headers"]).json()["compiled_prompt"] == "A C"


def test_a_re_created_prompt_that_closes_a_cycle_is_refused(api: httpx.Client, owner: User) -> None:
    # Given A includes `target`, B includes A, and `target` has been deleted
    create(api, owner, "target", "T")
    create(api, owner, "a", "A {{> target}}")
    create(api, owner, "b", "B {{> a}}")
    assert api.delete("/v1/prompts/target", headers=owner["headers"]).status_code == 204
    # When `target` is created again, including B
    response = api.post(
        "/v1/prompts", headers=owner["headers"], json={"name": "t", "slug": "target", "content": "T {{> b}}"}
    )
    # Then it is a 400 naming the cycle, and nothing was created
    refused(response, "Include cycle: target -> b -> a -> target")
    assert api.get("/v1/prompts/target", headers=owner["headers"]).status_code == 404


def test_a_prompt_including_itself_is_refused_at_create(api: httpx.Client, owner: User) -> None:
    response = api.post(
        "/v1/prompts", headers=owner["headers"], json={"name": "m", "slug": "me", "content": "{{> me}}"}
    )
    refused(response, "Include cycle: me -> me")
    assert api.get("/v1/prompts/me", headers=owner["headers"]).status_code == 404


def test_an_edit_that_closes_a_cycle_is_refused(api: httpx.Client, owner: User) -> None:
    create(api, owner, "x", "X")
    create(api, owner, "y", "Y {{> x}}")
    refused(patch(api, owner, "x", system_prompt="S {{> y}}"), "Include cycle: x -> y -> x")
    x = api.get("/v1/prompts/x", headers=owner["headers"]).json()
    assert (x["content"], x["system_prompt"], x["latest_version"]) == ("X", None, 1)


def test_a_cycle_closed_by_label_moves_is_a_400_at_compile(api: httpx.Client, owner: User) -> None:
    # Given A's production version includes B, and A's latest version does not
    create(api, owner, "b", "B")
    create(api, owner, "a", "A {{> b}}")
    assert patch(api, owner, "a", content="A2", publish=False).status_code == 200
    # and B's latest includes A (no cycle at `latest`, where saves check), then is published
    assert patch(api, owner, "b", content="B {{> a}}", publish=False).status_code == 200
    assert api.post("/v1/prompts/b/publish", headers=owner["headers"], json={}).status_code == 200
    # When either is compiled at production, where the includes now form a cycle
    a = api.get("/v1/prompts/a/compiled", headers=owner["headers"], params={"label": "production"})
    b = api.get("/v1/prompts/b/compiled", headers=owner["headers"], params={"label": "production"})
    # Then each is a 400 naming the cycle, not a hang or a 500
    refused(a, "Include cycle: a -> b -> a")
    refused(b, "Include cycle: b -> a -> b")
    # and at latest, both compile
    latest = api.get("/v1/prompts/b/compiled", headers=owner["headers"], params={"label": "latest"})
    assert latest.json()["compiled_prompt"] == "B A2"
