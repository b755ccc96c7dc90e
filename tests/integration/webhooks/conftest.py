"""Fixtures of the webhook integration tests: one moto stack for the package with a fresh table per test, a clock
the test moves, the table stream read as WebhookEventsFunction gets it, the WebhookQueue messages sent (recorded
with their DelaySeconds), and a scripted receiver behind an httpx.MockTransport.

Nothing here is autouse. test_webhooks_sample_events.py asks for tests/integration/conftest.py's `aws` (a moto
stack of its own), which cannot start inside this package's running stack: `aws` is overridden here with this
package's stack, a fresh table and a drained WebhookQueue.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import httpx
import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from local.testing import REPO_ROOT, HandlerInvoker, MockedStack, StreamDelivery, mocked_aws
from promptbank.auth.principal import Principal


@pytest.fixture(scope="package")
def stack() -> Iterator[MockedStack]:
    """template.yaml's resources in moto, shared by this package's tests (setting it up takes 1-4 s)."""
    with mocked_aws() as mocked:
        yield mocked


@functools.cache
def _table_properties() -> tuple[dict[str, Any], ...]:
    """The template's table properties, resolved once (parsing template.yaml takes ~0.2 s)."""
    from local.resources import Physical, SecretSource
    from local.template import Resolver, Template

    template = Template(REPO_ROOT / "template.yaml")
    resolver = Resolver(template, secret_source=SecretSource(Physical()))
    return tuple(resolver.resolve(template.properties(lid)) for lid in template.of_type("AWS::DynamoDB::Table"))


@pytest.fixture
def fresh_table(stack: MockedStack) -> MockedStack:
    """An empty table (and stream) for this test."""
    from local.resources import _create_table

    client = boto3.client("dynamodb", region_name="us-east-1")
    client.delete_table(TableName=stack.table_name)
    [props] = _table_properties()
    _create_table(client, props, stack.table_name)
    return stack


def _drain(client: Any, url: str) -> None:
    """Receive and delete every visible message (not PurgeQueue: moto allows one a minute, as SQS does)."""
    while messages := client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def aws(fresh_table: MockedStack) -> MockedStack:
    """This package's stack with an empty table and WebhookQueue, for tests written against the `aws` fixture."""
    import os

    _drain(boto3.client("sqs", region_name="us-east-1"), os.environ["PROMPTBANK_WEBHOOK_QUEUE_URL"])
    return fresh_table


@dataclass
class Clock:
    """What the services get as `clock=`: a moment the test moves on, instead of sleeping. It starts at the real
    now (to the second): a receiver's library checks a signature's timestamp against its own clock (5 min)."""

    moment: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment

    def to(self, iso_moment: str) -> datetime:
        self.moment = datetime.fromisoformat(iso_moment)
        return self.moment


@pytest.fixture
def clock() -> Clock:
    return Clock()


def principal(user_id: str | None = None) -> Principal:
    return Principal(
        user_id=user_id or str(uuid.uuid4()),
        credential="session",
        environment="development",
        access="full",
        plan="free",
    )


@pytest.fixture
def owner() -> Principal:
    """A fresh user acting with a full-access session."""
    return principal()


class WebhookQueue:
    """A queue of this test's own in moto (WebhookQueue's stand-in, so that a delayed message never shows up in
    another test), through a client that also records what was sent with its DelaySeconds (moto keeps a delayed
    message out of sight for real seconds)."""

    def __init__(self) -> None:
        self.client = boto3.client("sqs", region_name="us-east-1")
        self.url = self.client.create_queue(QueueName=f"webhook-test-{uuid.uuid4().hex}")["QueueUrl"]
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> Any:
        self.sent.append({"body": json.loads(kwargs["MessageBody"]), "delay": kwargs.get("DelaySeconds", 0)})
        return self.client.send_message(**kwargs)

    def for_delivery(self, delivery_id: str) -> list[dict[str, Any]]:
        """The messages sent for the delivery: `{"body", "delay"}`, oldest first."""
        return [sent for sent in self.sent if sent["body"]["delivery_id"] == delivery_id]

    def visible(self) -> list[dict[str, Any]]:
        """The messages visible in moto now (each received once, then deleted)."""
        found: list[dict[str, Any]] = []
        while messages := self.client.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                self.client.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                found.append(json.loads(message["Body"]))
        return found


@pytest.fixture
def queue(fresh_table: MockedStack) -> WebhookQueue:
    return WebhookQueue()


def sqs_record(body: dict[str, Any]) -> SQSRecord:
    """A Lambda SQS record carrying one WebhookQueue message."""
    return SQSRecord(
        {
            "messageId": str(uuid.uuid4()),
            "receiptHandle": uuid.uuid4().hex,
            "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:promptbank-local-WebhookQueue",
            "awsRegion": "us-east-1",
        }
    )


@dataclass
class Receiver:
    """A webhook endpoint behind httpx.MockTransport: answers from `script` in turn (then 200), records every
    request. An answer is a status, or (status, headers)."""

    script: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.pop(0) if self.script else 200
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return httpx.Response(status, headers=headers)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self), follow_redirects=False)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


class Webhooks:
    """The services of one test, all on the test's clock, queue and receiver."""

    def __init__(self, stack: MockedStack, clock: Clock, queue: WebhookQueue, receiver: Receiver) -> None:
        from promptbank.prompts.service import PromptService
        from promptbank.webhooks.events import WebhookEvents
        from promptbank.webhooks.sender import ParkedDeliveries, WebhookSender
        from promptbank.webhooks.service import WebhookService

        self.clock = clock
        self.queue = queue
        self.service = WebhookService(clock=clock, sqs=queue, queue_url=queue.url)
        self.prompts = PromptService(clock=clock)
        self.events = WebhookEvents(self.service, clock=clock, sqs=queue, queue_url=queue.url)
        self.sender = WebhookSender(
            self.service, clock=clock, client=receiver.client(), sqs=queue, queue_url=queue.url, rng=lambda: 0.5
        )
        self.parked = ParkedDeliveries(self.service, clock=clock, sqs=queue, queue_url=queue.url)
        self.stream = StreamDelivery(stack, HandlerInvoker(stack.stack), "WebhookEventsFunction")

    @property
    def store(self) -> Any:
        return self.service.store

    def create(self, owner: Principal, events: list[str] | None = None, url: str = "http://127.0.0.1:9/hook") -> Any:
        """A webhook of `owner` (every event type unless `events`); the WebhookSecret."""
        from promptbank.webhooks.models import EVENT_TYPES, WebhookCreate

        return self.service.create(
            owner, WebhookCreate.model_validate({"url": url, "events": events or list(EVENT_TYPES)})
        )

    def prompt(self, owner: Principal, **fields: Any) -> str:
        """A new prompt of `owner` (version 1 in production); its id."""
        from promptbank.prompts.models import PromptCreate

        data = PromptCreate.model_validate({"name": f"Prompt {uuid.uuid4().hex[:8]}", "content": "Say hi", **fields})
        return str(self.prompts.create(owner, data).id)

    def stream_records(self) -> list[DynamoDBRecord]:
        """The table changes since the last call that WebhookEventsFunction's filters let through."""
        return [DynamoDBRecord(record) for record in self.stream.pending()]

    def deliver_stream(self) -> int:
        """Every pending table change to the events consumer, as its stream mapping would; deliveries made."""
        return sum(self.events.process(record) for record in self.stream_records())

    def deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        items, _ = self.store.deliveries_page(webhook_id, status=None, limit=100, start_key=None)
        return [self.delivery(webhook_id, item["id"]) for item in items]

    def delivery(self, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        found = self.store.get_delivery(webhook_id, delivery_id)
        assert found is not None
        return dict(found)

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        found = self.store.get_webhook(webhook_id, consistent=True)
        assert found is not None
        return dict(found)

    def pending_delivery(self, webhook_id: str, event_type: str = "prompt.created") -> dict[str, Any]:
        """A pending delivery of a new event for the webhook, put as the events consumer puts it; the item."""
        from promptbank.clock import iso
        from promptbank.webhooks.service import event_body, new_delivery

        webhook = self.webhook(webhook_id)
        event_id = f"evt_{uuid.uuid4().hex}"
        moment = iso(self.clock())
        body = event_body(event_id, event_type, moment, {"prompt_id": str(uuid.uuid4())})
        delivery = new_delivery(webhook, event_id, event_type, body, moment)
        assert self.store.put_delivery(delivery)
        return delivery

    def send(self, delivery: dict[str, Any], attempt: int | None = None) -> str:
        """The sender's answer to the message for the delivery's next attempt (default: from the stored item)."""
        stored = self.delivery(delivery["webhook_id"], delivery["id"])
        made = len(stored.get("attempts") or [])
        body = {"webhook_id": delivery["webhook_id"], "delivery_id": delivery["id"], "attempt": attempt or made + 1}
        return self.sender.process(sqs_record(body))


@pytest.fixture
def wh(fresh_table: MockedStack, clock: Clock, queue: WebhookQueue, receiver: Receiver) -> Webhooks:
    return Webhooks(fresh_table, clock, queue, receiver)
