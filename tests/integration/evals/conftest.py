"""Fixtures of the evaluation suite integration tests: one moto stack for the package with a fresh table and
queue per test, a clock the test moves, the fake provider server, and the table stream and EvalQueue delivered
to EvalOutboxFunction and EvalWorkerFunction as Lambda's event source mappings would.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import REPO_ROOT, HandlerInvoker, MockedStack, StreamDelivery, mocked_aws
from promptbank.auth.principal import Principal
from promptbank.providers import _http

BASE_URL_VARS = (
    "PROMPTBANK_OPENAI_BASE_URL",
    "PROMPTBANK_DEEPSEEK_BASE_URL",
    "PROMPTBANK_ANTHROPIC_BASE_URL",
    "PROMPTBANK_GEMINI_BASE_URL",
    "PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL",
)
#: A closed local port: a test that forgot the `fake` fixture fails fast and never reaches the internet.
NOWHERE = "http://127.0.0.1:9"
PROVIDER_KEY = "sk-test-0123456789abcdef"
#: A winter morning: Europe/Paris is UTC+1, so 09:00 there is 08:00Z.
T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
#: The prompt every suite tests: the fake provider answers "echo: Say <word>".
CONTENT = "Say {{word}}"


@pytest.fixture(scope="package")
def stack() -> Iterator[MockedStack]:
    """template.yaml's resources in moto, shared by this package's tests (setting it up takes 1-4 s)."""
    with mocked_aws() as mocked:
        yield mocked


@pytest.fixture
def invoker(stack: MockedStack) -> HandlerInvoker:
    """A fresh 'container' per test: the consumers' module-level services are made again."""
    return HandlerInvoker(stack.stack)


@functools.cache
def _table_properties() -> tuple[dict[str, Any], ...]:
    """The template's table properties, resolved once (parsing template.yaml takes ~0.2 s)."""
    from local.resources import Physical, SecretSource
    from local.template import Resolver, Template

    template = Template(REPO_ROOT / "template.yaml")
    resolver = Resolver(template, secret_source=SecretSource(Physical()))
    return tuple(resolver.resolve(template.properties(lid)) for lid in template.of_type("AWS::DynamoDB::Table"))


@pytest.fixture(autouse=True)
def _fresh_table(stack: MockedStack) -> None:
    """An empty table (and stream) and an empty EvalQueue per test."""
    from local.resources import _create_table

    client = boto3.client("dynamodb", region_name="us-east-1")
    client.delete_table(TableName=stack.table_name)
    [props] = _table_properties()
    _create_table(client, props, stack.table_name)
    EvalQueue().receive_all()  # not PurgeQueue: moto allows one a minute, as SQS does


@pytest.fixture(autouse=True)
def _isolation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No stray provider traffic, no real backoff sleeps, and no cached default-key secret between tests."""
    from aws_lambda_powertools.utilities import parameters

    for name in BASE_URL_VARS:
        monkeypatch.setenv(name, NOWHERE)
    monkeypatch.setattr(_http, "_sleep", lambda seconds: None)
    parameters.clear_caches()
    yield
    parameters.clear_caches()


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake(_fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    """The fake provider server, reset, with every PROMPTBANK_<PROVIDER>_BASE_URL pointing at it."""
    _fake_server.reset()
    for name, value in _fake_server.env().items():
        monkeypatch.setenv(name, value)
    yield _fake_server
    _fake_server.reset()


@dataclass
class Clock:
    """What the services get as `clock=`: a moment the test moves on, instead of sleeping."""

    moment: datetime = T0

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
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


def case(word: str, expected: str | None = None, **fields: Any) -> dict[str, Any]:
    """A case of CONTENT: it passes when `expected` (default: `word`) is in "echo: Say <word>"."""
    return {"inputs": {"word": word}, "expected_output": expected or word, **fields}


class Evals:
    """The services a test sets suites up with, all on the test's clock."""

    def __init__(self, clock: Clock) -> None:
        from promptbank.evaluation.suites import SuiteService
        from promptbank.prompts.service import PromptService

        self.clock = clock
        self.suites = SuiteService(clock=clock)
        self.prompts = PromptService(clock=clock)

    @property
    def store(self) -> Any:
        return self.suites.store

    @property
    def runs(self) -> Any:
        return self.suites.runs

    def prompt(self, owner: Principal, content: str = CONTENT, **fields: Any) -> str:
        """A new prompt of `owner`, version 1 in production (unless `publish=False`); its id."""
        from promptbank.prompts.models import PromptCreate

        data = PromptCreate.model_validate({"name": f"Prompt {uuid.uuid4().hex[:8]}", "content": content, **fields})
        return str(self.prompts.create(owner, data).id)

    def new_version(self, owner: Principal, prompt_id: str, content: str, *, publish: bool) -> None:
        from promptbank.prompts.models import PromptUpdate

        self.prompts.update(
            owner, prompt_id, PromptUpdate.model_validate({"content": content, "publish": publish}), None
        )

    def save_key(self, owner: Principal, provider: str = "deepseek") -> None:
        from promptbank.provider_keys.service import ProviderKeyIn, ProviderKeyService

        ProviderKeyService(clock=self.clock).put(owner, provider, ProviderKeyIn(api_key=PROVIDER_KEY))

    def suite(self, owner: Principal, prompt_id: str, cases: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        """A new suite of `owner` on `prompt_id`; its stored item."""
        from promptbank.evaluation.suite_models import SuiteCreate

        data = SuiteCreate.model_validate({"name": "Suite", "prompt_ref": prompt_id, "test_cases": cases, **fields})
        created = self.suites.create(owner, data)
        stored = self.store.get_suite(created.id, consistent=True)
        assert stored is not None
        return dict(stored)

    def queue_run(self, suite_id: str, trigger: str = "manual") -> dict[str, Any]:
        """A queued run of the suite at its label's version, stored as the start route stores it."""
        suite = self.store.get_suite(suite_id, consistent=True)
        run = self.suites.new_run(suite, trigger, str(uuid.uuid4()))
        assert run["status"] == "queued", run
        assert self.runs.put_run(run)
        return dict(run)

    def run(self, run_id: str) -> dict[str, Any]:
        run = self.runs.get_run(run_id, consistent=True)
        assert run is not None
        return dict(run)

    def suite_runs(self, suite_id: str) -> list[dict[str, Any]]:
        """The suite's runs, newest first (the trend)."""
        items, _ = self.runs.runs_page(suite_id, limit=100, start_key=None)
        return list(items)


@pytest.fixture
def evals(clock: Clock) -> Evals:
    return Evals(clock)


def sqs_message(run_id: str, chunk: int, receive_count: int = 1) -> dict[str, Any]:
    """A Lambda SQS record carrying one chunk message, as EvalQueue's event source mapping delivers it."""
    body = json.dumps({"run_id": run_id, "chunk": chunk})
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1768471200000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1768471200000",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:promptbank-local-EvalQueue",
        "awsRegion": "us-east-1",
    }


def sqs_record(run_id: str, chunk: int, receive_count: int = 1) -> SQSRecord:
    return SQSRecord(sqs_message(run_id, chunk, receive_count))


class EvalQueue:
    """EvalQueue in moto: what the outbox sent, as Lambda SQS records."""

    def __init__(self) -> None:
        self.url = os.environ["PROMPTBANK_EVAL_QUEUE_URL"]
        self.sqs = boto3.client("sqs", region_name="us-east-1")

    def receive_all(self) -> list[dict[str, Any]]:
        """Every visible message (each received once, then deleted), as the worker would get them."""
        records: list[dict[str, Any]] = []
        while True:
            response = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
            )
            messages = response.get("Messages") or []
            if not messages:
                return records
            for message in messages:
                records.append(
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": message["Body"],
                        "attributes": message.get("Attributes") or {},
                        "messageAttributes": {},
                        "md5OfBody": message["MD5OfBody"],
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:promptbank-local-EvalQueue",
                        "awsRegion": "us-east-1",
                    }
                )
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(record["body"]) for record in self.receive_all()]


@pytest.fixture
def queue() -> EvalQueue:
    return EvalQueue()


@pytest.fixture
def stream(stack: MockedStack, invoker: HandlerInvoker, _fresh_table: None) -> StreamDelivery:
    return StreamDelivery(stack, invoker, "EvalOutboxFunction")
