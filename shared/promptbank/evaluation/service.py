"""POST /v1/evaluate: run a template or a stored prompt over 1-100 test cases, concurrently, within 25 s.

Everything that can be refused is refused before any provider is called: the body, exactly one of `prompt` and
`prompt_ref`, the template's syntax, the stored prompt (404 as the run route), every case's variables, the
models' routes and keys. Then the AI limit is taken once for the request, and the cases run on a thread pool of
`concurrency` workers, each through `RunService.attempt` (no AI limit per case) and recorded as a `Run` with
`source: "evaluate"`, `passed` and `quality_score`. One deadline is shared by every case: a case not done by it
comes back with `error: "timeout"`; a provider failure fails its case only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.errors import ProviderError, ProviderTimeout, ValidationFailed
from promptbank.evaluation.assertions import (
    JUDGED_TYPES,
    case_result,
    check,
    rubric_messages,
    score_rubric_reply,
    summary,
)
from promptbank.evaluation.models import Assertion, AssertionResult, CaseResult, EvaluateIn, Evaluation, TestCase
from promptbank.models import DEFAULT_MODEL, provider_for, route
from promptbank.providers import DEFAULT_DEADLINE_S, ChatMessage
from promptbank.runs.records import RunRecord
from promptbank.runs.service import DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, Call, RunService, error_text

TIMEOUT = "timeout"
#: Of the 25 s, what is kept after the cases' deadline to record the runs of the cases that never started and
#: to answer; the cases (provider calls, judges, regex searches) share the rest.
RECORD_MARGIN_S = 1.0
JUDGE_TEMPERATURE = 0.0
JUDGE_MAX_TOKENS = 1024


@dataclass(frozen=True)
class _Plan:
    """What every case shares, and each case's compiled messages (all checked before any provider call)."""

    model: str
    judge_model: str
    settings: dict[str, Any]
    prompt_id: str | None
    prompt_version: int | None
    cases: list[TestCase]
    messages: list[list[ChatMessage]]
    prompt_texts: list[str]
    #: cases that cannot run (their inputs don't compile against this version), with the reason
    unrunnable: dict[int, str]


class _Board:
    """Where workers post finished cases until the deadline closes it; a case posted after that timed out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed = False
        self.results: dict[int, CaseResult] = {}

    def post(self, index: int, result: CaseResult) -> bool:
        with self.lock:
            if self.closed:
                return False
            self.results[index] = result
            return True

    def close(self) -> dict[int, CaseResult]:
        with self.lock:
            self.closed = True
            return dict(self.results)


class EvaluationService:
    def __init__(
        self,
        runs: RunService | None = None,
        *,
        budget_s: float = DEFAULT_DEADLINE_S,
        record_margin_s: float = RECORD_MARGIN_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runs = runs or RunService()
        self.budget_s = budget_s
        self.record_margin_s = record_margin_s
        self.monotonic = monotonic

    def evaluate(self, principal: Principal, data: EvaluateIn) -> Evaluation:
        hard_deadline = self.monotonic() + self.budget_s
        principal.require_write()
        plan = self._plan(principal, data)
        self.check_providers(principal, plan)
        self.runs.limiter.acquire(principal.user_id)  # once for the request; its cases do not count
        _ = self.runs.runs.client  # made here, not raced for by the workers
        results = self._run_all(principal, plan, data.concurrency, hard_deadline - self.record_margin_s, hard_deadline)
        return Evaluation(results=results, summary=summary(results))

    # validation ------------------------------------------------------------------------------------------
    def _plan(self, principal: Principal, data: EvaluateIn) -> _Plan:
        from promptbank.templates import parse

        if (data.prompt is None) == (data.prompt_ref is None):
            raise ValidationFailed(
                "Give exactly one of prompt (a template text) and prompt_ref (a stored prompt)",
                details=[{"field": "prompt", "message": "Give exactly one of prompt and prompt_ref"}],
            )
        if data.prompt is not None and (data.version is not None or data.label is not None):
            field = "version" if data.version is not None else "label"
            raise ValidationFailed.field(field, "Only with prompt_ref")
        if data.system_prompt:
            parse(data.system_prompt, "system_prompt")
        if data.prompt is not None:
            parse(data.prompt, "prompt")
            doc: dict[str, Any] = {
                "content": data.prompt,
                "system_prompt": data.system_prompt,
                "owner_id": principal.user_id,  # includes resolve among the caller's prompts, at latest
                "slug": None,
                "variables": {},
            }
            label: str | None = None
        else:
            assert data.prompt_ref is not None
            doc, label = self.runs.delivery.document(principal, data.prompt_ref, data.version, data.label)
            if data.system_prompt is not None:  # tried against the stored content in place of its own
                doc = {**doc, "system_prompt": data.system_prompt}
        return self.compile_plan(doc, label, data.test_cases, data.model, data.judge_model, strict=True)

    def compile_plan(
        self,
        doc: dict[str, Any],
        label: str | None,
        cases: list[TestCase],
        model: str | None,
        judge_model: str | None,
        *,
        strict: bool,
    ) -> _Plan:
        """Every case's messages from the prompt document. `strict` (evaluate): a case whose inputs don't compile
        is a 400 naming all of them; otherwise (a suite run) that case alone fails with the reason, unrun."""
        from promptbank.runs.prompting import assemble_messages

        config: dict[str, Any] = doc.get("model_config") or {}
        model = model or config.get("model") or DEFAULT_MODEL
        messages: list[list[ChatMessage]] = []
        texts: list[str] = []
        problems: list[dict[str, Any]] = []
        unrunnable: dict[int, str] = {}
        for index, case in enumerate(cases):
            try:
                rendered = self.runs.delivery.render(doc, label, case.inputs)
            except ValidationFailed as err:
                if strict and not all(str(d.get("field") or "").startswith("variables") for d in err.details or []):
                    raise  # the template itself (an include), not this case's values
                problems.extend(_case_details(index, err))
                unrunnable[index] = err.message
                messages.append([])
                texts.append("")
                continue
            system, content = rendered.text_by_part[1], rendered.text_by_part[0] or ""
            messages.append(assemble_messages(system, content, None))
            texts.append(content)
        if problems and strict:
            raise ValidationFailed(f"{problems[0]['field']}: {problems[0]['message']}", details=problems)
        return _Plan(
            model=model,
            judge_model=judge_model or model,
            settings={
                "temperature": config.get("temperature", DEFAULT_TEMPERATURE),
                "max_tokens": config.get("max_tokens", DEFAULT_MAX_TOKENS),
                "top_p": config.get("top_p"),
                "stop": config.get("stop") or None,
            },
            prompt_id=doc.get("prompt_id"),
            prompt_version=doc.get("version"),
            cases=list(cases),
            messages=messages,
            prompt_texts=texts,
            unrunnable=unrunnable,
        )

    def check_providers(self, principal: Principal, plan: _Plan) -> None:
        """The models route and have keys (400 otherwise), before the limit is taken or a provider called."""
        provider = provider_for(plan.model, "model")
        judge_provider = provider_for(plan.judge_model, "judge_model")  # a judge_model must route even if unused
        self.runs.keys.resolve_key(principal.user_id, provider)
        judged = any(a.type in JUDGED_TYPES for case in plan.cases for a in case.checks())
        if judged and judge_provider != provider:
            self.runs.keys.resolve_key(principal.user_id, judge_provider)

    # running ---------------------------------------------------------------------------------------------
    def run_plan(
        self, principal: Principal, plan: _Plan, concurrency: int, deadline: float, hard_deadline: float
    ) -> list[CaseResult]:
        """Every case of `plan`, `concurrency` at a time; a case not done by `deadline` (monotonic) timed out."""
        return self._run_all(principal, plan, concurrency, deadline, hard_deadline)

    def _run_all(
        self, principal: Principal, plan: _Plan, concurrency: int, deadline: float, hard_deadline: float
    ) -> list[CaseResult]:
        board = _Board()
        pool = ThreadPoolExecutor(max_workers=min(concurrency, len(plan.cases)), thread_name_prefix="evaluate")
        futures: list[Future[None]] = [
            pool.submit(self._case, principal, plan, index, deadline, board) for index in range(len(plan.cases))
        ]
        wait(futures, timeout=max(0.0, deadline - self.monotonic()))
        posted = board.close()
        never_started = [index for index, future in enumerate(futures) if future.cancel()]
        pool.shutdown(wait=False, cancel_futures=True)
        for _ in never_started:
            self._record(self._timeout_record(principal, plan))
        # Posted cases are writing their run: let them finish (a put takes milliseconds). Cases still running
        # end by the same deadline and record themselves as timed out.
        wait([futures[index] for index in posted], timeout=max(0.0, hard_deadline - self.monotonic()))
        return [posted.get(index) or self._timed_out(plan, index, latency_ms=None) for index in range(len(plan.cases))]

    def _case(self, principal: Principal, plan: _Plan, index: int, deadline: float, board: _Board) -> None:
        case = plan.cases[index]
        if index in plan.unrunnable:  # nothing was sent anywhere: no run to record
            board.post(
                index,
                case_result(
                    test_case_id=case.case_id(index + 1),
                    name=case.name,
                    output=None,
                    latency_ms=None,
                    cost_usd=None,
                    error=plan.unrunnable[index],
                ),
            )
            return
        if self.monotonic() >= deadline:
            record = self._timeout_record(principal, plan)
            result = self._timed_out(plan, index, latency_ms=None)
        else:
            call = Call(
                source="evaluate",
                model=plan.model,
                messages=plan.messages[index],
                prompt_id=plan.prompt_id,
                prompt_version=plan.prompt_version,
                **plan.settings,
            )
            record, failure = self.runs.attempt(principal, call, deadline=deadline, count_against_limit=False)
            if failure is not None:
                error = TIMEOUT if self._timed_out_by(failure, deadline) else error_text(failure)
                result = _failed(case, index, record, error)
            else:
                result = self._checked(principal, plan, index, record, deadline)
        if not board.post(index, result):  # the deadline closed the board while this case ran
            result = self._timed_out(plan, index, latency_ms=record.latency_ms)
        self._record(
            replace(
                record,
                status="failed" if result.error else record.status,
                error=result.error,
                passed=result.passed,
                quality_score=result.quality_score,
            )
        )

    def _checked(self, principal: Principal, plan: _Plan, index: int, record: RunRecord, deadline: float) -> CaseResult:
        case, output = plan.cases[index], record.output or ""
        checked: list[tuple[Assertion, AssertionResult]] = []
        for assertion in case.checks():
            if self.monotonic() >= deadline:  # the checks count against the same deadline
                return _failed(case, index, record, TIMEOUT)
            if assertion.type in JUDGED_TYPES:
                judged = self._judge(principal, plan, index, assertion, output, deadline)
                if isinstance(judged, str):
                    return _failed(case, index, record, judged)
                checked.append((assertion, judged))
            else:
                checked.append((assertion, check(assertion, output, record.latency_ms, record.cost_usd)))
        return _result(case, index, record, checked=checked)

    def _judge(
        self, principal: Principal, plan: _Plan, index: int, assertion: Assertion, output: str, deadline: float
    ) -> AssertionResult | str:
        """The judge's verdict, or the case's error when the judge could not be asked. The judge's call is a run
        of its own (`source: "evaluate"`, no verdict): it reached a provider and costs money."""
        call = Call(
            source="evaluate",
            model=plan.judge_model,
            messages=rubric_messages(assertion, output, plan.prompt_texts[index]),
            temperature=JUDGE_TEMPERATURE,
            max_tokens=JUDGE_MAX_TOKENS,
        )
        record, failure = self.runs.attempt(principal, call, deadline=deadline, count_against_limit=False)
        self._record(record)
        if failure is not None:
            return TIMEOUT if self._timed_out_by(failure, deadline) else f"judge: {error_text(failure)}"
        return score_rubric_reply(assertion, record.output or "")

    # helpers ---------------------------------------------------------------------------------------------
    def _timed_out_by(self, failure: ProviderError | ProviderTimeout, deadline: float) -> bool:
        """A timeout that ran into the evaluation's deadline (not the provider's own slowness on one attempt)."""
        return isinstance(failure, ProviderTimeout) and self.monotonic() >= deadline - 0.1

    def _timed_out(self, plan: _Plan, index: int, *, latency_ms: int | None) -> CaseResult:
        case = plan.cases[index]
        return case_result(
            test_case_id=case.case_id(index + 1),
            name=case.name,
            output=None,
            latency_ms=latency_ms,
            cost_usd=None,
            error=TIMEOUT,
        )

    def _timeout_record(self, principal: Principal, plan: _Plan) -> RunRecord:
        """The run of a case that never reached its provider before the deadline."""
        return RunRecord(
            user_id=principal.user_id,
            source="evaluate",
            model=plan.model,
            provider=route(plan.model)[0],
            status="failed",
            created_at=self.runs.clock(),
            latency_ms=0,
            error=TIMEOUT,
            prompt_id=plan.prompt_id,
            prompt_version=plan.prompt_version,
            passed=False,
        ).with_id()

    def _record(self, record: RunRecord) -> None:
        self.runs.runs.put_run(record)


def _failed(case: TestCase, index: int, record: RunRecord, error: str) -> CaseResult:
    return _result(case, index, record, error=error)


def _result(case: TestCase, index: int, record: RunRecord, **outcome: Any) -> CaseResult:
    """The case's result from its provider call's record, with `checked` assertions or an `error`."""
    return case_result(
        test_case_id=case.case_id(index + 1),
        name=case.name,
        output=record.output,
        latency_ms=record.latency_ms,
        cost_usd=record.cost_usd,
        **outcome,
    )


def _case_details(index: int, err: ValidationFailed) -> list[dict[str, Any]]:
    """A case's compile errors on its own fields: `variables.<name>` becomes `test_cases.<i>.inputs.<name>`."""
    details = err.details or [{"field": "", "message": err.message}]
    moved = []
    for detail in details:
        field = str(detail.get("field") or "")
        if field.startswith("variables."):
            field = f"test_cases.{index}.inputs.{field.removeprefix('variables.')}"
        elif field in ("", "variables"):
            field = f"test_cases.{index}.inputs"
        moved.append({**detail, "field": field})
    return moved
