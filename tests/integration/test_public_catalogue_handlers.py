"""The public catalogue through its handlers (moto): explore, one public prompt, profiles; index kept in step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_sharing_helpers import Api, Caller, dynamodb_calls, table_items

from promptbank.auth.principal import Principal
from promptbank.prompts.models import LabelSet, PromptUpdate
from promptbank.prompts.service import PromptService


@pytest.fixture
def api(invoke: Callable[[str, Any], Any], load_event: Callable[[str], Any]) -> Api:
    return Api(invoke, load_event)


@pytest.fixture
def alice(api: Api) -> Caller:
    return api.register("Alice")


@pytest.fixture
def bob(api: Api) -> Caller:
    return api.register("Bob")


def public(api: Api, caller: Caller, name: str, **fields: Any) -> dict[str, Any]:
    return api.create_prompt(caller, name=name, is_public=True, **fields)


def names(reply: Any) -> list[str]:
    return [p["name"] for p in reply.json()["data"]]


# what is listed ---------------------------------------------------------------------------------------------------
def test_only_public_published_prompts_are_listed(api: Api, alice: Caller) -> None:
    # Given a private prompt, a public unpublished one and a public published one
    api.create_prompt(alice, name="Private")
    public(api, alice, "Unpublished", publish=False)
    public(api, alice, "Listed")
    # Then only the last is listed
    reply = api.explore()
    assert reply.status == 200
    assert names(reply) == ["Listed"]
    assert reply.json()["total"] == 1


def test_a_listed_prompt_has_the_public_prompt_shape(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Greeter", description="Says hi", tags=["greeting"], category="Social",
                    content="Hello {{name}}")
    [item] = api.explore().json()["data"]
    assert item == {
        "id": prompt["id"],
        "name": "Greeter",
        "slug": prompt["slug"],
        "description": "Says hi",
        "content": "Hello {{name}}",
        "tags": ["greeting"],
        "category": "Social",
        "variables": prompt["variables"],
        "created_at": prompt["created_at"],
        "updated_at": prompt["updated_at"],
        "author": {"id": alice.user_id, "display_name": "Alice", "username": None, "avatar_url": None},
    }


def test_the_author_block_never_has_an_email(api: Api, alice: Caller) -> None:
    public(api, alice, "Greeter")
    assert "@example.com" not in api.explore().text


def test_a_listed_prompt_shows_its_production_version(api: Api, alice: Caller) -> None:
    # Given a public prompt with a newer unpublished draft
    prompt = public(api, alice, "Versions", content="v1")
    api.update_prompt(alice, prompt["id"], content="v2 draft", publish=False)
    # Then the catalogue shows version 1; after publishing, version 2
    assert api.explore().json()["data"][0]["content"] == "v1"
    api.update_prompt(alice, prompt["id"], content="v3")
    assert api.explore().json()["data"][0]["content"] == "v3"


def test_publishing_a_public_prompt_lists_it(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Later", publish=False)
    assert api.explore().json()["total"] == 0
    reply = api.call("PublishPromptFunction", "POST", "/v1/prompts/{ref}/publish", params={"ref": prompt["id"]},
                     body={}, caller=alice)
    assert reply.status == 200, reply.text
    assert names(api.explore()) == ["Later"]


def test_making_a_prompt_private_unlists_it(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Open", tags=["t"])
    api.update_prompt(alice, prompt["id"], is_public=False)
    assert api.explore().json() == {"data": [], "total": 0, "page": 1, "page_size": 18, "total_pages": 0}
    assert api.explore(tag="t").json()["total"] == 0
    assert api.public_prompt(prompt["id"]).status == 404


def test_removing_the_production_label_unlists_it(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Open")
    reply = api.call("DeleteLabelFunction", "DELETE", "/v1/prompts/{ref}/labels/{label}",
                     params={"ref": prompt["id"], "label": "production"}, caller=alice)
    assert reply.status == 204, reply.text
    assert api.explore().json()["total"] == 0


def test_deleting_a_prompt_unlists_it(api: Api, alice: Caller, ddb: Any, aws: Any) -> None:
    prompt = public(api, alice, "Doomed", tags=["a", "b"])
    api.delete_prompt(alice, prompt["id"])
    assert api.explore().json()["total"] == 0
    assert api.explore(tag="a").json()["total"] == 0
    assert api.explore(author=alice.user_id).json()["total"] == 0
    assert table_items(ddb, aws.table_name, f"PROMPT#{prompt['id']}") == []


# order and pages --------------------------------------------------------------------------------------------------
def test_newest_first_by_default_and_oldest_on_request(api: Api, alice: Caller) -> None:
    for name in ("First", "Second", "Third"):
        public(api, alice, name)
    assert names(api.explore()) == ["Third", "Second", "First"]
    assert names(api.explore(sort="oldest")) == ["First", "Second", "Third"]


def test_pages_of_18_with_totals(api: Api, alice: Caller) -> None:
    # Given 20 listed prompts
    for n in range(20):
        public(api, alice, f"P{n:02d}")
    first, second, third = api.explore().json(), api.explore(page=2).json(), api.explore(page=3).json()
    # Then 18 + 2, then nothing, with the totals
    assert len(first["data"]) == 18 and len(second["data"]) == 2 and third["data"] == []
    assert (first["total"], first["total_pages"], first["page_size"]) == (20, 2, 18)
    assert (second["page"], third["page"]) == (2, 3)
    seen = [p["name"] for p in first["data"] + second["data"]]
    assert sorted(seen) == [f"P{n:02d}" for n in range(20)]
    assert [p["name"] for p in api.explore(sort="oldest", page=2).json()["data"]] == ["P18", "P19"]


def test_an_unfiltered_page_costs_two_requests(api: Api, alice: Caller) -> None:
    # Given more prompts than a page / When a page is read / Then one index query and one batch read
    for n in range(20):
        public(api, alice, f"P{n:02d}", tags=["x"])
    for query in ({}, {"tag": "x"}, {"author": alice.user_id}):
        with dynamodb_calls() as calls:
            assert api.explore(**query).status == 200
        assert calls == ["Query", "BatchGetItem"], query


# filters ----------------------------------------------------------------------------------------------------------
def test_tag_filter(api: Api, alice: Caller) -> None:
    public(api, alice, "Mail", tags=["email", "support"])
    public(api, alice, "Chat", tags=["chat"])
    reply = api.explore(tag="email").json()
    assert [p["name"] for p in reply["data"]] == ["Mail"]
    assert reply["total"] == 1


def test_tag_filter_follows_tag_changes(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Mail", tags=["email"])
    api.update_prompt(alice, prompt["id"], tags=["letters"])
    assert api.explore(tag="email").json()["total"] == 0
    assert names(api.explore(tag="letters")) == ["Mail"]


def test_author_filter(api: Api, alice: Caller, bob: Caller) -> None:
    public(api, alice, "Alice's")
    public(api, bob, "Bob's")
    reply = api.explore(author=bob.user_id).json()
    assert [p["name"] for p in reply["data"]] == ["Bob's"]
    assert reply["total"] == 1
    assert reply["data"][0]["author"]["display_name"] == "Bob"


def test_q_matches_name_or_description_case_insensitively(api: Api, alice: Caller) -> None:
    public(api, alice, "Customer Support", description="Replies")
    public(api, alice, "Poem", description="About CUSTOMERS and cats")
    public(api, alice, "Other", description="Nothing here")
    reply = api.explore(q="customer", sort="oldest").json()
    assert [p["name"] for p in reply["data"]] == ["Customer Support", "Poem"]
    assert reply["total"] == 2


def test_q_follows_renames(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Old name")
    api.update_prompt(alice, prompt["id"], name="Brand new")
    assert api.explore(q="old").json()["total"] == 0
    assert names(api.explore(q="brand")) == ["Brand new"]


def test_filters_combine(api: Api, alice: Caller, bob: Caller) -> None:
    public(api, alice, "Alice mail", tags=["email"])
    public(api, alice, "Alice chat", tags=["chat"])
    public(api, bob, "Bob mail", tags=["email"])
    assert names(api.explore(tag="email", author=alice.user_id)) == ["Alice mail"]
    assert names(api.explore(tag="email", q="bob")) == ["Bob mail"]
    assert names(api.explore(author=bob.user_id, q="mail")) == ["Bob mail"]


def test_q_pages_and_totals(api: Api, alice: Caller) -> None:
    for n in range(20):
        public(api, alice, f"Match {n:02d}")
    public(api, alice, "Unrelated")
    first, second = api.explore(q="match").json(), api.explore(q="match", page=2).json()
    assert (first["total"], first["total_pages"], len(first["data"]), len(second["data"])) == (20, 2, 18, 2)


@pytest.mark.parametrize(
    "query",
    [{"page": 0}, {"page": -1}, {"page": "x"}, {"page": 501}, {"sort": "bogus"}, {"author": "not-a-uuid"},
     {"tag": ""}, {"q": "x" * 201}],
)
def test_bad_query_is_400(api: Api, query: dict[str, Any]) -> None:
    reply = api.explore(**query)
    assert reply.status == 400, reply.text
    assert reply.error_code == "VALIDATION_ERROR"


# one public prompt ------------------------------------------------------------------------------------------------
def test_get_a_public_prompt(api: Api, alice: Caller) -> None:
    prompt = public(api, alice, "Open", content="Hello {{who}}")
    reply = api.public_prompt(prompt["id"])
    assert reply.status == 200
    assert reply.json()["content"] == "Hello {{who}}"
    assert reply.json()["author"]["id"] == alice.user_id


@pytest.mark.parametrize("which", ["private", "unpublished", "unknown", "not-a-uuid"])
def test_get_a_prompt_that_is_not_listed_is_404(api: Api, alice: Caller, which: str) -> None:
    ids = {
        "private": lambda: api.create_prompt(alice, name="Mine")["id"],
        "unpublished": lambda: public(api, alice, "Later", publish=False)["id"],
        "unknown": lambda: "00000000-0000-4000-8000-000000000000",
        "not-a-uuid": lambda: "support-reply",
    }
    reply = api.public_prompt(ids[which]())
    assert reply.status == 404
    assert reply.error_code == "NOT_FOUND"


# profiles ---------------------------------------------------------------------------------------------------------
def test_a_profile_lists_the_users_public_prompts(api: Api, alice: Caller, bob: Caller) -> None:
    public(api, alice, "Shown")
    api.create_prompt(alice, name="Hidden")
    public(api, bob, "Someone else's")
    reply = api.profile(alice.user_id)
    assert reply.status == 200
    body = reply.json()
    assert [p["name"] for p in body["prompts"]] == ["Shown"]
    assert body["prompts"][0]["author"]["id"] == alice.user_id
    assert "email" not in body["profile"]


# the index stays within a transaction ------------------------------------------------------------------------------
def test_the_largest_prompt_write_stays_under_100_items(aws: Any) -> None:
    # Given a public prompt with 20 tags and 20 labels (the limits)
    from promptbank.store.base import dynamodb_client

    service = PromptService()
    me = Principal(user_id="6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b", credential="session",
                   environment="development", access="full", plan="free")
    from promptbank.prompts.models import PromptCreate

    prompt = service.create(me, PromptCreate(name="Big", content="v1 {{a}}", is_public=True,
                                             tags=[f"old-{i}" for i in range(20)]))
    for n in range(18):
        service.set_label(me, prompt.id, f"label-{n}", LabelSet(version=1))
    sizes: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["TransactItems"]))

    dynamodb_client().meta.events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    # When it is renamed, re-slugged, re-tagged and given a published version 2 in one write
    service.update(
        me,
        prompt.id,
        PromptUpdate.model_validate({"name": "Bigger", "slug": "bigger", "content": "v2 {{b}}",
                                     "tags": [f"new-{i}" for i in range(20)]}),
        None,
    )
    # Then that one transaction had fewer than 100 items
    assert sizes and max(sizes) < 100, sizes


def test_q_searches_a_bounded_number_of_entries(
    api: Api, alice: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a scan budget of 3 entries (2,000 in production) and 5 matching prompts
    monkeypatch.setattr("promptbank.discovery.service.SCAN_BUDGET", 3)
    for n in range(5):
        public(api, alice, f"Match {n}")
    # When searching / Then only the newest 3 are searched, and total says so
    with dynamodb_calls() as calls:
        reply = api.explore(q="match").json()
    assert [p["name"] for p in reply["data"]] == ["Match 4", "Match 3", "Match 2"]
    assert reply["total"] == 3
    assert calls.count("Query") == 1


def test_a_concurrent_listing_is_retried_not_mistaken_for_a_taken_slug(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another listing holding the shared counts the first time this create commits
    from promptbank.prompts.models import PromptCreate
    from promptbank.store.base import TransactionConflict

    service = PromptService()
    commit = service.store.transact
    attempts: list[int] = []

    def contended(ops: Any, **kwargs: Any) -> None:
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise TransactionConflict()
        commit(ops, **kwargs)

    monkeypatch.setattr(service.store, "transact", contended)
    me = Principal(user_id="6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b", credential="session",
                   environment="development", access="full", plan="free")
    # When a public prompt is created with an explicit slug
    prompt = service.create(me, PromptCreate(name="Busy", slug="busy", content="x", is_public=True))
    # Then it is retried and keeps its slug (not a 409, not "busy-2")
    assert (prompt.slug, len(attempts)) == ("busy", 2)
