"""The evaluate service with fake providers and stores: cases run concurrently, one deadline for all, a failing
case fails alone, the judge's reply scores llm_rubric, every case is a recorded run with its verdict, and bad
input is refused before any provider is called."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from promptbank.auth.principal import Principal
from promptbank.errors import ProviderError, ProviderTimeout, RateLimited, ValidationFailed
from promptbank.evaluation.models import EvaluateIn
from promptbank.evaluation.service import EvaluationService
from promptbank.prompts.delivery import DeliveryService
from promptbank.provider_keys.service import ProviderCredentials
from promptbank.providers import ChatRequest, ChatResponse
from promptbank.runs.records import RunRecord
from promptbank.runs.service import RunService

USER = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"
PRINCIPAL = Principal(user_id=USER, credential="session", environment="development", access="full", plan="free")


@dataclass
class FakeProvider:
    """Answers "echo: <last user message>"; `behave(request, deadline)` may sleep or raise instead."""

    behave: Any = None
    calls: list[ChatRequest] = field(default_factory=list)
    active: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    name: str = "deepseek"

    def chat(self, request: ChatRequest, *, deadline: float) -> ChatResponse:
        with self.lock:
            self.calls.append(request)
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            output = self.behave(request, deadline) if self.behave else None
            if output is None:
                output = "echo: " + request.messages[-1].content
            return ChatResponse(output=output, model=request.model, input_tokens=3, output_tokens=2,
                                finish_reason="stop", latency_ms=12)
        finally:
            with self.lock:
                self.active -= 1


class FakeRuns:
    def __init__(self) -> None:
        self.client = object()
        self.records: list[RunRecord] = []

    def put_run(self, record: RunRecord) -> None:
        self.records.append(record)


class FakeKeys:
    def __init__(self, configured: tuple[str, ...] = ("deepseek", "anthropic")) -> None:
        self.configured = configured

    def resolve_key(self, user_id: str, provider: str) -> ProviderCredentials:
        from promptbank.errors import ProviderNotConfigured

        if provider not in self.configured:
            raise ProviderNotConfigured(f"No API key configured for provider {provider}")
        return ProviderCredentials(provider=provider, api_key="sk-test", base_url=None, source="user")


class FakeLimiter:
    def __init__(self, refuse: bool = False) -> None:
        self.acquired = 0
        self.refuse = refuse

    def acquire(self, user_id: str) -> None:
        if self.refuse:
            raise RateLimited("AI request limit reached", retry_after=7)
        self.acquired += 1


class FakeDelivery(DeliveryService):
    """Serves one stored prompt document by ref (another ref is a 404, as the real one says it)."""

    def __init__(self, docs: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__(store=None)  # type: ignore[arg-type]
        self.docs = docs or {}

    def document(self, principal: Principal, ref: str, version: int | None, label: str | None) -> Any:
        from promptbank.errors import NotFound

        if ref not in self.docs:
            raise NotFound("Prompt not found")
        return self.docs[ref], label or "latest"


@pytest.fixture
def world() -> Any:
    def make(behave: Any = None, judge: Any = None, docs: Any = None, budget_s: float = 25.0,
             limiter: FakeLimiter | None = None, keys: FakeKeys | None = None) -> Any:
        case_provider, judge_provider = FakeProvider(behave), FakeProvider(judge, name="anthropic")
        runs = FakeRuns()
        limiter = limiter or FakeLimiter()

        def factory(name: str, **_: Any) -> FakeProvider:
            return judge_provider if name == "anthropic" else case_provider

        run_service = RunService(runs=runs, delivery=FakeDelivery(docs), keys=keys or FakeKeys(),  # type: ignore[arg-type]
                                 limiter=limiter, clock=lambda: datetime(2026, 12, 2, tzinfo=UTC),  # type: ignore[arg-type]
                                 provider_factory=factory)
        service = EvaluationService(run_service, budget_s=budget_s, record_margin_s=min(1.0, budget_s / 4))
        return type("World", (), {"service": service, "provider": case_provider, "judge": judge_provider,
                                  "runs": runs, "limiter": limiter})
    return make


def _evaluate(world: Any, body: dict[str, Any]) -> Any:
    return world.service.evaluate(PRINCIPAL, EvaluateIn.model_validate(body))


def _case(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "inputs": {"city": name}, **extra}


def test_cases_run_concurrently_and_each_is_a_recorded_run_with_its_verdict(world):
    # Given a provider that takes 0.2 s per call and six cases, two failing their check, at concurrency 3
    w = world(behave=lambda request, deadline: time.sleep(0.2))
    cases = [_case(f"c{i}", assertions=[{"type": "contains", "value": f"c{i}" if i < 4 else "nope"}])
             for i in range(6)]
    started = time.monotonic()
    # When they are evaluated
    evaluation = _evaluate(w, {"prompt": "Describe {{city}}", "concurrency": 3, "test_cases": cases})
    elapsed = time.monotonic() - started
    # Then three ran at a time (about 2 x 0.2 s, not 6 x 0.2 s), in request order in the results
    assert w.provider.peak == 3 and elapsed < 1.0
    assert [r.test_case_id for r in evaluation.results] == ["1", "2", "3", "4", "5", "6"]
    assert [r.passed for r in evaluation.results] == [True, True, True, True, False, False]
    assert evaluation.summary.pass_rate == round(4 / 6, 4) and evaluation.summary.passed_tests == 4
    # And every case is a run of source evaluate carrying its verdict and score; the AI limit was taken once
    assert sorted((r.source, r.passed, r.quality_score) for r in w.runs.records) == sorted(
        [("evaluate", True, 100.0)] * 4 + [("evaluate", False, 0.0)] * 2)
    assert w.limiter.acquired == 1


def test_a_failing_provider_fails_only_its_case(world):
    # Given a provider that fails on the second case's input
    def behave(request: ChatRequest, deadline: float) -> None:
        if "Rome" in request.messages[-1].content:
            raise ProviderError("The LLM provider failed", details=[{"status": 500, "message": "boom"}])

    w = world(behave=behave)
    # When three cases are evaluated
    evaluation = _evaluate(w, {"prompt": "Describe {{city}}", "test_cases": [
        _case("Paris", expected_output="paris"), _case("Rome", expected_output="rome"),
        _case("Oslo", expected_output="oslo")]})
    # Then the second failed with the provider's error; the others passed
    first, second, third = evaluation.results
    assert first.passed and third.passed
    assert not second.passed and second.quality_score is None
    assert second.error == "PROVIDER_ERROR: The LLM provider failed (provider status 500): boom"
    failed = [r for r in w.runs.records if r.status == "failed"]
    assert len(failed) == 1 and failed[0].passed is False and failed[0].error == second.error


def test_cases_not_done_by_the_deadline_come_back_as_timeouts(world):
    # Given a budget of 1.2 s and a provider that hangs on one case until its deadline, at concurrency 1
    def behave(request: ChatRequest, deadline: float) -> None:
        if "Slow" in request.messages[-1].content:
            time.sleep(max(0.0, deadline - time.monotonic()))
            raise ProviderTimeout("timed out")

    w = world(behave=behave, budget_s=1.2)
    cases = [_case("Fast", expected_output="fast"), _case("Slow", expected_output="slow"),
             _case("Never", expected_output="never")]
    started = time.monotonic()
    # When they are evaluated one at a time
    evaluation = _evaluate(w, {"prompt": "{{city}}", "concurrency": 1, "test_cases": cases})
    # Then the call ended within its budget; the slow case and the one that never started timed out
    assert time.monotonic() - started < 1.2
    assert [(r.passed, r.error) for r in evaluation.results] == [(True, None), (False, "timeout"), (False, "timeout")]
    # And all three are recorded as runs; the timed-out ones failed with "timeout"
    time.sleep(0.1)
    assert sorted((r.status, r.error, r.passed) for r in w.runs.records) == [
        ("failed", "timeout", False), ("failed", "timeout", False), ("succeeded", None, True)]


def test_the_judges_reply_scores_llm_rubric_and_the_judge_call_is_a_run(world):
    # Given a judge model (anthropic) that scores 85
    w = world(judge=lambda request, deadline: '```json\n{"score": 85, "reason": "Concise"}\n```')
    # When a case with a rubric (threshold 90) and one with the default threshold are evaluated
    evaluation = _evaluate(w, {"prompt": "Describe {{city}}", "judge_model": "claude-sonnet-4-5", "test_cases": [
        _case("Paris", rubric="One sentence"),
        _case("Rome", assertions=[{"type": "llm_rubric", "value": "One sentence", "threshold": 90},
                                  {"type": "contains", "value": "Rome", "weight": 3}])]})
    # Then the judge's score decides each rubric, and weights the quality score
    first, second = evaluation.results
    assert (first.passed, first.quality_score) == (True, 85.0)
    assert first.assertions[0].reason == "Judge score 85 >= threshold 70: Concise"
    assert (second.passed, second.quality_score) == (False, round((85 + 3 * 100) / 4, 2))
    # And the judge saw the rubric and the output, and its calls are runs without a verdict
    assert "<rubric>\nOne sentence\n</rubric>" in w.judge.calls[0].messages[-1].content
    judged = [r for r in w.runs.records if r.model == "claude-sonnet-4-5"]
    assert len(judged) == 2 and all(r.passed is None and r.source == "evaluate" for r in judged)


def test_a_stored_prompt_compiles_with_its_defaults_and_model_config(world):
    # Given a stored prompt with a default variable, a system prompt and a model config
    doc = {"prompt_id": "p1", "version": 3, "content": "Hi {{name}} from {{team}}", "system_prompt": "Be brief.",
           "owner_id": USER, "slug": "greet", "variables": {"team": "ops"},
           "model_config": {"model": "deepseek-chat", "temperature": 0.1}}
    w = world(docs={"greet": doc})
    # When it is evaluated by reference
    evaluation = _evaluate(w, {"prompt_ref": "greet", "test_cases": [{"inputs": {"name": "Ada"},
                                                                      "expected_output": "Ada from ops"}]})
    # Then the messages are the run's (system, then the compiled content) with the prompt's settings
    assert evaluation.results[0].passed
    request = w.provider.calls[0]
    assert [(m.role, m.content) for m in request.messages] == [("system", "Be brief."), ("user", "Hi Ada from ops")]
    assert request.temperature == 0.1
    assert (w.runs.records[0].prompt_id, w.runs.records[0].prompt_version) == ("p1", 3)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x", "prompt_ref": "y"}, "prompt"),
        ({}, "prompt"),
        ({"prompt": "Hello {{name"}, "prompt"),
        ({"prompt": "x", "version": 2}, "version"),
        ({"prompt": "x", "judge_model": "AAA"}, "judge_model"),  # checked even with no rubric to judge
        ({"prompt": "{{n|number}}", "test_cases": [{"inputs": {"n": "many"}}]}, "test_cases.0.inputs.n"),
    ],
)
def test_bad_input_is_refused_before_any_provider_call(world, body, field):
    # Given a body that cannot be evaluated
    w = world()
    payload = {"test_cases": [{"inputs": {}}], **body}
    # When it is evaluated / Then 400 on the field, with no provider called and the AI limit untouched
    with pytest.raises(ValidationFailed) as caught:
        _evaluate(w, payload)
    assert caught.value.details[0]["field"] == field
    assert w.provider.calls == [] and w.limiter.acquired == 0


def test_a_judge_without_a_key_is_refused_before_any_call(world):
    # Given a rubric judged by a provider the user has no key for
    w = world(keys=FakeKeys(configured=("deepseek",)))
    # When evaluated / Then PROVIDER_NOT_CONFIGURED, nothing called
    with pytest.raises(Exception, match="anthropic"):
        _evaluate(w, {"prompt": "x", "judge_model": "claude-sonnet-4-5",
                      "test_cases": [{"inputs": {}, "rubric": "Be kind"}]})
    assert w.provider.calls == []


def test_the_ai_limit_refuses_the_whole_evaluation(world):
    # Given a user at the AI limit
    w = world(limiter=FakeLimiter(refuse=True))
    # When evaluating / Then 429 and no provider call
    with pytest.raises(RateLimited):
        _evaluate(w, {"prompt": "x", "test_cases": [{"inputs": {}}]})
    assert w.provider.calls == []
