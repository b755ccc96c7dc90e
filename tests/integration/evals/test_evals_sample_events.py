"""Every sample event in events/ for evaluation suites, through its handler, against the user, prompt, suite and run
the samples name: the answers a user sees, and what the stream, queue and schedule events make happen."""

from __future__ import annotations

import json
import os
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import HandlerInvoker, MockedStack, load_event
from promptbank.evaluation.suite_models import EvalRun, EvalRunOverview, Suite, SuiteSummary
from promptbank.providers import _http

# The ids the sample events carry.
USER = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"
PROMPT = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
SUITE = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
RUN = "8e7d6c5b-4a3f-4e2d-9c1b-0a9f8e7d6c5b"
# The cases of events/CreateEvalSuiteFunction.json; the seeded suite has the same, so the sample run (2 cases,
# 1 chunk) matches it. The fake provider answers "echo: <the prompt>", which contains both expectations.
CASES = [
    {
        "name": "Angry refund",
        "inputs": {"email": "Your product is terrible! Refund!"},
        "assertions": [{"type": "icontains", "value": "refund"}, {"type": "max_latency_ms", "value": 5000}],
    },
    {"name": "Praise", "inputs": {"email": "I love it, thank you"}, "expected_output": "love"},
]


def _fields(model: type) -> set[str]:
    return set(model.model_fields)  # type: ignore[attr-defined]


@pytest.fixture
def moto_stack(request: pytest.FixtureRequest) -> MockedStack:
    """The evals package's moto stack (a fresh table and queue per test) when its conftest provides `stack`;
    otherwise a moto stack of this test's own (tests/integration/conftest.py's `aws`)."""
    try:
        stack: MockedStack = request.getfixturevalue("stack")
    except pytest.FixtureLookupError:
        stack = request.getfixturevalue("aws")
    return stack


@pytest.fixture
def invoke(moto_stack: MockedStack) -> HandlerInvoker:
    """A fresh 'container' per test: the handlers' module-level services are made again."""
    return HandlerInvoker(moto_stack.stack)


@pytest.fixture(scope="module")
def _provider_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def provider(_provider_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    """The fake provider server, reset, with every PROMPTBANK_<PROVIDER>_BASE_URL pointing at it; no real backoff."""
    _provider_server.reset()
    for name, value in _provider_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(_http, "_sleep", lambda seconds: None)
    yield _provider_server
    _provider_server.reset()


def _fixed_uuid4(*ids: str) -> Callable[[], uuid.UUID]:
    queue = iter(uuid.UUID(i) for i in ids)
    return lambda: next(queue, None) or uuid.UUID(bytes=uuid.uuid4().bytes)


@pytest.fixture
def seeded(moto_stack: MockedStack, provider: FakeProviderServer) -> None:
    """The sample user with a deepseek key; its prompt `email-classifier` (version 2 written, production still at
    1); its suite (run on publish, hourly, made two hours ago: due now); and a queued manual run of it."""
    import promptbank.evaluation.suites as suites_module
    import promptbank.prompts.service as prompts_module
    from promptbank.auth.principal import Principal
    from promptbank.evaluation.suite_models import SuiteCreate
    from promptbank.prompts.models import PromptCreate, PromptUpdate
    from promptbank.provider_keys.service import ProviderKeyIn, ProviderKeyService

    owner = Principal(user_id=USER, credential="session", environment="development", access="full", plan="free")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prompts_module, "uuid", types.SimpleNamespace(uuid4=_fixed_uuid4(PROMPT)))
        patch.setattr(
            suites_module,
            "uuid",
            types.SimpleNamespace(uuid4=_fixed_uuid4(SUITE), uuid5=uuid.uuid5, UUID=uuid.UUID),
        )
        ProviderKeyService().put(owner, "deepseek", ProviderKeyIn(api_key="sk-test-0123456789abcdef"))
        prompts = prompts_module.PromptService()
        prompts.create(
            owner, PromptCreate(name="Email classifier", slug="email-classifier", content="Classify: {{email}}")
        )
        content = PromptUpdate.model_validate({"content": "Classify this email: {{email}}", "publish": False})
        prompts.update(owner, "email-classifier", content, None)
        made = datetime.now(UTC) - timedelta(hours=2)
        service = suites_module.SuiteService(clock=lambda: made)
        data = {"name": "Email classifier regression", "prompt_ref": "email-classifier", "test_cases": CASES}
        data |= {"schedule": "rate(1 hour)", "run_on_publish": True, "min_pass_rate": 0.9}
        service.create(owner, SuiteCreate.model_validate(data))
        suite = service.store.get_suite(SUITE, consistent=True)
        run = service.new_run(suite, "manual", RUN)
        assert run["status"] == "queued" and service.runs.put_run(run)


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def _check_created(body: Any) -> None:
    assert set(body) == _fields(Suite)
    assert (body["prompt_id"], len(body["test_cases"]), body["last_run"]) == (PROMPT, 2, None)
    assert body["next_run_at"] is not None  # it has a schedule


def _check_suites_page(body: Any) -> None:
    assert set(body) == {"data", "next_cursor"}
    assert all(set(item) == _fields(SuiteSummary) for item in body["data"])
    assert SUITE in {item["id"] for item in body["data"]} and len(body["data"]) == 2


def _check_suite(body: Any) -> None:
    assert set(body) == _fields(Suite)
    assert (body["id"], len(body["test_cases"])) == (SUITE, 2)


def _check_updated(body: Any) -> None:
    assert set(body) == _fields(Suite)
    assert (body["name"], body["schedule"], body["min_pass_rate"]) == (
        "Email classifier nightly",
        "cron(0 2 * * ? *)",
        0.8,
    )


def _check_started(body: Any) -> None:
    assert set(body) == _fields(EvalRun)
    assert (body["suite_id"], body["status"], body["trigger"], body["prompt_version"]) == (SUITE, "queued", "manual", 1)
    assert (body["results"], body["summary"], body["regressed"]) == ([], None, None)


def _check_runs_page(body: Any) -> None:
    assert set(body) == {"data", "next_cursor"}
    assert all(set(item) == _fields(EvalRunOverview) for item in body["data"])
    assert RUN in {item["id"] for item in body["data"]} and len(body["data"]) == 2  # the seeded run and the new one


def _check_run(body: Any) -> None:
    assert set(body) == _fields(EvalRun)
    assert (body["id"], body["status"], body["total_cases"], body["results"]) == (RUN, "queued", 2, [])


def _check_deleted(body: Any) -> None:
    assert body is None


# (function, expected status, check of the body) in an order where each step's precondition holds
SCENARIO: list[tuple[str, int, Callable[[Any], None]]] = [
    ("CreateEvalSuiteFunction", 201, _check_created),
    ("ListEvalSuitesFunction", 200, _check_suites_page),
    ("GetEvalSuiteFunction", 200, _check_suite),
    ("UpdateEvalSuiteFunction", 200, _check_updated),
    ("StartEvalRunFunction", 202, _check_started),
    ("ListEvalRunsFunction", 200, _check_runs_page),
    ("GetEvalRunFunction", 200, _check_run),
    ("DeleteEvalSuiteFunction", 204, _check_deleted),
]


def test_every_sample_api_event_gets_its_documented_answer(seeded: None, invoke: HandlerInvoker) -> None:
    # Given the sample user's prompt, suite and queued run
    for function, status, check in SCENARIO:
        # When each sample event is handled
        response = invoke(function, load_event(function))
        # Then it gets its documented status and body, with a request id
        assert response["statusCode"] == status, (function, response.get("body"))
        check(_body(response))
        headers = response.get("multiValueHeaders") or response.get("headers") or {}
        assert "X-Request-Id" in headers, function


def test_the_sample_worker_event_runs_its_chunk_and_finishes_the_run(
    seeded: None, invoke: HandlerInvoker, provider: FakeProviderServer
) -> None:
    # Given the queued sample run (2 cases, 1 chunk)
    # When the sample chunk message is handled
    outcome = invoke("EvalWorkerFunction", load_event("EvalWorkerFunction"))
    # Then the chunk's cases ran and, being the only chunk, it finished the run as its owner sees it
    assert outcome == {"batchItemFailures": []}
    run = _body(invoke("GetEvalRunFunction", load_event("GetEvalRunFunction")))
    assert (run["status"], run["done_cases"], len(run["results"])) == ("succeeded", 2, 2)
    assert run["summary"]["total_tests"] == 2 and run["regressed"] is not None
    assert provider.request_count == 2


def test_the_sample_outbox_event_enqueues_the_queued_runs_chunk(seeded: None, invoke: HandlerInvoker) -> None:
    # Given the sample stream batch: the queued run's INSERT and the prompt's production move
    # When it is handled
    outcome = invoke("EvalOutboxFunction", load_event("EvalOutboxFunction"))
    # Then both records succeed and EvalQueue holds the run's one chunk message
    assert outcome == {"batchItemFailures": []}
    sqs = boto3.client("sqs", region_name="us-east-1")
    received = sqs.receive_message(QueueUrl=os.environ["PROMPTBANK_EVAL_QUEUE_URL"], MaxNumberOfMessages=10)
    assert [json.loads(m["Body"]) for m in received.get("Messages", [])] == [{"run_id": RUN, "chunk": 0}]


def test_the_sample_outbox_event_starts_a_publish_run_at_the_new_production_version(
    seeded: None, invoke: HandlerInvoker
) -> None:
    # Given the suite runs on publish, and the sample batch moves production from version 1 to 2
    # When the sample stream batch is handled
    invoke("EvalOutboxFunction", load_event("EvalOutboxFunction"))
    # Then the suite's runs show one queued publish run of version 2
    runs = _body(invoke("ListEvalRunsFunction", load_event("ListEvalRunsFunction")))["data"]
    published = [(r["status"], r["prompt_version"], r["label"]) for r in runs if r["trigger"] == "publish"]
    assert published == [("queued", 2, "production")]


def test_the_sample_scheduler_event_starts_the_due_suites_run(seeded: None, invoke: HandlerInvoker) -> None:
    # Given the sample suite is hourly and was made two hours ago: due now
    # When the sample EventBridge Scheduler event is handled
    counts = invoke("EvalDispatcherFunction", load_event("EvalDispatcherFunction"))
    # Then the dispatcher reports one due suite and one run made, which the suite's runs show
    assert counts == {"due": 1, "runs": 1}
    runs = _body(invoke("ListEvalRunsFunction", load_event("ListEvalRunsFunction")))["data"]
    assert [(r["trigger"], r["status"]) for r in runs if r["trigger"] == "schedule"] == [("schedule", "queued")]
