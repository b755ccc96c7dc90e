"""Stream, queue and schedule delivery to the fixture app, made deterministic by the /__local endpoints."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from urllib.parse import quote

import httpx


def _item(client: httpx.Client, pk: str) -> dict | None:
    response = client.get(f"/v1/items/{quote(pk, safe='')}")
    return response.json() if response.status_code == 200 else None


def _drain(client: httpx.Client) -> dict:
    response = client.post("/__local/drain")
    assert response.status_code == 200, response.text
    return response.json()


def test_table_writes_reach_the_stream_consumer_after_drain(client: httpx.Client) -> None:
    # Given an item written through the API
    item_id = uuid.uuid4().hex
    client.put(f"/v1/items/{item_id}", json={"n": 1})
    # When pending events are drained
    result = _drain(client)
    # Then the stream consumer saw the INSERT, in the AWS record shape
    seen = _item(client, f"SEEN#{item_id}")
    assert result["complete"] is True
    assert seen is not None
    assert seen["event_name"] == "INSERT"
    assert seen["source"] == "aws:dynamodb"
    assert seen["arn"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/promptbank-local-Table/stream/")


def test_stream_filter_criteria_drop_other_records(client: httpx.Client) -> None:
    # Given the consumer's filter only admits keys starting with ITEM#, and it writes SEEN# items itself
    item_id = uuid.uuid4().hex
    client.put(f"/v1/items/{item_id}", json={})
    _drain(client)
    # When its own SEEN# write goes through the stream
    _drain(client)
    # Then it was not delivered back to it (no SEEN#SEEN#...)
    assert _item(client, f"SEEN#SEEN#{item_id}") is None


def test_failing_stream_batch_is_retried_then_skipped(client: httpx.Client) -> None:
    # Given a record the consumer always fails on, followed by a good one
    poison, good = uuid.uuid4().hex, uuid.uuid4().hex
    client.put(f"/v1/items/{poison}", json={"poison": True})
    _drain(client)
    client.put(f"/v1/items/{good}", json={})
    # When events are drained
    _drain(client)
    # Then the poison batch was tried exactly 1 + MaximumRetryAttempts (6) times, and later records still flow
    assert _item(client, f"POISON#{poison}")["attempts"] == "7"
    assert _item(client, f"SEEN#{good}") is not None


def _batch(client: httpx.Client, items: list[dict]) -> None:
    """Writes BATCH#<id> items in one request, so they reach BisectFunction as one batch."""
    response = client.post("/v1/batch", json={"items": items})
    assert response.status_code == 200, response.text


def test_bisect_isolates_a_poison_record_and_sends_it_to_the_on_failure_queue(client: httpx.Client) -> None:
    # Given one batch of 8 records for a consumer with BisectBatchOnFunctionError, MaximumRetryAttempts 1 and an
    # OnFailure queue, where the 6th record makes the function raise
    ids = [uuid.uuid4().hex for _ in range(8)]
    poison = ids[5]
    _batch(client, [{"id": i, "poison": i == poison} for i in ids])
    # When events are drained
    result = _drain(client)
    # Then every other record was processed
    assert result["complete"] is True
    assert [i for i in ids if _item(client, f"DONE#{i}") is None] == [poison]
    # And the poison record, once isolated, was tried alone 1 + MaximumRetryAttempts times
    assert _item(client, f"ALONE#{poison}")["attempts"] == "2"
    # And its invocation record is on the OnFailure queue, in the shape Lambda sends
    tried = _item(client, f"TRIED#{poison}")
    messages = client.get("/v1/messages/stream-failures").json()
    records = [m for m in messages if m["DDBStreamBatchInfo"]["startSequenceNumber"] == tried["seq"]]
    assert len(records) == 1
    record = records[0]
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:promptbank-local-BisectFunction"
    )
    assert record["requestContext"]["approximateInvokeCount"] == int(tried["attempts"])
    assert uuid.UUID(record["requestContext"]["requestId"])
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    info = record["DDBStreamBatchInfo"]
    assert info["endSequenceNumber"] == tried["seq"]
    assert info["batchSize"] == 1
    assert info["shardId"].startswith("shardId-")
    assert info["streamArn"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/promptbank-local-Table/stream/")
    first = datetime.strptime(info["approximateArrivalOfFirstRecord"], "%Y-%m-%dT%H:%M:%SZ")
    assert first == datetime.strptime(info["approximateArrivalOfLastRecord"], "%Y-%m-%dT%H:%M:%SZ")


def test_reported_item_failures_retry_from_the_reported_record_with_bisect_on(client: httpx.Client) -> None:
    # Given one batch of three records where the consumer (bisect on) reports the second as failed, once
    first, second, third = (uuid.uuid4().hex for _ in range(3))
    _batch(client, [{"id": first}, {"id": second, "fail_times": 1}, {"id": third}])
    # When events are drained
    _drain(client)
    # Then the batch was retried from the reported record on, not bisected, and all three were processed
    tries = {i: _item(client, f"TRIED#{i}")["attempts"] for i in (first, second, third)}
    assert tries == {first: "1", second: "2", third: "2"}
    assert all(_item(client, f"DONE#{i}") is not None for i in (first, second, third))


def test_queue_messages_reach_the_consumer_after_drain(client: httpx.Client) -> None:
    # Given a message sent to the work queue
    message_id = uuid.uuid4().hex
    client.post("/v1/messages/work", json={"id": message_id})
    # When events are drained
    _drain(client)
    # Then the consumer processed it once
    assert _item(client, f"MSG#{message_id}")["attempts"] == "1"


def test_reported_batch_item_failures_are_redelivered(client: httpx.Client) -> None:
    # Given a message the consumer reports as failed once (ReportBatchItemFailures), and one it accepts
    failing, fine = uuid.uuid4().hex, uuid.uuid4().hex
    client.post("/v1/messages/work", json={"id": failing, "fail_times": 1})
    client.post("/v1/messages/work", json={"id": fine})
    _drain(client)
    received_by = time.monotonic()
    # And, within the queue's visibility timeout (5 s), it did not come back
    _drain(client)
    assert _item(client, f"MSG#{failing}")["attempts"] == "1"
    # When the visibility timeout has passed and events are drained again
    time.sleep(max(0.0, received_by + 5.2 - time.monotonic()))
    _drain(client)
    # Then only the failed message came back
    assert _item(client, f"MSG#{failing}")["attempts"] == "2"
    assert _item(client, f"MSG#{fine}")["attempts"] == "1"


def test_poison_message_moves_to_the_dead_letter_queue_after_max_receive_count(client: httpx.Client) -> None:
    # Given a message the consumer always raises on, on a queue with maxReceiveCount 3 (visibility timeout 0)
    message_id = uuid.uuid4().hex
    client.post("/v1/messages/poison", json={"id": message_id, "raise": True})
    # When events are drained
    result = _drain(client)
    # Then it was delivered exactly maxReceiveCount times, and is now on the queue's dead-letter queue
    assert result["complete"] is True
    assert _item(client, f"MSG#{message_id}")["attempts"] == "3"
    assert client.get("/v1/messages/poison-dlq").json() == [{"id": message_id, "raise": True}]
    assert client.get("/v1/messages/poison").json() == []


def test_schedule_can_be_triggered_now(client: httpx.Client) -> None:
    # Given the TickFunction's daily schedule
    before = int((_item(client, "TICK") or {"attempts": "0"})["attempts"])
    # When a test triggers it
    response = client.post("/__local/schedules/TickFunction")
    # Then it ran once with the EventBridge scheduled event
    assert response.status_code == 200
    assert response.json()["function"] == "TickFunction"
    assert int(_item(client, "TICK")["attempts"]) == before + 1
    last = _item(client, "TICK#last")
    assert last["detail_type"] == "Scheduled Event" and last["source"] == "aws.events"


def test_triggering_a_function_without_schedule_is_404(client: httpx.Client) -> None:
    # Given a function that has no schedule
    # When it is triggered
    response = client.post("/__local/schedules/EchoFunction")
    # Then the runtime says so
    assert response.status_code == 404


def test_schedules_are_listed(client: httpx.Client) -> None:
    # Given the fixture's schedules
    # When they are listed
    listed = client.get("/__local/schedules").json()
    # Then TickFunction's rate is there
    assert listed["TickFunction"][0]["expression"] == "rate(1 day)"


def test_expired_items_are_deleted_with_a_service_identity(client: httpx.Client) -> None:
    # Given an item whose TTL has passed (the fixture runtime sweeps every 0.5 s)
    item_id = uuid.uuid4().hex
    client.put(f"/v1/items/{item_id}", json={"ttl": int(time.time()) - 10})
    # When the sweeper has run and events are drained
    deadline = time.monotonic() + 10
    seen = None
    while time.monotonic() < deadline:
        _drain(client)
        seen = _item(client, f"SEEN#{item_id}")
        if seen and seen["event_name"] == "REMOVE":
            break
        time.sleep(0.2)
    # Then the item is gone and its REMOVE record names DynamoDB's TTL service
    assert _item(client, f"ITEM#{item_id}") is None
    assert seen is not None and seen["event_name"] == "REMOVE"
    assert json.loads(seen["user"]) == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
