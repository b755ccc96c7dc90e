"""Saved evaluation suites (API.md §6): create, read, change and delete them, start runs, read runs and the trend.

A run is an item first: `new_run` builds it (status `queued`, its id derived from its trigger so that a retried
trigger finds the run it made instead of making a second one) and the table's stream enqueues its chunks
(`promptbank.evaluation.suite_runs`). Only the owner of a suite sees it or its runs; anyone else gets 404.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.clock import epoch, iso, now
from promptbank.cursor import decode_cursor, encode_cursor
from promptbank.errors import NotFound
from promptbank.evaluation.models import CaseResult, EvaluationSummary, TestCase
from promptbank.evaluation.suite_models import (
    EvalRun,
    EvalRunOverview,
    LastRun,
    Suite,
    SuiteCreate,
    SuiteSummary,
    SuiteUpdate,
)
from promptbank.models import DEFAULT_MODEL
from promptbank.outputs import Page
from promptbank.prompts.models import UUID_RE
from promptbank.store.evals import RUN_TTL_S, EvalRunStore, SuiteStore
from promptbank.store.prompts import PromptStore

#: Cases per chunk: one worker invocation runs a chunk, `CHUNK_CONCURRENCY` at a time. 50 cases of two calls (the
#: case and a judge) of at most 25 s each take at most 250 s at 10 at a time: well inside the worker's timeout.
CHUNK_CASES = 50
CHUNK_CONCURRENCY = 10
#: The namespace of run ids derived from their trigger (uuid5): the same trigger always names the same run.
RUN_NAMESPACE = uuid.UUID("0b7e3c52-96a2-4f4e-8d2c-5f0d7c1a9e31")
MAX_RESULTS_PAGE = 100


def run_id_for(suite_id: str, trigger: str, key: str) -> str:
    """The run a trigger makes: a schedule's due time, or a publish's prompt revision, names one run."""
    return str(uuid.uuid5(RUN_NAMESPACE, f"{suite_id}:{trigger}:{key}"))


def next_run_at(schedule: str | None, tz: str, after: datetime, anchor: datetime) -> str | None:
    """The first due time of `schedule` after `after` (a rate counts from `anchor`), or None."""
    if not schedule:
        return None
    from promptbank.schedules import parse_schedule

    due = parse_schedule(schedule).next_after(after, tz, anchor=anchor)
    return iso(due) if due else None


def _not_found() -> NotFound:
    return NotFound("Suite not found")


class SuiteService:
    def __init__(
        self,
        store: SuiteStore | None = None,
        runs: EvalRunStore | None = None,
        prompts: PromptStore | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store or SuiteStore()
        self.runs = runs or EvalRunStore(self.store._client, self.store.table_name)
        self.prompts = prompts or PromptStore(self.store._client, self.store.table_name)
        self.clock = clock

    # suites ----------------------------------------------------------------------------------------------
    def create(self, principal: Principal, data: SuiteCreate) -> Suite:
        principal.require_write()
        prompt_id = self._own_prompt(principal, data.prompt_ref)
        _check_models(data.model, data.judge_model)
        moment = self.clock()
        suite: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "owner_id": principal.user_id,
            "name": data.name,
            "prompt_id": prompt_id,
            "label": data.label,
            "model": data.model,
            "judge_model": data.judge_model,
            "schedule": data.schedule,
            "schedule_timezone": data.schedule_timezone,
            "run_on_publish": data.run_on_publish,
            "min_pass_rate": data.min_pass_rate,
            "test_case_count": len(data.test_cases),
            "schedule_anchor": iso(moment),
            "created_at": iso(moment),
            "updated_at": iso(moment),
        }
        suite["next_run_at"] = next_run_at(data.schedule, data.schedule_timezone, moment, moment)
        cases = _dump_cases(data.test_cases)
        stored = self.store.create_suite(suite, cases)
        return _suite_view(stored, cases)

    def get(self, principal: Principal, suite_id: str) -> Suite:
        suite = self.suite_for(principal, suite_id)
        return _suite_view(suite, self.store.cases(suite["id"], int(suite["cases_rev"])))

    def list(self, principal: Principal, limit: int, cursor: str | None) -> Page[SuiteSummary]:
        scope = f"eval-suites:{principal.user_id}"
        items, last = self.store.suites_page(principal.user_id, limit=limit, start_key=decode_cursor(cursor, scope))
        return Page[SuiteSummary](data=[_summary_view(i) for i in items], next_cursor=encode_cursor(last, scope))

    def update(self, principal: Principal, suite_id: str, data: SuiteUpdate) -> Suite:
        principal.require_write()
        before = self.suite_for(principal, suite_id, consistent=True)
        given = data.model_fields_set
        _check_models(data.model if "model" in given else None, data.judge_model if "judge_model" in given else None)
        moment = self.clock()
        after = dict(before)
        for field in ("name", "label", "model", "judge_model", "schedule", "schedule_timezone", "run_on_publish"):
            if field in given:
                after[field] = getattr(data, field)
        if "min_pass_rate" in given:
            after["min_pass_rate"] = data.min_pass_rate
        cases = _dump_cases(data.test_cases) if data.test_cases is not None else None
        if cases is not None:
            after["test_case_count"] = len(cases)
        if {"schedule", "schedule_timezone"} & given:
            # A changed schedule counts from now: its next due time is the first one from here on.
            after["next_run_at"] = next_run_at(after.get("schedule"), after["schedule_timezone"], moment, moment)
            after["schedule_anchor"] = iso(moment)
        after["updated_at"] = iso(moment)
        stored = self.store.replace_suite(before, after, cases, now_epoch=epoch(moment))
        return _suite_view(stored, cases if cases is not None else self.store.cases(suite_id, int(stored["cases_rev"])))

    def delete(self, principal: Principal, suite_id: str) -> None:
        principal.require_write()
        suite = self.suite_for(principal, suite_id, consistent=True)
        self.store.delete_suite(suite, now_epoch=epoch(self.clock()))

    def suite_for(self, principal: Principal, suite_id: str, *, consistent: bool = False) -> dict[str, Any]:
        suite = self.store.get_suite(suite_id, consistent=consistent) if UUID_RE.fullmatch(suite_id) else None
        if suite is None or suite["owner_id"] != principal.user_id:
            raise _not_found()
        return suite

    def _own_prompt(self, principal: Principal, ref: str) -> str:
        from promptbank.prompts.service import PromptService

        meta = PromptService(self.prompts).meta_for(principal, ref)
        if meta["owner_id"] != principal.user_id:  # another user's public prompt: not theirs to test on a schedule
            raise NotFound("Prompt not found")
        return str(meta["id"])

    # runs ------------------------------------------------------------------------------------------------
    @functools.cached_property
    def run_service(self) -> Any:
        """The provider keys and the AI limit (made on first use: only the start-run route needs them)."""
        from promptbank.runs.service import RunService

        return RunService()

    def new_run(self, suite: dict[str, Any], trigger: str, run_id: str, version: int | None = None) -> dict[str, Any]:
        """A run of `suite` (not yet stored): `queued` at the version its label points to now (or `version`), or
        `failed` with the reason when the prompt, the label or the version is gone."""
        moment = iso(self.clock())
        run: dict[str, Any] = {
            "id": run_id,
            "suite_id": suite["id"],
            "owner_id": suite["owner_id"],
            "status": "queued",
            "trigger": trigger,
            "prompt_id": suite["prompt_id"],
            "label": suite["label"],
            "model": suite.get("model"),
            "judge_model": suite.get("judge_model"),
            "min_pass_rate": suite.get("min_pass_rate"),
            "cases_rev": int(suite["cases_rev"]),
            "total_cases": int(suite["test_case_count"]),
            "chunks": math.ceil(int(suite["test_case_count"]) / CHUNK_CASES),
            "chunk_cases": CHUNK_CASES,
            "chunks_done": 0,
            "done_cases": 0,
            "created_at": moment,
            "ttl": epoch(self.clock()) + RUN_TTL_S,
        }
        if version is None:  # the label's version now; else that version, if it still exists
            found = self.prompts.label_by_id(suite["prompt_id"], suite["label"])
        else:
            found = self.prompts.get_version(suite["prompt_id"], version)
        version = int(found["version"]) if found else None
        config = (found or {}).get("model_config") or {}
        run["prompt_version"] = version
        run["model"] = suite.get("model") or config.get("model") or DEFAULT_MODEL
        if version is None:
            run |= {
                "status": "failed",
                "error": f"The prompt has no version labelled '{suite['label']}' (or it was deleted)",
                "finished_at": moment,
            }
        return run

    def start_run(self, principal: Principal, suite_id: str) -> EvalRun:
        """`POST /v1/eval-suites/{id}/runs`: a queued run at the label's current version (404 when there is none);
        the provider keys it needs are checked now (400), and it counts once against the AI limit."""
        principal.require_write()
        suite = self.suite_for(principal, suite_id, consistent=True)
        run = self.new_run(suite, "manual", str(uuid.uuid4()))
        if run["status"] == "failed":
            raise NotFound(f"The suite's prompt has no version labelled '{suite['label']}'")
        runs = self.run_service
        _check_keys(runs, principal, run)
        runs.limiter.acquire(principal.user_id)
        self.runs.put_run(run)
        return _run_view(run, [], None)

    def list_runs(self, principal: Principal, suite_id: str, limit: int, cursor: str | None) -> Page[EvalRunOverview]:
        suite = self.suite_for(principal, suite_id)
        scope = f"eval-runs:{suite['id']}"
        items, last = self.runs.runs_page(suite["id"], limit=limit, start_key=decode_cursor(cursor, scope))
        return Page[EvalRunOverview](data=[_overview(item) for item in items], next_cursor=encode_cursor(last, scope))

    def get_run(self, principal: Principal, run_id: str, limit: int, cursor: str | None) -> EvalRun:
        run = self.runs.get_run(run_id) if UUID_RE.fullmatch(run_id) else None
        if run is None or run["owner_id"] != principal.user_id:
            raise NotFound("Evaluation run not found")
        scope = f"eval-run-results:{run_id}"
        items, last = self.runs.results_page(run_id, limit=limit, start_key=decode_cursor(cursor, scope))
        results = [_stored_result(item["result"]) for item in items]
        return _run_view(run, results, encode_cursor(last, scope))


def _stored_result(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored case result as `CaseResult` shows it (the store drops null attributes)."""
    return {field: stored.get(field) for field in CaseResult.model_fields}


def _check_keys(runs: Any, principal: Principal, run: dict[str, Any]) -> None:
    from promptbank.models import route

    providers = {route(run["model"])[0]}
    if run.get("judge_model"):
        providers.add(route(run["judge_model"])[0])
    for provider in sorted(providers):
        runs.keys.resolve_key(principal.user_id, provider)


def _check_models(model: str | None, judge_model: str | None) -> None:
    """Both models route to a known provider (400 naming the field otherwise)."""
    from promptbank.models import provider_for

    for field, value in (("model", model), ("judge_model", judge_model)):
        if value is not None:
            provider_for(value, field)


def _dump_cases(cases: list[TestCase]) -> list[dict[str, Any]]:
    return [case.model_dump(mode="json", exclude_none=True) for case in cases]


def _last_run(suite: dict[str, Any]) -> LastRun | None:
    last = suite.get("last_run")
    return LastRun.model_validate(last) if last else None


def _summary_fields(suite: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": suite["id"],
        "name": suite["name"],
        "prompt_id": suite["prompt_id"],
        "label": suite["label"],
        "model": suite.get("model"),
        "judge_model": suite.get("judge_model"),
        "test_case_count": int(suite["test_case_count"]),
        "schedule": suite.get("schedule"),
        "schedule_timezone": suite.get("schedule_timezone") or "UTC",
        "run_on_publish": bool(suite.get("run_on_publish")),
        "min_pass_rate": suite.get("min_pass_rate"),
        "next_run_at": suite.get("next_run_at"),
        "last_run": _last_run(suite),
        "created_at": suite["created_at"],
        "updated_at": suite["updated_at"],
    }


def _summary_view(suite: dict[str, Any]) -> SuiteSummary:
    return SuiteSummary(**_summary_fields(suite))


def _suite_view(suite: dict[str, Any], cases: list[dict[str, Any]]) -> Suite:
    return Suite(**_summary_fields(suite), test_cases=[TestCase.model_validate(case) for case in cases])


def run_summary(run: dict[str, Any]) -> EvaluationSummary:
    """The `summary` of a finished run, from the counters its chunks added."""
    total = int(run.get("done_cases") or 0)
    passed = int(run.get("passed_cases") or 0)
    latency_n, quality_n = int(run.get("latency_n") or 0), int(run.get("quality_n") or 0)
    return EvaluationSummary(
        total_tests=total,
        passed_tests=passed,
        pass_rate=round(passed / total, 4) if total else 0.0,
        avg_latency_ms=round(float(run.get("latency_sum") or 0) / latency_n, 1) if latency_n else None,
        avg_quality_score=round(float(run.get("quality_sum") or 0) / quality_n, 2) if quality_n else None,
        total_cost_usd=round(float(run.get("cost_sum") or 0), 8),
    )


def _overview_fields(run: dict[str, Any]) -> dict[str, Any]:
    summary = run.get("summary")
    return {
        "id": run["id"],
        "suite_id": run["suite_id"],
        "status": run["status"],
        "trigger": run["trigger"],
        "prompt_id": run["prompt_id"],
        "prompt_version": run.get("prompt_version"),
        "label": run["label"],
        "model": run.get("model"),
        "total_cases": int(run.get("total_cases") or 0),
        "done_cases": int(run.get("done_cases") or 0),
        # The store drops null attributes (an average over no case): put them back as the shape has them.
        "summary": EvaluationSummary(**{f: summary.get(f) for f in EvaluationSummary.model_fields})
        if summary
        else None,
        "regressed": run.get("regressed"),
        "error": run.get("error"),
        "created_at": run["created_at"],
        "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"),
    }


def _overview(run: dict[str, Any]) -> EvalRunOverview:
    return EvalRunOverview(**_overview_fields(run))


def _run_view(run: dict[str, Any], results: list[dict[str, Any]], next_cursor: str | None) -> EvalRun:
    return EvalRun(**_overview_fields(run), results=results, next_cursor=next_cursor)  # type: ignore[arg-type]
