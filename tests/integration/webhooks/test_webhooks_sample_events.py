"""Every sample event in events/ for webhooks, through its handler, against the user, webhook and delivery the
samples name: the answers a user sees, and what the stream, queue and schedule events make happen."""

from __future__ import annotations

import json
import os
import threading
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from local.testing import HandlerInvoker, MockedStack, load_event
from promptbank.clock import iso, now
from promptbank.webhooks.models import EVENT_TYPES, Delivery, Webhook

# The ids the sample events carry. The delivery is the one the sample stream batch's prompt INSERT makes for the
# webhook (`prompt.created`): its id is derived from the event and the webhook.
USER = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"
PROMPT = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
WEBHOOK = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"
EVENT = "evt_0301712214245f7291c8e418a45a5748"
DELIVERY = "6f7fab9e-1789-5b69-96d0-9617dad4520d"
CREATED_AT = "2026-11-23T10:21:00.412Z"


def _fields(model: type) -> set[str]:
    return set(model.model_fields)  # type: ignore[attr-defined]


class Receiver:
    """A webhook endpoint on 127.0.0.1: records every POST (headers, body) and answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], str]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # the test's output is not the place for access logs
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/promptbank"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as started:
        yield started


@pytest.fixture
def moto_stack(aws: MockedStack, monkeypatch: pytest.MonkeyPatch) -> MockedStack:
    """A moto stack of this test's own (tests/integration/conftest.py's `aws`), deliveries kept on loopback."""
    monkeypatch.setenv("PROMPTBANK_EGRESS", "loopback")
    return aws


@pytest.fixture
def invoke(moto_stack: MockedStack) -> HandlerInvoker:
    """A fresh 'container' per test: the handlers' module-level services are made again."""
    return HandlerInvoker(moto_stack.stack)


@pytest.fixture
def seeded(moto_stack: MockedStack, receiver: Receiver) -> str:
    """The sample user's webhook (every event type, pointing at the receiver) and its pending `prompt.created`
    delivery of the sample prompt, not attempted yet; the webhook's signing secret."""
    import promptbank.webhooks.service as service_module
    from promptbank.auth.principal import Principal
    from promptbank.webhooks.events import event_id_for
    from promptbank.webhooks.models import WebhookCreate

    owner = Principal(user_id=USER, credential="session", environment="development", access="full", plan="free")
    ids = iter([uuid.UUID(WEBHOOK)])
    fixed = types.SimpleNamespace(uuid4=lambda: next(ids, None) or uuid.uuid4(), uuid5=uuid.uuid5, UUID=uuid.UUID)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service_module, "uuid", fixed)
        service = service_module.WebhookService()
        made = service.create(owner, WebhookCreate(url=receiver.url, events=list(EVENT_TYPES)))  # type: ignore[arg-type]
    assert made.webhook.id == WEBHOOK
    event_id = event_id_for("prompt.created", PROMPT)
    data = {"prompt_id": PROMPT, "slug": "email-classifier", "name": "Email classifier", "version": 1}
    body = service_module.event_body(event_id, "prompt.created", CREATED_AT, data)
    delivery = service_module.new_delivery(
        {"id": WEBHOOK, "owner_id": USER}, event_id, "prompt.created", body, CREATED_AT
    )
    assert (event_id, delivery["id"]) == (EVENT, DELIVERY)
    assert service.store.put_delivery(delivery)
    return made.secret


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def _deliveries(invoke: HandlerInvoker) -> list[dict[str, Any]]:
    """The sample webhook's delivery log, as its owner reads it."""
    response = invoke("ListWebhookDeliveriesFunction", load_event("ListWebhookDeliveriesFunction"))
    assert response["statusCode"] == 200, response.get("body")
    return list(_body(response)["data"])


def _queued() -> list[dict[str, Any]]:
    """The messages on WebhookQueue (each received once)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    received = sqs.receive_message(QueueUrl=os.environ["PROMPTBANK_WEBHOOK_QUEUE_URL"], MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in received.get("Messages", [])]


def _check_created(body: Any) -> None:
    assert set(body) == {"webhook", "secret"} and body["secret"].startswith("whsec_")
    assert set(body["webhook"]) == _fields(Webhook)
    webhook = body["webhook"]
    assert (webhook["url"], webhook["enabled"], webhook["disabled_reason"], webhook["description"]) == (
        "http://127.0.0.1:8787/hooks/promptbank",
        True,
        None,
        "Staging deploy bot",
    )
    assert webhook["events"] == ["prompt.created", "prompt.label_moved", "eval_run.regressed"]


def _check_webhooks_page(body: Any) -> None:
    assert set(body) == {"data", "next_cursor"} and body["next_cursor"] is None
    assert all(set(item) == _fields(Webhook) for item in body["data"])
    assert WEBHOOK in {item["id"] for item in body["data"]} and len(body["data"]) == 2  # the seeded one, the new one


def _check_webhook(body: Any) -> None:
    assert set(body) == _fields(Webhook)  # never a secret
    assert (body["id"], body["enabled"], body["events"]) == (WEBHOOK, True, list(EVENT_TYPES))


def _check_updated(body: Any) -> None:
    assert set(body) == _fields(Webhook)
    assert body["events"] == ["prompt.label_moved", "eval_run.completed", "eval_run.regressed"]
    assert body["description"] == "Deploy on production moves, alert on regressions"


def _check_rotated(body: Any) -> None:
    assert set(body) == {"webhook", "secret"} and body["secret"].startswith("whsec_")
    assert body["webhook"]["id"] == WEBHOOK


def _check_test_delivery(body: Any) -> None:
    assert set(body) == _fields(Delivery)
    assert (body["webhook_id"], body["event_type"], body["status"], body["attempts"]) == (
        WEBHOOK,
        "webhook.test",
        "pending",
        [],
    )
    assert body["event_id"].startswith("evt_") and body["id"] != DELIVERY


def _check_deliveries_page(body: Any) -> None:
    assert set(body) == {"data", "next_cursor"} and body["next_cursor"] is None
    assert all(set(item) == _fields(Delivery) for item in body["data"])
    assert sorted(item["event_type"] for item in body["data"]) == ["prompt.created", "webhook.test"]


def _check_retried(body: Any) -> None:
    assert set(body) == _fields(Delivery)
    assert (body["id"], body["event_id"], body["status"]) == (DELIVERY, EVENT, "pending")


def _check_deleted(body: Any) -> None:
    assert body is None


# (function, expected status, check of the body) in an order where each step's precondition holds
SCENARIO: list[tuple[str, int, Callable[[Any], None]]] = [
    ("CreateWebhookFunction", 201, _check_created),
    ("ListWebhooksFunction", 200, _check_webhooks_page),
    ("GetWebhookFunction", 200, _check_webhook),
    ("UpdateWebhookFunction", 200, _check_updated),
    ("RotateWebhookSecretFunction", 200, _check_rotated),
    ("TestWebhookFunction", 202, _check_test_delivery),
    ("ListWebhookDeliveriesFunction", 200, _check_deliveries_page),
    ("RetryWebhookDeliveryFunction", 202, _check_retried),
    ("DeleteWebhookFunction", 204, _check_deleted),
]


def test_every_sample_api_event_gets_its_documented_answer(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the sample user's webhook and its pending delivery
    for function, status, check in SCENARIO:
        # When each sample event is handled
        response = invoke(function, load_event(function))
        # Then it gets its documented status and body, with a request id
        assert response["statusCode"] == status, (function, response.get("body"))
        check(_body(response))
        headers = response.get("multiValueHeaders") or response.get("headers") or {}
        assert "X-Request-Id" in headers, function


def test_the_sample_api_events_are_refused_to_an_api_key(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the sample events, sent with an API key of the same user instead of a session
    for function, _, _ in SCENARIO:
        event = load_event(function)
        event["requestContext"]["authorizer"] |= {"credential": "api_key", "key_id": str(uuid.uuid4())}
        event["requestContext"]["authorizer"].pop("session_id")
        # When each is handled
        response = invoke(function, event)
        # Then it is a 403: webhooks are managed with a session only
        assert response["statusCode"] == 403, (function, response.get("body"))


def test_the_sample_retry_event_queues_the_deliverys_next_attempt(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the sample delivery, pending with no attempt made
    # When its owner retries it (the sample event)
    invoke("RetryWebhookDeliveryFunction", load_event("RetryWebhookDeliveryFunction"))
    # Then WebhookQueue holds its first attempt
    assert _queued() == [{"webhook_id": WEBHOOK, "delivery_id": DELIVERY, "attempt": 1}]


def test_the_sample_stream_event_makes_a_delivery_per_new_event(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the webhook subscribes to every event, and the prompt's `prompt.created` delivery exists already
    # When the sample stream batch (the prompt's INSERT, the run's success, the delivery's INSERT) is handled
    outcome = invoke("WebhookEventsFunction", load_event("WebhookEventsFunction"))
    # Then every record succeeds, and the delivery log has one delivery per event: the prompt's creation (once),
    # its version 1, its two initial labels and the run's completion (it did not regress)
    assert outcome == {"batchItemFailures": []}
    made = sorted(item["event_type"] for item in _deliveries(invoke))
    assert made == [
        "eval_run.completed",
        "prompt.created",
        "prompt.label_moved",
        "prompt.label_moved",
        "prompt.version_created",
    ]


def test_the_sample_stream_event_queues_the_inserted_delivery(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the sample stream batch, whose last record is the `prompt.created` delivery's INSERT
    # When it is handled
    invoke("WebhookEventsFunction", load_event("WebhookEventsFunction"))
    # Then that delivery's first attempt is on WebhookQueue (the deliveries made now are queued by their own
    # INSERTs, which the stream brings back later)
    assert _queued() == [{"webhook_id": WEBHOOK, "delivery_id": DELIVERY, "attempt": 1}]


def test_the_sample_sender_event_posts_the_signed_event(
    seeded: str, invoke: HandlerInvoker, receiver: Receiver
) -> None:
    # Given the pending delivery, and the webhook pointing at a receiver on loopback
    # When the sample queue message (its first attempt) is handled
    outcome = invoke("WebhookSenderFunction", load_event("WebhookSenderFunction"))
    # Then the receiver got the event once, signed with the webhook's secret, its id the delivery's event id
    assert outcome == {"batchItemFailures": []}
    [(headers, body)] = receiver.received
    event = Verifier(seeded).verify(body, headers)
    assert (headers["webhook-id"], event["id"], event["type"], event["data"]["prompt_id"]) == (
        EVENT,
        EVENT,
        "prompt.created",
        PROMPT,
    )


def test_the_sample_sender_event_makes_the_delivery_succeed(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the pending delivery, and a receiver that answers 200
    # When the sample queue message is handled
    invoke("WebhookSenderFunction", load_event("WebhookSenderFunction"))
    # Then the owner sees the delivery succeeded, after one attempt answered 200, with nothing more due
    [delivery] = [item for item in _deliveries(invoke) if item["id"] == DELIVERY]
    assert (delivery["status"], delivery["response_status"], delivery["next_attempt_at"]) == ("succeeded", 200, None)
    assert [(a["response_status"], a["error"]) for a in delivery["attempts"]] == [(200, None)]


def test_the_sample_scheduler_event_queues_the_due_parked_delivery(seeded: str, invoke: HandlerInvoker) -> None:
    # Given the delivery's first attempt failed, and its next one, parked, was due a minute ago
    from promptbank.store.webhooks import WebhookStore

    store = WebhookStore()
    delivery = store.get_delivery(WEBHOOK, DELIVERY)
    assert delivery is not None
    failed = {"at": iso(now() - timedelta(hours=2)), "response_status": 503, "duration_ms": 12, "error": "503"}
    due = iso(now() - timedelta(minutes=1))
    store.record_attempt(delivery, failed, status="pending", next_attempt_at=due, park=True)
    # When the sample EventBridge Scheduler event is handled
    counts = invoke("WebhookRetriesFunction", load_event("WebhookRetriesFunction"))
    # Then the dispatcher reports it due and queued, and WebhookQueue holds its second attempt
    assert counts == {"due": 1, "enqueued": 1}
    assert _queued() == [{"webhook_id": WEBHOOK, "delivery_id": DELIVERY, "attempt": 2}]
