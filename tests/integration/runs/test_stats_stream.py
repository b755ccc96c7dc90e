"""GET /v1/runs/stats from the aggregates RunStatsStreamFunction keeps, exactly once under redelivery."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import boto3
import pytest

from promptbank.models import cost_usd

HELLO = [{"role": "user", "content": "one two"}]
TODAY = datetime.now(UTC).date().isoformat()


def _stats(call, user, **query):
    reply = call("RunStatsFunction", user, query=query or None)
    assert reply.status == 200, reply.text
    return reply.json


def _chat(call, user, model="deepseek-chat"):
    return call("ChatFunction", user, body={"model": model, "messages": HELLO})


def test_a_new_user_has_empty_stats(call, user):
    # When a user without runs asks for stats
    stats = _stats(call, user)
    # Then everything is zero or null
    assert stats == {"total_runs": 0, "failed_runs": 0, "total_cost_usd": 0.0, "avg_latency_ms": None,
                     "avg_quality_score": None, "pass_rate": None, "by_model": {}, "by_date": {}}


def test_stats_count_runs_delivered_through_the_stream(call, user, fake, save_key, stream):
    # Given two deepseek chats, one gpt-4o chat and one failed chat, delivered through the table's stream
    save_key(user, "deepseek")
    save_key(user, "openai")
    _chat(call, user)
    _chat(call, user)
    _chat(call, user, "gpt-4o")
    fake.fail_next(3, status=500)
    assert _chat(call, user).status == 502
    stream.deliver()
    # When the user asks for stats
    stats = _stats(call, user)
    # Then totals, per model and per day reflect the four runs, with exact costs
    deepseek_cost = cost_usd("deepseek-chat", 2, 3)
    gpt_cost = cost_usd("gpt-4o", 2, 3)
    assert (stats["total_runs"], stats["failed_runs"]) == (4, 1)
    assert stats["total_cost_usd"] == pytest.approx(2 * deepseek_cost + gpt_cost, abs=1e-12)
    assert stats["by_model"]["deepseek-chat"]["runs"] == 3
    assert stats["by_model"]["deepseek-chat"]["cost_usd"] == pytest.approx(2 * deepseek_cost, abs=1e-12)
    assert stats["by_model"]["gpt-4o"] == {"runs": 1, "cost_usd": gpt_cost,
                                           "avg_latency_ms": stats["by_model"]["gpt-4o"]["avg_latency_ms"]}
    assert stats["by_date"] == {TODAY: {"runs": 4, "cost_usd": stats["total_cost_usd"]}}
    assert isinstance(stats["avg_latency_ms"], float)
    assert (stats["avg_quality_score"], stats["pass_rate"]) == (None, None)


def test_runs_not_yet_delivered_are_not_in_the_stats(call, user, fake, save_key, stream):
    # Given a chat whose stream record has not been delivered
    save_key(user)
    _chat(call, user)
    # When the user asks for stats
    stats = _stats(call, user)
    # Then it is not counted yet (stats come from aggregates, not from scanning runs)
    assert stats["total_runs"] == 0


def test_a_redelivered_batch_is_counted_once(call, user, fake, save_key, stream):
    # Given two chats whose stream batch is delivered
    save_key(user)
    _chat(call, user)
    _chat(call, user)
    records = stream.pending()
    stream.deliver(records)
    # When Lambda delivers the same batch again (a retry after a timeout, say)
    responses = stream.deliver(copy.deepcopy(records))
    # Then it succeeds and the runs are still counted once
    assert responses == [{"batchItemFailures": []}]
    assert _stats(call, user)["total_runs"] == 2


def test_a_partly_redelivered_batch_counts_only_the_new_runs(call, user, fake, save_key, stream):
    # Given a first chat already counted
    save_key(user)
    _chat(call, user)
    first = stream.pending()
    stream.deliver(first)
    # When a batch arrives holding that record again and a new one
    _chat(call, user)
    stream.deliver(copy.deepcopy(first) + stream.pending())
    # Then the total is two
    assert _stats(call, user)["total_runs"] == 2


def test_stats_of_one_prompt_count_only_its_runs(call, user, fake, save_key, create_prompt, stream):
    # Given two runs of a prompt, a run of another prompt and a chat
    save_key(user)
    prompt, other = create_prompt(user), create_prompt(user)
    for ref in (prompt["id"], prompt["id"], other["id"]):
        assert call("RunPromptFunction", user, path={"ref": ref}, body={}).status == 200
    _chat(call, user)
    stream.deliver()
    # When the user asks for the prompt's stats
    stats = _stats(call, user, prompt_id=prompt["id"])
    # Then only its two runs count, while the user's totals count all four
    assert stats["total_runs"] == 2
    assert _stats(call, user)["total_runs"] == 4


def test_another_users_runs_are_not_in_the_stats(call, user, another_user, fake, save_key, stream):
    # Given another user's chat, delivered
    save_key(another_user)
    _chat(call, another_user)
    stream.deliver()
    # When this user asks for stats
    # Then they see nothing
    assert _stats(call, user)["total_runs"] == 0


def test_the_date_range_selects_days(call, user, fake, save_key, stream):
    # Given today's chats, delivered
    save_key(user)
    _chat(call, user)
    stream.deliver()
    # When the user asks for a range that ends yesterday, and one that holds today
    before = _stats(call, user, **{"from": "2020-01-01", "to": "2020-12-31"})
    including = _stats(call, user, **{"from": TODAY, "to": TODAY})
    # Then only the second counts the chat
    assert before["total_runs"] == 0
    assert including["total_runs"] == 1


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
    ({"prompt_id": "nope"}, "prompt_id"),
])
def test_bad_stats_queries_are_a_400(call, user, query, field):
    # When the stats query is invalid
    reply = call("RunStatsFunction", user, query=query)
    # Then 400 naming the parameter
    assert reply.status == 400
    assert reply.fields == [field]


def test_only_run_inserts_reach_the_processor(call, user, fake, save_key, stream):
    # Given a key save, a prompt-less chat and the deletion of a provider key (all on the stream)
    save_key(user)
    _chat(call, user)
    call("DeleteProviderKeyFunction", user, path={"provider": "deepseek"})
    # When the pending records are filtered as the event source mapping filters them
    batches = stream.batches(stream.pending())
    # Then one batch holds the one run insert
    assert [[r["dynamodb"]["Keys"]["pk"]["S"][:4] for r in b["Records"]] for b in batches] == [["RUN#"]]


def test_expired_runs_leave_the_stats_unchanged(call, user, fake, save_key, stream, stack):
    # Given a counted chat
    save_key(user)
    run_id = _chat(call, user).json["run_id"]
    stream.deliver()
    # When the run item goes away (TTL) and the stream carries the REMOVE
    boto3.client("dynamodb", region_name="us-east-1").delete_item(
        TableName=stack.table_name, Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}})
    stream.deliver()
    # Then the stats still count it
    assert _stats(call, user)["total_runs"] == 1
