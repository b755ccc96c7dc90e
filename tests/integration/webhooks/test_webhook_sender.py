"""WebhookSender against moto with a scripted receiver and the test's clock: each attempt signed and recorded,
retried on the schedule (queued, or parked for ParkedDeliveries), sent once per message, and the webhook disabled
by a 410 or by 24 h of failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from promptbank.auth.principal import Principal
from promptbank.store.webhooks import PARKED_PK
from promptbank.webhooks.models import TEST_EVENT, WebhookUpdate
from promptbank.webhooks.sender import LEASE_S

from .conftest import Receiver, Webhooks


def _setup(wh: Webhooks, owner: Principal, *script: Any) -> tuple[str, str, dict[str, Any]]:
    """A webhook (its id and secret) with one pending delivery, and the receiver's answers to come."""
    made = wh.create(owner)
    _receiver(wh).script.extend(script)
    return made.webhook.id, made.secret, wh.pending_delivery(made.webhook.id)


def _receiver(wh: Webhooks) -> Receiver:
    """The scripted receiver behind the sender's MockTransport."""
    return wh.sender.client._transport.handler  # type: ignore[no-any-return]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_2xx_answer_makes_the_delivery_succeed_with_a_signed_request(wh: Webhooks, owner: Principal) -> None:
    # Given a pending delivery and a receiver answering 204
    webhook_id, secret, delivery = _setup(wh, owner, 204)

    # When its first attempt's message is processed
    result = wh.send(delivery)

    # Then the receiver got the event once, signed so its library verifies it, and the attempt is recorded
    assert result == "succeeded"
    [request] = _receiver(wh).requests
    assert request.method == "POST"
    assert request.content.decode() == delivery["body"]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == delivery["event_id"]
    assert request.headers["webhook-timestamp"] == str(int(wh.clock().timestamp()))
    assert Verifier(secret).verify(request.content.decode(), dict(request.headers))["id"] == delivery["event_id"]
    stored = wh.delivery(webhook_id, delivery["id"])
    assert stored["status"] == "succeeded"
    assert stored["response_status"] == 204
    [attempt] = stored["attempts"]
    assert (attempt["response_status"], attempt.get("error")) == (204, None)
    assert "next_attempt_at" not in stored
    assert wh.queue.for_delivery(delivery["id"]) == []


def test_a_500_keeps_the_delivery_pending_and_queues_the_next_attempt_in_5_seconds(
    wh: Webhooks, owner: Principal
) -> None:
    # Given a receiver answering 500
    webhook_id, _, delivery = _setup(wh, owner, 500)

    # When the first attempt is made
    result = wh.send(delivery)

    # Then the delivery waits for its 2nd attempt, 5 s later, queued with DelaySeconds
    assert result == "retrying"
    stored = wh.delivery(webhook_id, delivery["id"])
    assert stored["status"] == "pending"
    assert stored["response_status"] == 500
    assert stored["attempts"][0]["error"] == "the endpoint answered 500"
    assert _at(stored["next_attempt_at"]) - wh.clock() == timedelta(seconds=5)
    assert "gsi2pk" not in stored
    assert wh.queue.for_delivery(delivery["id"]) == [
        {"body": {"webhook_id": webhook_id, "delivery_id": delivery["id"], "attempt": 2}, "delay": 5}
    ]


def test_an_answer_that_never_comes_is_a_failed_attempt(wh: Webhooks, owner: Principal) -> None:
    # Given a receiver that cannot be reached
    webhook_id, _, delivery = _setup(wh, owner, 200)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    wh.sender._client = httpx.Client(transport=httpx.MockTransport(refuse))

    # When the attempt is made
    assert wh.send(delivery) == "retrying"

    # Then it is recorded with no status and why
    [attempt] = wh.delivery(webhook_id, delivery["id"])["attempts"]
    assert attempt.get("response_status") is None
    assert attempt["error"] == "could not connect (ConnectError)"


def test_the_same_message_processed_twice_is_sent_once(wh: Webhooks, owner: Principal) -> None:
    # Given a delivery whose first attempt's message was processed
    webhook_id, _, delivery = _setup(wh, owner, 500, 500)
    assert wh.send(delivery, attempt=1) == "retrying"

    # When the same message comes again (SQS delivers at least once)
    again = wh.send(delivery, attempt=1)

    # Then it is skipped: one request, one attempt
    assert again == "skipped"
    assert len(_receiver(wh).requests) == 1
    assert len(wh.delivery(webhook_id, delivery["id"])["attempts"]) == 1


def test_a_message_whose_attempt_is_held_by_another_sender_is_skipped(wh: Webhooks, owner: Principal) -> None:
    # Given a delivery whose first attempt another sender has just claimed
    _, _, delivery = _setup(wh, owner)
    assert wh.store.claim(delivery, 1, int(wh.clock().timestamp()), LEASE_S)

    # When the duplicate message is processed
    result = wh.send(delivery, attempt=1)

    # Then nothing is sent
    assert result == "skipped"
    assert _receiver(wh).requests == []


def test_a_lease_left_by_a_sender_that_died_lets_the_redelivered_message_through(
    wh: Webhooks, owner: Principal
) -> None:
    # Given an attempt claimed by a sender that died before recording it
    _, _, delivery = _setup(wh, owner, 200)
    assert wh.store.claim(delivery, 1, int(wh.clock().timestamp()), LEASE_S)

    # When its message comes back after the lease ran out
    wh.clock.advance(seconds=LEASE_S + 1)
    result = wh.send(delivery, attempt=1)

    # Then the attempt is made
    assert result == "succeeded"
    assert len(_receiver(wh).requests) == 1


def test_a_410_fails_the_delivery_and_disables_the_webhook(wh: Webhooks, owner: Principal) -> None:
    # Given a receiver answering 410 Gone
    webhook_id, _, delivery = _setup(wh, owner, 410)

    # When the attempt is made
    result = wh.send(delivery)

    # Then the delivery failed, nothing more is queued, and the webhook is disabled with the reason
    assert result == "failed"
    assert wh.delivery(webhook_id, delivery["id"])["status"] == "failed"
    assert wh.queue.for_delivery(delivery["id"]) == []
    webhook = wh.service.get(owner, webhook_id)
    assert (webhook.enabled, webhook.disabled_reason) == (False, "The endpoint answered 410 Gone")


def _fail_next(wh: Webhooks, webhook_id: str, delivery: dict[str, Any]) -> str:
    """Move the clock to the delivery's next attempt, re-queue it if parked (as the dispatcher does), and make it."""
    stored = wh.delivery(webhook_id, delivery["id"])
    if stored.get("next_attempt_at"):
        wh.clock.to(stored["next_attempt_at"])
    if stored.get("gsi2pk") == PARKED_PK:
        assert wh.parked.dispatch({}) == {"due": 1, "enqueued": 1}
    return wh.send(delivery)


def test_a_failure_that_waits_more_than_15_minutes_parks_the_delivery_until_the_dispatcher_queues_it(
    wh: Webhooks, owner: Principal
) -> None:
    # Given a receiver that keeps answering 500, and a delivery that failed 5 times
    webhook_id, _, delivery = _setup(wh, owner, *[500] * 6)
    for _ in range(5):
        assert _fail_next(wh, webhook_id, delivery) == "retrying"

    # When the 6th attempt fails
    assert _fail_next(wh, webhook_id, delivery) == "retrying"

    # Then the 7th, 10 h away, is parked on gsi2 and not queued
    stored = wh.delivery(webhook_id, delivery["id"])
    due = stored["next_attempt_at"]
    assert _at(due) - wh.clock() == timedelta(hours=10)
    assert (stored["gsi2pk"], stored["gsi2sk"]) == (PARKED_PK, f"{due}#{delivery['id']}")
    assert 7 not in [m["body"]["attempt"] for m in wh.queue.for_delivery(delivery["id"])]

    # And the dispatcher leaves it until it is due, then queues its 7th attempt and takes it off the index
    wh.clock.to(due)
    wh.clock.advance(seconds=-1)
    assert wh.parked.dispatch({}) == {"due": 0, "enqueued": 0}
    wh.clock.to(due)
    assert wh.parked.dispatch({}) == {"due": 1, "enqueued": 1}
    assert wh.queue.for_delivery(delivery["id"])[-1] == {
        "body": {"webhook_id": webhook_id, "delivery_id": delivery["id"], "attempt": 7},
        "delay": 0,
    }
    assert "gsi2pk" not in wh.delivery(webhook_id, delivery["id"])
    assert wh.parked.dispatch({}) == {"due": 0, "enqueued": 0}


def test_the_schedule_is_5s_5min_30min_2h_5h_10h_then_24h_after_the_first_and_the_8th_failure_is_final(
    wh: Webhooks, owner: Principal
) -> None:
    # Given a receiver that always answers 500
    webhook_id, _, delivery = _setup(wh, owner, *[500] * 8)
    first = wh.clock()

    # When all 8 attempts are made, each when it is due
    results = [_fail_next(wh, webhook_id, delivery) for _ in range(8)]

    # Then the attempts came on the schedule, and the delivery failed after the 8th
    assert results == ["retrying"] * 7 + ["failed"]
    stored = wh.delivery(webhook_id, delivery["id"])
    offsets = [(_at(a["at"]) - first).total_seconds() for a in stored["attempts"]]
    assert offsets == [0, 5, 305, 2105, 9305, 27305, 63305, 86400]
    assert stored["status"] == "failed"
    assert "next_attempt_at" not in stored
    assert "gsi2pk" not in stored
    assert len(_receiver(wh).requests) == 8


def test_every_delivery_failing_for_24_hours_disables_the_webhook(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook whose deliveries started failing 24 h ago
    webhook_id, _, delivery = _setup(wh, owner, 500, 500)
    assert wh.send(delivery) == "retrying"
    wh.clock.advance(hours=24)

    # When another delivery fails now
    later = wh.pending_delivery(webhook_id)
    assert wh.send(later) == "retrying"

    # Then the webhook is disabled, with the reason
    webhook = wh.service.get(owner, webhook_id)
    assert (webhook.enabled, webhook.disabled_reason) == (False, "Every delivery failed for 24 hours")


def test_failures_for_less_than_24_hours_leave_the_webhook_enabled(wh: Webhooks, owner: Principal) -> None:
    webhook_id, _, delivery = _setup(wh, owner, 500, 500)
    assert wh.send(delivery) == "retrying"
    wh.clock.advance(hours=23, minutes=59)
    assert wh.send(wh.pending_delivery(webhook_id)) == "retrying"
    assert wh.service.get(owner, webhook_id).enabled is True


def test_a_success_ends_a_run_of_failures(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook that failed 24 h ago, and succeeded since
    webhook_id, _, delivery = _setup(wh, owner, 500, 200, 500)
    assert wh.send(delivery) == "retrying"
    wh.clock.advance(hours=1)
    assert wh.send(wh.pending_delivery(webhook_id)) == "succeeded"
    wh.clock.advance(hours=23)

    # When a delivery fails now
    assert wh.send(wh.pending_delivery(webhook_id)) == "retrying"

    # Then the webhook is still enabled: its failures have lasted for moments, not 24 h
    assert wh.service.get(owner, webhook_id).enabled is True


def test_retry_after_longer_than_the_schedule_is_honoured(wh: Webhooks, owner: Principal) -> None:
    # Given a receiver answering 503 with Retry-After: 120
    webhook_id, _, delivery = _setup(wh, owner, (503, {"retry-after": "120"}))

    # When the first attempt is made
    assert wh.send(delivery) == "retrying"

    # Then the 2nd attempt waits 120 s, not 5
    stored = wh.delivery(webhook_id, delivery["id"])
    assert _at(stored["next_attempt_at"]) - wh.clock() == timedelta(seconds=120)
    assert wh.queue.for_delivery(delivery["id"])[-1]["delay"] == 120


def test_retry_after_beyond_15_minutes_parks_the_delivery(wh: Webhooks, owner: Principal) -> None:
    webhook_id, _, delivery = _setup(wh, owner, (429, {"retry-after": "3600"}))
    assert wh.send(delivery) == "retrying"
    stored = wh.delivery(webhook_id, delivery["id"])
    assert _at(stored["next_attempt_at"]) - wh.clock() == timedelta(hours=1)
    assert stored["gsi2pk"] == PARKED_PK
    assert wh.queue.for_delivery(delivery["id"]) == []


def test_a_deleted_webhooks_delivery_is_skipped(wh: Webhooks, owner: Principal) -> None:
    # Given a pending delivery of a webhook deleted since
    webhook_id, _, delivery = _setup(wh, owner)
    wh.service.delete(owner, webhook_id)

    # When its message is processed
    result = wh.send(delivery)

    # Then nothing is sent
    assert result == "skipped"
    assert _receiver(wh).requests == []


def test_a_disabled_webhooks_delivery_is_recorded_as_not_sent(wh: Webhooks, owner: Principal) -> None:
    # Given a pending delivery of a webhook disabled since
    webhook_id, _, delivery = _setup(wh, owner)
    wh.service.update(owner, webhook_id, WebhookUpdate.model_validate({"enabled": False}))

    # When its message is processed
    result = wh.send(delivery)

    # Then nothing is sent, and the attempt says why
    assert result == "failed"
    assert _receiver(wh).requests == []
    stored = wh.delivery(webhook_id, delivery["id"])
    assert stored["status"] == "failed"
    [attempt] = stored["attempts"]
    assert attempt.get("response_status") is None
    assert attempt["error"] == "not sent: the webhook is disabled"


def test_a_test_event_is_sent_to_a_disabled_webhook(wh: Webhooks, owner: Principal) -> None:
    # Given a disabled webhook and its test event
    webhook_id, _, _ = _setup(wh, owner, 200)
    wh.service.update(owner, webhook_id, WebhookUpdate.model_validate({"enabled": False}))
    delivery = wh.pending_delivery(webhook_id, TEST_EVENT)

    # When / Then it is sent (to check a fixed endpoint before turning the webhook back on)
    assert wh.send(delivery) == "succeeded"
    assert len(_receiver(wh).requests) == 1


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_is_an_answer_not_a_place_to_send_the_event_to(wh: Webhooks, owner: Principal, status: int) -> None:
    webhook_id, _, delivery = _setup(wh, owner, (status, {"location": "http://127.0.0.1:9/elsewhere"}))
    assert wh.send(delivery) == "retrying"
    assert len(_receiver(wh).requests) == 1
    assert wh.delivery(webhook_id, delivery["id"])["response_status"] == status
