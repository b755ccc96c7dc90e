"""Share links through their handlers (moto): create, list, change, revoke, resolve, compile, the share page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_sharing_helpers import Api, Caller, dynamodb_calls, table_items

from promptbank.sharing.tokens import TOKEN_LENGTH

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def api(invoke: Callable[[str, Any], Any], load_event: Callable[[str], Any]) -> Api:
    return Api(invoke, load_event)


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.register("Owner")


@pytest.fixture
def stranger(api: Api) -> Caller:
    return api.register("Stranger")


@pytest.fixture
def prompt(api: Api, owner: Caller) -> dict[str, Any]:
    return api.create_prompt(owner, description="Answer a customer", tags=["support"])


@pytest.fixture
def share(api: Api, owner: Caller, prompt: dict[str, Any]) -> dict[str, Any]:
    reply = api.create_share(owner, prompt["id"], {"prefilled_variables": {"customer": "Bob"}})
    assert reply.status == 201, reply.text
    return dict(reply.json())


def share_records(ddb: Any, aws: Any, prompt_id: str) -> list[dict[str, Any]]:
    return [i for i in table_items(ddb, aws.table_name, f"PROMPT#{prompt_id}") if i["sk"].startswith("SHARE#")]


def expire(ddb: Any, aws: Any, share: dict[str, Any]) -> None:
    """Make a share's expiry an hour ago, as the clock would after it passed."""
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ddb.update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": f"PROMPT#{share['prompt_id']}"}, "sk": {"S": f"SHARE#{share['id']}"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"S": past}},
    )


# create ---------------------------------------------------------------------------------------------------------
def test_create_returns_the_share_with_a_url_and_expiry(api: Api, owner: Caller, prompt: dict[str, Any]) -> None:
    # Given a prompt / When its owner shares it for 72 hours
    before = datetime.now(UTC)
    reply = api.create_share(owner, prompt["id"], {"prefilled_variables": {"customer": "Bob"}, "expires_in_hours": 72})
    # Then 201 with the Share shape, a token of the documented length and the public URL
    assert reply.status == 201, reply.text
    share = reply.json()
    assert set(share) == {"id", "token", "share_url", "prompt_id", "prefilled_variables", "expires_at", "created_at"}
    assert len(share["token"]) == TOKEN_LENGTH
    assert share["share_url"] == f"http://127.0.0.1:3000/share/{share['token']}"
    assert share["prompt_id"] == prompt["id"]
    assert share["prefilled_variables"] == {"customer": "Bob"}
    assert ISO_Z.match(share["expires_at"]) and ISO_Z.match(share["created_at"])
    expires = datetime.fromisoformat(share["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=72) - timedelta(minutes=1) <= expires - before <= timedelta(hours=72, minutes=1)


def test_create_by_slug_without_a_body_never_expires(api: Api, owner: Caller, prompt: dict[str, Any]) -> None:
    reply = api.create_share(owner, prompt["slug"])
    assert reply.status == 201, reply.text
    assert reply.json()["expires_at"] is None
    assert reply.json()["prefilled_variables"] == {}


def test_an_expiring_share_record_carries_a_ttl(
    api: Api, owner: Caller, prompt: dict[str, Any], ddb: Any, aws: Any
) -> None:
    # Given a share expiring in one hour / Then its record has a TTL after that hour (the table removes it)
    api.create_share(owner, prompt["id"], {"expires_in_hours": 1})
    [record] = share_records(ddb, aws, prompt["id"])
    assert record["ttl"] > datetime.now(UTC).timestamp() + 3600 - 60


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in_hours": 0},
        {"expires_in_hours": 8761},
        {"expires_in_hours": "x"},
        {"expires_in_hours": "24"},
        {"prefilled_variables": ["a"]},
        {"prefilled_variables": {"customer": 5}},
        {"prefilled_variables": "customer=Bob"},
        {"token": "chosen-by-me"},
    ],
)
def test_bad_input_is_400_and_creates_nothing(
    api: Api, owner: Caller, prompt: dict[str, Any], ddb: Any, aws: Any, body: dict[str, Any]
) -> None:
    reply = api.create_share(owner, prompt["id"], body)
    assert reply.status == 400, reply.text
    assert reply.error_code == "VALIDATION_ERROR"
    assert reply.json()["error"]["details"]
    assert share_records(ddb, aws, prompt["id"]) == []


def test_malformed_json_is_400(api: Api, owner: Caller, prompt: dict[str, Any]) -> None:
    reply = api.create_share(owner, prompt["id"], raw_body="{not json")
    assert reply.status == 400
    assert reply.error_code == "VALIDATION_ERROR"


def test_a_read_only_key_cannot_create(api: Api, owner: Caller, prompt: dict[str, Any], ddb: Any, aws: Any) -> None:
    reply = api.create_share(owner.api_key(access="read"), prompt["id"], {})
    assert reply.status == 403
    assert reply.error_code == "FORBIDDEN"
    assert share_records(ddb, aws, prompt["id"]) == []


def test_a_full_api_key_can_create(api: Api, owner: Caller, prompt: dict[str, Any]) -> None:
    assert api.create_share(owner.api_key(), prompt["id"], {}).status == 201


def test_sharing_another_users_private_prompt_is_404(
    api: Api, stranger: Caller, prompt: dict[str, Any], ddb: Any, aws: Any
) -> None:
    reply = api.create_share(stranger, prompt["id"], {})
    assert reply.status == 404
    assert reply.error_code == "NOT_FOUND"
    assert share_records(ddb, aws, prompt["id"]) == []


def test_sharing_another_users_public_prompt_is_403(
    api: Api, owner: Caller, stranger: Caller, ddb: Any, aws: Any
) -> None:
    public = api.create_prompt(owner, name="Open", is_public=True)
    reply = api.create_share(stranger, public["id"], {})
    assert reply.status == 403
    assert reply.error_code == "FORBIDDEN"
    assert share_records(ddb, aws, public["id"]) == []


def test_sharing_an_unknown_prompt_is_404(api: Api, owner: Caller) -> None:
    assert api.create_share(owner, "no-such-prompt", {}).status == 404


# list per prompt --------------------------------------------------------------------------------------------------
def test_list_shows_active_shares_newest_first(
    api: Api, owner: Caller, prompt: dict[str, Any], ddb: Any, aws: Any
) -> None:
    # Given three shares, one of them expired
    first = api.create_share(owner, prompt["id"], {}).json()
    second = api.create_share(owner, prompt["id"], {}).json()
    expired = api.create_share(owner, prompt["id"], {"expires_in_hours": 1}).json()
    expire(ddb, aws, expired)
    # When the owner lists them / Then the two active ones, newest first
    reply = api.prompt_shares(owner, prompt["id"])
    assert reply.status == 200
    assert [s["id"] for s in reply.json()["data"]] == [second["id"], first["id"]]


def test_a_read_only_key_can_list(api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any]) -> None:
    reply = api.prompt_shares(owner.api_key(access="read"), prompt["id"])
    assert reply.status == 200
    assert [s["token"] for s in reply.json()["data"]] == [share["token"]]


def test_listing_another_users_shares_is_refused(api: Api, owner: Caller, stranger: Caller) -> None:
    # Given one private and one public prompt of the owner, each shared
    private = api.create_prompt(owner, name="Private")
    public = api.create_prompt(owner, name="Public", is_public=True)
    for prompt in (private, public):
        api.create_share(owner, prompt["id"], {})
    # Then a stranger gets 404 for the private one and 403 for the public one, never the tokens
    assert api.prompt_shares(stranger, private["id"]).status == 404
    reply = api.prompt_shares(stranger, public["id"])
    assert reply.status == 403
    assert "token" not in reply.text


# update -----------------------------------------------------------------------------------------------------------
def test_update_replaces_prefilled_and_keeps_the_token(
    api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    reply = api.update_share(owner, prompt["id"], share["id"], {"prefilled_variables": {"issue": "billing"}})
    assert reply.status == 200, reply.text
    updated = reply.json()
    assert updated["prefilled_variables"] == {"issue": "billing"}
    assert (updated["token"], updated["share_url"]) == (share["token"], share["share_url"])
    assert api.resolve(share["token"]).json()["prefilled_variables"] == {"issue": "billing"}


@pytest.mark.parametrize("body", [{}, {"prefilled_variables": {"issue": 1}}, {"prefilled_variables": None},
                                  {"prefilled_variables": {"A": None}},
                                  {"prefilled_variables": {}, "expires_in_hours": 2}])
def test_a_bad_update_is_400_and_changes_nothing(
    api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any], body: dict[str, Any]
) -> None:
    reply = api.update_share(owner, prompt["id"], share["id"], body)
    assert reply.status == 400
    assert api.resolve(share["token"]).json()["prefilled_variables"] == {"customer": "Bob"}


@pytest.mark.parametrize("share_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
def test_updating_an_unknown_share_is_404(api: Api, owner: Caller, prompt: dict[str, Any], share_id: str) -> None:
    reply = api.update_share(owner, prompt["id"], share_id, {"prefilled_variables": {}})
    assert reply.status == 404


def test_a_share_is_reachable_only_through_its_own_prompt(
    api: Api, owner: Caller, share: dict[str, Any]
) -> None:
    other = api.create_prompt(owner, name="Another")
    assert api.update_share(owner, other["id"], share["id"], {"prefilled_variables": {}}).status == 404
    assert api.revoke_share(owner, other["id"], share["id"]).status == 404


def test_another_user_cannot_change_or_revoke(
    api: Api, owner: Caller, stranger: Caller, share: dict[str, Any], prompt: dict[str, Any]
) -> None:
    # private prompt: 404 for both
    assert api.update_share(stranger, prompt["id"], share["id"], {"prefilled_variables": {"x": "y"}}).status == 404
    assert api.revoke_share(stranger, prompt["id"], share["id"]).status == 404
    # public prompt: 403 for both
    public = api.create_prompt(owner, name="Open", is_public=True)
    public_share = api.create_share(owner, public["id"], {}).json()
    assert api.update_share(stranger, public["id"], public_share["id"], {"prefilled_variables": {}}).status == 403
    assert api.revoke_share(stranger, public["id"], public_share["id"]).status == 403
    # and nothing changed
    assert api.resolve(share["token"]).json()["prefilled_variables"] == {"customer": "Bob"}
    assert api.resolve(public_share["token"]).status == 200


def test_a_read_only_key_cannot_change_or_revoke(
    api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    reader = owner.api_key(access="read")
    assert api.update_share(reader, prompt["id"], share["id"], {"prefilled_variables": {}}).status == 403
    assert api.revoke_share(reader, prompt["id"], share["id"]).status == 403
    assert api.resolve(share["token"]).status == 200


# revoke -----------------------------------------------------------------------------------------------------------
def test_revoking_kills_the_token_at_once(
    api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    # When the owner revokes the share / Then 204, and the very next resolve is 404
    assert api.revoke_share(owner, prompt["id"], share["id"]).status == 204
    assert api.resolve(share["token"]).status == 404
    assert api.compile(share["token"], {}).status == 404


def test_revoking_twice_is_404(api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any]) -> None:
    api.revoke_share(owner, prompt["id"], share["id"])
    assert api.revoke_share(owner, prompt["id"], share["id"]).status == 404


# resolve ----------------------------------------------------------------------------------------------------------
def test_resolve_shows_the_prompt_and_prefilled_values(
    api: Api, prompt: dict[str, Any], share: dict[str, Any]
) -> None:
    reply = api.resolve(share["token"])
    assert reply.status == 200, reply.text
    body = reply.json()
    assert body == {
        "prompt": {
            "id": prompt["id"],
            "name": "Support reply",
            "description": "Answer a customer",
            "content": "Hi {{customer}}, about {{issue|textarea}}",
            "tags": ["support"],
            "variables": prompt["variables"],
        },
        "prefilled_variables": {"customer": "Bob"},
        "expires_at": None,
    }


def test_resolve_costs_one_dynamodb_request(share: dict[str, Any], api: Api) -> None:
    # When a share is resolved / Then exactly one DynamoDB call is made
    with dynamodb_calls() as calls:
        assert api.resolve(share["token"]).status == 200
    assert calls == ["BatchGetItem"]


@pytest.mark.parametrize("token", ["nope", "a" * 200, "%3Cscript%3E", "_" * TOKEN_LENGTH])
def test_a_malformed_token_is_404_without_a_read(api: Api, token: str) -> None:
    with dynamodb_calls() as calls:
        reply = api.resolve(token)
    assert reply.status == 404
    assert reply.error_code == "NOT_FOUND"
    assert calls == []


def test_a_token_with_the_wrong_secret_is_404(api: Api, share: dict[str, Any]) -> None:
    # Given the real ids but another secret
    forged = share["token"][:44] + ("A" if share["token"][44] != "A" else "B") + share["token"][45:]
    assert api.resolve(forged).status == 404


def test_an_expired_share_is_410(api: Api, share: dict[str, Any], ddb: Any, aws: Any) -> None:
    expire(ddb, aws, share)
    reply = api.resolve(share["token"])
    assert reply.status == 410
    assert reply.error_code == "GONE"


def test_a_share_shows_production_not_a_draft(api: Api, owner: Caller, prompt: dict[str, Any],
                                             share: dict[str, Any]) -> None:
    # Given a new version saved without publishing
    api.update_prompt(owner, prompt["id"], content="Draft {{customer}}", publish=False)
    # Then the share still shows the production version
    assert api.resolve(share["token"]).json()["prompt"]["content"] == "Hi {{customer}}, about {{issue|textarea}}"
    # And publishing moves it
    api.update_prompt(owner, prompt["id"], content="Published {{customer}}")
    assert api.resolve(share["token"]).json()["prompt"]["content"] == "Published {{customer}}"


def test_a_never_published_prompt_is_shared_at_latest(api: Api, owner: Caller) -> None:
    draft = api.create_prompt(owner, name="Draft", content="Draft {{x}}", publish=False)
    token = api.create_share(owner, draft["id"], {}).json()["token"]
    assert api.resolve(token).json()["prompt"]["content"] == "Draft {{x}}"


def test_a_private_prompt_can_be_shared(api: Api, share: dict[str, Any], prompt: dict[str, Any]) -> None:
    # The point of a link: the recipient needs no account and the prompt need not be public
    assert prompt["is_public"] is False
    assert api.resolve(share["token"]).status == 200


# deleting the prompt ---------------------------------------------------------------------------------------------
def test_deleting_the_prompt_kills_its_shares(
    api: Api, owner: Caller, prompt: dict[str, Any], share: dict[str, Any], ddb: Any, aws: Any
) -> None:
    # When the prompt is deleted
    assert api.delete_prompt(owner, prompt["id"]).status == 204
    # Then its shares resolve to 404, are not listed, and their records are gone
    assert api.resolve(share["token"]).status == 404
    assert api.compile(share["token"], {}).status == 404
    assert api.page(share["token"]).status == 404
    assert api.all_shares(owner).json()["data"] == []
    assert share_records(ddb, aws, prompt["id"]) == []


# compile ----------------------------------------------------------------------------------------------------------
def test_compile_merges_given_variables_over_prefilled(api: Api, share: dict[str, Any]) -> None:
    reply = api.compile(share["token"], {"variables": {"issue": "a refund"}})
    assert reply.status == 200, reply.text
    compiled = reply.json()
    assert compiled["compiled_prompt"] == "Hi Bob, about a refund"
    assert compiled["label"] == "production"
    assert reply.headers["ETag"] == f'"{compiled["etag"]}"'


def test_compile_lets_a_given_value_override_a_prefilled_one(api: Api, share: dict[str, Any]) -> None:
    compiled = api.compile(share["token"], {"variables": {"customer": "Carol"}}).json()
    assert compiled["compiled_prompt"] == "Hi Carol, about [issue]"
    assert compiled["missing_variables"] == ["issue"]


def test_compile_without_a_body_uses_the_prefilled_values(api: Api, share: dict[str, Any]) -> None:
    assert api.compile(share["token"]).json()["compiled_prompt"] == "Hi Bob, about [issue]"


def test_compile_has_the_compiled_shape(api: Api, share: dict[str, Any]) -> None:
    compiled = api.compile(share["token"], {}).json()
    assert set(compiled) >= {
        "id", "slug", "name", "version", "label", "compiled_prompt", "compiled_system_prompt", "model_config",
        "variables", "variables_used", "missing_variables", "unused_variables", "tokens", "tokenizer", "etag",
    }


def test_compile_rejects_an_invalid_value(api: Api, owner: Caller) -> None:
    prompt = api.create_prompt(owner, name="Mail", content="Write to {{to|email}}")
    token = api.create_share(owner, prompt["id"], {}).json()["token"]
    reply = api.compile(token, {"variables": {"to": "not an address"}})
    assert reply.status == 400
    assert reply.json()["error"]["details"][0]["field"] == "variables.to"


@pytest.mark.parametrize("body", [{"variables": ["a"]}, {"vars": {}}, {"variables": {}, "strict": True}])
def test_compile_rejects_a_bad_body(api: Api, share: dict[str, Any], body: dict[str, Any]) -> None:
    assert api.compile(share["token"], body).status == 400


def test_compile_through_an_expired_share_is_410(api: Api, share: dict[str, Any], ddb: Any, aws: Any) -> None:
    expire(ddb, aws, share)
    assert api.compile(share["token"], {}).status == 410


def test_compile_with_an_unknown_token_is_404(api: Api) -> None:
    assert api.compile("x" * TOKEN_LENGTH, {}).status == 404


# all shares (session only) ----------------------------------------------------------------------------------------
def test_all_shares_flags_expired_ones_and_names_the_prompt(
    api: Api, owner: Caller, prompt: dict[str, Any], ddb: Any, aws: Any
) -> None:
    active = api.create_share(owner, prompt["id"], {}).json()
    old = api.create_share(owner, prompt["id"], {"expires_in_hours": 1}).json()
    expire(ddb, aws, old)
    reply = api.all_shares(owner)
    assert reply.status == 200
    rows = {row["id"]: row for row in reply.json()["data"]}
    assert rows[active["id"]]["is_expired"] is False
    assert rows[old["id"]]["is_expired"] is True
    assert rows[active["id"]]["prompt"] == {"id": prompt["id"], "name": "Support reply"}
    assert rows[active["id"]]["token"] == active["token"]


def test_all_shares_filters_by_prompt(api: Api, owner: Caller, prompt: dict[str, Any]) -> None:
    other = api.create_prompt(owner, name="Other")
    mine = api.create_share(owner, prompt["id"], {}).json()
    api.create_share(owner, other["id"], {})
    reply = api.all_shares(owner, prompt_id=prompt["id"])
    assert [row["id"] for row in reply.json()["data"]] == [mine["id"]]


def test_all_shares_shows_only_the_callers(api: Api, stranger: Caller, share: dict[str, Any]) -> None:
    assert api.all_shares(stranger).json()["data"] == []


def test_all_shares_refuses_api_keys(api: Api, owner: Caller) -> None:
    reply = api.all_shares(owner.api_key())
    assert reply.status == 403
    assert reply.error_code == "FORBIDDEN"


def test_all_shares_rejects_a_malformed_prompt_id(api: Api, owner: Caller) -> None:
    assert api.all_shares(owner, prompt_id="nope").status == 400


# the share page ----------------------------------------------------------------------------------------------------
def test_the_page_is_html_with_strict_headers(api: Api, share: dict[str, Any]) -> None:
    reply = api.page(share["token"])
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    nonce = re.search(r"script-src 'nonce-([^']+)'", reply.headers["Content-Security-Policy"])
    assert nonce and f'<script nonce="{nonce.group(1)}">' in reply.text
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    # the prompt compiled with its prefilled values, and a field per variable
    assert "Hi Bob, about [issue]" in reply.text
    assert 'data-variable="customer"' in reply.text and 'data-variable="issue"' in reply.text


def test_the_page_for_an_expired_link_is_a_410_page(api: Api, share: dict[str, Any], ddb: Any, aws: Any) -> None:
    expire(ddb, aws, share)
    reply = api.page(share["token"])
    assert reply.status == 410
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "expired" in reply.text


@pytest.mark.parametrize("token", ["nope", "x" * TOKEN_LENGTH])
def test_the_page_for_an_unknown_link_is_a_404_page(api: Api, token: str) -> None:
    reply = api.page(token)
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "doesn" in reply.text


def test_a_hostile_prompt_cannot_script_the_page(api: Api, owner: Caller) -> None:
    # Given a prompt that tries every way out of text and attributes
    hostile = api.create_prompt(
        owner,
        name="<script>alert(1)</script>",
        description='"onload="alert(2)',
        content="</textarea><script>alert(3)</script> {{x|text:5|<img src=x onerror=alert(1)>}}",
    )
    share = api.create_share(owner, hostile["id"], {"prefilled_variables": {"x": "</textarea><b>"}}).json()
    # When its page is rendered
    html = api.page(share["token"]).text
    # Then no hostile tag survives, only their escaped text
    assert "<script>alert" not in html
    assert "<img" not in html
    assert "</textarea><b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_prompt_has_a_bounded_number_of_links(
    api: Api, owner: Caller, prompt: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a cap of 2 links per prompt (100 in production) and two links
    monkeypatch.setattr("promptbank.sharing.service.MAX_SHARES_PER_PROMPT", 2)
    for _ in range(2):
        assert api.create_share(owner, prompt["id"], {}).status == 201
    # When a third is asked for / Then 409, and there are still two
    reply = api.create_share(owner, prompt["id"], {})
    assert reply.status == 409
    assert reply.error_code == "CONFLICT"
    assert len(api.prompt_shares(owner, prompt["id"]).json()["data"]) == 2
