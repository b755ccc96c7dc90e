"""Stream, queue and schedule delivery to the fixture app, made deterministic by the /__local endpoints."""

from __future__ import annotations

import json
import time
import uuid
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
    # Then the poison batch was tried 1 + MaximumRetryAttempts (2) times, and later records still flow
    assert _item(client, f"POISON#{poison}")["attempts"] == "3"
    assert _item(client, f"SEEN#{good}") is not None


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
    # When the queue's visibility timeout (1 s) has passed and events are drained again
    time.sleep(1.2)
    _drain(client)
    # Then only the failed message came back
    assert _item(client, f"MSG#{failing}")["attempts"] == "2"
    assert _item(client, f"MSG#{fine}")["attempts"] == "1"


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
