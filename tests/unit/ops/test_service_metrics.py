"""The business and health metrics the services emit: runs, AI limit refusals, consumers' records."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from promptbank.auth.principal import Principal
from promptbank.consumers import EventType, make_consumer
from promptbank.errors import ProviderError, ProviderTimeout, RateLimited
from promptbank.limits import AiLimiter
from promptbank.provider_keys.service import ProviderCredentials
from promptbank.providers import ChatMessage, ChatRequest, ChatResponse
from promptbank.runs.service import Call, RunService

PRINCIPAL = Principal(
    user_id="11111111-1111-4111-8111-111111111111", credential="session", environment="development",
    access="full", plan="free",
)
CONTEXT = SimpleNamespace(function_name="promptbank-dev-QueueFunction", memory_limit_in_mb=256, aws_request_id="r",
                          invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:QueueFunction")


@pytest.fixture(autouse=True)
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Promptbank")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "promptbank")
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)


def _lines(capsys: pytest.CaptureFixture[str], metric: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    return [line for line in lines if not metric or metric in line]


class FakeProvider:
    name: str = "anthropic"

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure

    def chat(self, request: ChatRequest, *, deadline: float) -> ChatResponse:
        if self.failure is not None:
            raise self.failure
        return ChatResponse(output="ok", model=request.model, input_tokens=1, output_tokens=1, finish_reason="stop",
                            latency_ms=321)

    def count_tokens(self, model: str, text: str, *, deadline: float) -> int:
        raise NotImplementedError


class Keys:
    def resolve_key(self, user_id: str, provider: str) -> ProviderCredentials:
        return ProviderCredentials(provider=provider, api_key="sk-test", base_url=None, source="user")


def _service(provider: FakeProvider) -> RunService:
    return RunService(
        runs=SimpleNamespace(),  # type: ignore[arg-type]  # attempt() records nothing
        keys=Keys(),  # type: ignore[arg-type]
        limiter=SimpleNamespace(acquire=lambda user_id: None),  # type: ignore[arg-type]
        provider_factory=lambda name, **_: provider,
    )


CALL = Call(source="chat", model="claude-sonnet-4-5", messages=[ChatMessage("user", "hi")])


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [(None, "succeeded"), (ProviderError("upstream 500"), "failed"), (ProviderTimeout(), "timeout")],
)
def test_each_provider_call_counts_one_run_by_provider_and_outcome(
    failure: Exception | None, outcome: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a call reaches the provider and ends as `outcome`
    record, _ = _service(FakeProvider(failure)).attempt(PRINCIPAL, CALL)

    # Then one Runs line says which provider and how it ended, with the latency the run records
    (line,) = _lines(capsys, "Runs")
    assert (line["provider"], line["outcome"], line["Runs"]) == ("anthropic", outcome, [1.0])
    assert line["ProviderLatency"] == [float(record.latency_ms)]


class Counters:
    """AiLimitStore's interface over a dict (the conditional add included)."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, int], int] = {}

    def count(self, user_id: str, window: int) -> int:
        return self.hits.get((user_id, window), 0)

    def try_add(self, user_id: str, window: int, cap: int, expires_at: int) -> tuple[bool, int]:
        current = self.hits.get((user_id, window), 0)
        if current >= cap:
            return False, current
        self.hits[(user_id, window)] = current + 1
        return True, current


def test_a_refusal_of_the_ai_limit_is_counted_and_an_admission_is_not(capsys: pytest.CaptureFixture[str]) -> None:
    limiter = AiLimiter(Counters(), limit=2, clock=lambda: 6000.0, enabled=lambda: True)  # type: ignore[arg-type]
    limiter.acquire("u")
    limiter.acquire("u")
    with pytest.raises(RateLimited):
        limiter.acquire("u")

    (line,) = _lines(capsys, "AiRateLimited")
    assert line["AiRateLimited"] == [1.0]


def _sqs_event(*ids: str) -> dict[str, Any]:
    return {"Records": [
        {"messageId": i, "receiptHandle": f"rh-{i}", "body": json.dumps({"id": i}), "attributes": {},
         "messageAttributes": {}, "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}
        for i in ids
    ]}


def _failing_on(*bad: str) -> Any:
    def handle(record: SQSRecord) -> None:
        if record.message_id in bad:
            raise RuntimeError("cannot")

    return make_consumer(handle, EventType.SQS)


def test_a_batch_counts_its_processed_and_failed_records_by_source_and_function(capsys: pytest.CaptureFixture[str]) -> None:
    result = _failing_on("b")(_sqs_event("a", "b", "c"), CONTEXT)

    assert result["batchItemFailures"] == [{"itemIdentifier": "b"}]
    (line,) = _lines(capsys, "RecordsProcessed")
    assert (line["RecordsProcessed"], line["RecordsFailed"]) == ([2.0], [1.0])
    assert (line["source"], line["function"]) == ("SQS", "promptbank-dev-QueueFunction")


def test_a_batch_whose_every_record_fails_is_counted_before_the_invocation_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(BatchProcessingError):
        _failing_on("a", "b")(_sqs_event("a", "b"), CONTEXT)

    (line,) = _lines(capsys, "RecordsFailed")
    assert (line["RecordsProcessed"], line["RecordsFailed"]) == ([0.0], [2.0])


class SuiteStore:
    """The two operations SuiteRuns.finish writes in one transaction; `ended` says the run had ended already."""

    def __init__(self, ended: bool = False) -> None:
        self.ended = ended

    def transact(self, ops: list[Any], on_conflict: Any) -> None:
        if self.ended:
            raise on_conflict(0)


def _suite_runs(store: SuiteStore) -> Any:
    from promptbank.evaluation.suite_runs import SuiteRuns

    runs = SimpleNamespace(finish_ops=lambda run, fields: "end", last_run_op=lambda suite_id, last: "last")
    return SuiteRuns(suites=SimpleNamespace(store=store, runs=runs))  # type: ignore[arg-type]


RUN = {"id": "r1", "suite_id": "s1", "prompt_version": 1, "trigger": "manual", "created_at": "2026-12-03T00:00:00Z"}


@pytest.mark.parametrize(("regressed", "regressions"), [(True, 1), (False, 0)])
def test_a_suite_run_that_ends_is_counted_with_its_regression(
    regressed: bool, regressions: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ended = _suite_runs(SuiteStore()).finish(RUN, {"status": "succeeded", "regressed": regressed, "summary": None})

    assert ended is True
    lines = _lines(capsys, "")
    (run,) = [line for line in lines if "EvalRuns" in line]
    assert run["outcome"] == "succeeded"
    assert len([line for line in lines if "EvalRegressions" in line]) == regressions


def test_a_suite_run_ended_by_another_call_is_not_counted_again(capsys: pytest.CaptureFixture[str]) -> None:
    ended = _suite_runs(SuiteStore(ended=True)).finish(RUN, {"status": "failed", "error": "x"})

    assert ended is False
    assert _lines(capsys, "EvalRuns") == []


@pytest.mark.parametrize(
    ("outcome", "counted"), [("succeeded", True), ("retrying", True), ("failed", True), ("skipped", False)]
)
def test_a_webhook_attempt_is_counted_by_outcome_unless_it_was_skipped(
    outcome: str, counted: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from promptbank.webhooks.sender import WebhookSender

    sender = WebhookSender.__new__(WebhookSender)  # no store or client: the attempt itself is replaced
    monkeypatch.setattr(sender, "_process", lambda record: outcome)

    assert sender.process(SimpleNamespace()) == outcome  # type: ignore[arg-type]
    lines = _lines(capsys, "WebhookDeliveries")
    assert [line["outcome"] for line in lines] == ([outcome] if counted else [])
