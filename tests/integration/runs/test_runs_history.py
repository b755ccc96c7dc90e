"""GET /v1/runs and GET /v1/runs/{run_id}: newest first, filters, cursors, ownership."""

from __future__ import annotations

import pytest

HELLO = [{"role": "user", "content": "hi"}]


@pytest.fixture
def runs_made(call, user, fake, save_key, create_prompt):
    """Two prompt runs, one chat and one enhance, in this order; returns (prompt, [run ids in order])."""
    save_key(user)
    prompt = create_prompt(user)
    ids = [
        call("RunPromptFunction", user, path={"ref": prompt["id"]}, body={}).json["run_id"],
        call("ChatFunction", user, body={"model": "deepseek-chat", "messages": HELLO}).json["run_id"],
        call("RunPromptFunction", user, path={"ref": prompt["id"]}, body={}).json["run_id"],
        call("EnhanceFunction", user, body={"prompt": "x"}).json["run_id"],
    ]
    return prompt, ids


def test_runs_are_listed_newest_first(call, user, runs_made):
    # Given four runs
    _, ids = runs_made
    # When the user lists their runs
    reply = call("ListRunsFunction", user)
    # Then they come newest first, as Run objects, with no further page
    assert reply.status == 200
    assert [run["id"] for run in reply.json["data"]] == ids[::-1]
    assert reply.json["next_cursor"] is None
    assert set(reply.json["data"][0]) == {
        "id", "source", "prompt_id", "prompt_version", "model", "provider", "status", "output", "error",
        "latency_ms", "input_tokens", "output_tokens", "cost_usd", "finish_reason", "quality_score", "passed",
        "created_at"}


def test_runs_filter_by_prompt(call, user, runs_made):
    # Given runs of a prompt among other runs
    prompt, ids = runs_made
    # When the user lists the prompt's runs
    data = call("ListRunsFunction", user, query={"prompt_id": prompt["id"]}).json["data"]
    # Then only those, newest first
    assert [run["id"] for run in data] == [ids[2], ids[0]]


def test_runs_filter_by_source(call, user, runs_made):
    # Given runs of every source
    _, ids = runs_made
    # When the user lists chats only
    data = call("ListRunsFunction", user, query={"source": "chat"}).json["data"]
    # Then only the chat
    assert [run["id"] for run in data] == [ids[1]]


def test_runs_page_with_a_cursor(call, user, runs_made):
    # Given four runs
    _, ids = runs_made
    # When the user pages through them three at a time
    first = call("ListRunsFunction", user, query={"limit": "3"}).json
    second = call("ListRunsFunction", user, query={"limit": "3", "cursor": first["next_cursor"]}).json
    # Then every run comes once, in order, and the last page has no cursor
    assert [r["id"] for r in first["data"] + second["data"]] == ids[::-1]
    assert first["next_cursor"] is not None
    assert second["next_cursor"] is None


def test_a_source_filtered_page_is_filled_up_to_the_limit(call, user, runs_made):
    # Given two prompt runs interleaved with other runs
    _, ids = runs_made
    # When the user asks for one prompt run at a time
    first = call("ListRunsFunction", user, query={"source": "run", "limit": "1"}).json
    second = call("ListRunsFunction", user, query={"source": "run", "limit": "1", "cursor": first["next_cursor"]}).json
    # Then each page holds one, in order
    assert [r["id"] for r in first["data"]] == [ids[2]]
    assert [r["id"] for r in second["data"]] == [ids[0]]


def test_a_tampered_cursor_is_a_400(call, user, runs_made):
    # Given a valid cursor
    cursor = call("ListRunsFunction", user, query={"limit": "1"}).json["next_cursor"]
    # When it is altered
    reply = call("ListRunsFunction", user, query={"limit": "1", "cursor": cursor[:-2] + "AA"})
    # Then 400 on cursor
    assert reply.status == 400
    assert reply.fields == ["cursor"]


def test_another_users_cursor_is_a_400(call, user, another_user, runs_made):
    # Given a cursor of this user's runs
    cursor = call("ListRunsFunction", user, query={"limit": "1"}).json["next_cursor"]
    # When another user presents it
    reply = call("ListRunsFunction", another_user, query={"limit": "1", "cursor": cursor})
    # Then 400, never this user's runs
    assert reply.status == 400


def test_another_users_runs_are_not_listed(call, another_user, runs_made):
    # Given runs of some user
    # When another user lists runs
    reply = call("ListRunsFunction", another_user)
    # Then they see none
    assert reply.json == {"data": [], "next_cursor": None}


def test_another_users_run_is_a_404(call, another_user, runs_made):
    # Given a run of some user
    _, ids = runs_made
    # When another user fetches it
    reply = call("GetRunFunction", another_user, path={"run_id": ids[0]})
    # Then 404
    assert reply.status == 404
    assert reply.error_code == "NOT_FOUND"


def test_an_unknown_run_is_a_404(call, user):
    # When a user fetches a run id that does not exist
    reply = call("GetRunFunction", user, path={"run_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"})
    # Then 404
    assert reply.status == 404


def test_read_only_api_keys_may_read_runs(call, user, runs_made):
    # Given runs
    _, ids = runs_made
    # When a read-only key lists and gets them
    listed = call("ListRunsFunction", user.as_key("read"))
    fetched = call("GetRunFunction", user.as_key("read"), path={"run_id": ids[0]})
    # Then both work (K-read)
    assert (listed.status, fetched.status) == (200, 200)


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"),
    ({"source": "batch"}, "source"),
    ({"prompt_id": "not-a-uuid"}, "prompt_id"),
])
def test_bad_query_parameters_are_a_400(call, user, query, field):
    # When the list query is invalid
    reply = call("ListRunsFunction", user, query=query)
    # Then 400 naming the parameter
    assert reply.status == 400
    assert reply.fields == [field]


def test_a_limit_of_500_is_accepted(call, user, runs_made):
    # When the user asks for the largest page
    reply = call("ListRunsFunction", user, query={"limit": "500"})
    # Then it is served
    assert reply.status == 200
    assert len(reply.json["data"]) == 4


def test_stored_output_keeps_the_first_10000_characters(call, user, fake, save_key):
    # Given a chat whose answer is longer than 10,000 characters
    save_key(user)
    long_text = "word " * 3000
    result = call("ChatFunction", user, body={"model": "deepseek-chat", "messages": [
        {"role": "user", "content": long_text}]}).json
    # When the run is read back
    run = call("GetRunFunction", user, path={"run_id": result["run_id"]}).json
    # Then the RunResult had it all and the Run keeps the first 10,000 characters
    assert len(result["output"]) > 10_000
    assert run["output"] == result["output"][:10_000]
