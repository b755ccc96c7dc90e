"""Request and response models of saved suites and their runs (API.md §6): `Suite`, `EvalRun` and their inputs.

A suite's `schedule` is checked with the dispatcher's own parser (`promptbank.schedules`) and its time zone
against the IANA database, so what is saved is what will run; the cases are `TestCase`s of `POST /v1/evaluate`,
checked the same way (regexes compile, schemas are valid) before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from promptbank.evaluation.models import CaseResult, EvaluationSummary, TestCase
from promptbank.inputs import StrictInput
from promptbank.outputs import Output
from promptbank.prompts.models import Label
from promptbank.runs.models import ModelId

MAX_SUITE_CASES = 1_000
MAX_NAME = 200
ScheduleExpression = Annotated[
    str, Field(min_length=1, max_length=256, examples=["rate(1 day)", "cron(0 9 ? * MON-FRI *)"])
]
TimeZone = Annotated[str, Field(min_length=1, max_length=64, examples=["UTC", "Europe/Paris"])]
PassRate = Annotated[float, Field(ge=0, le=1)]
Trigger = Literal["manual", "schedule", "publish"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]


def _schedule(value: str | None) -> str | None:
    if value is None:
        return value
    from promptbank.schedules import parse_schedule

    try:
        parse_schedule(value)
    except ValueError as err:
        raise ValueError(str(err).removeprefix("schedule: ")) from None
    return value


def _zone(value: str | None) -> str | None:
    if value is None:
        return value
    from promptbank.schedules import time_zone

    try:
        time_zone(value)
    except ValueError:
        raise ValueError(f"{value[:64]!r} is not an IANA time zone (such as 'UTC' or 'Europe/Paris')") from None
    return value


class SuiteCreate(StrictInput):
    """`POST /v1/eval-suites`: a prompt of yours (`prompt_ref`: id or slug) and 1-1,000 cases to run it over."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    prompt_ref: Annotated[str, Field(min_length=1, max_length=200)]
    label: Label = "production"
    model: ModelId | None = None
    judge_model: ModelId | None = None
    test_cases: Annotated[list[TestCase], Field(min_length=1, max_length=MAX_SUITE_CASES)]
    schedule: ScheduleExpression | None = None
    schedule_timezone: TimeZone = "UTC"
    run_on_publish: bool = False
    min_pass_rate: PassRate | None = None

    _check_schedule = field_validator("schedule")(_schedule)
    _check_zone = field_validator("schedule_timezone")(_zone)


class SuiteUpdate(StrictInput):
    """`PATCH /v1/eval-suites/{id}`: the fields given replace the suite's; `null` clears `model`, `judge_model`,
    `schedule` and `min_pass_rate`. The prompt of a suite does not change (make another suite)."""

    # Absent means "unchanged"; null is refused for what cannot be cleared, so the schema doesn't offer it.
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)] = None  # type: ignore[assignment]
    label: Label = None  # type: ignore[assignment]
    model: ModelId | None = None
    judge_model: ModelId | None = None
    test_cases: Annotated[list[TestCase], Field(min_length=1, max_length=MAX_SUITE_CASES)] = None  # type: ignore[assignment]
    schedule: ScheduleExpression | None = None
    schedule_timezone: TimeZone = None  # type: ignore[assignment]
    run_on_publish: bool = None  # type: ignore[assignment]
    min_pass_rate: PassRate | None = None

    @field_validator("name", "label", "test_cases", "schedule_timezone", "run_on_publish", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Cannot be null")
        return value

    _check_schedule = field_validator("schedule")(_schedule)
    _check_zone = field_validator("schedule_timezone")(_zone)


class LastRun(Output):
    """The suite's newest finished run, in brief."""

    id: str
    status: RunStatus
    pass_rate: float | None
    regressed: bool | None
    created_at: str


class SuiteSummary(Output):
    """A suite without its cases (the list's items): `test_case_count` says how many it has."""

    id: str
    name: str
    prompt_id: str
    label: str
    model: str | None
    judge_model: str | None
    test_case_count: int
    schedule: str | None
    schedule_timezone: str
    run_on_publish: bool
    min_pass_rate: float | None
    next_run_at: str | None
    last_run: LastRun | None
    created_at: str
    updated_at: str


class Suite(SuiteSummary):
    """A saved suite: its prompt, cases, schedule and its latest run. `next_run_at` is null without a schedule."""

    test_cases: list[TestCase]


class EvalRunOverview(Output):
    """A suite run without its case results (the trend's items). `summary` and `regressed` are null until the run
    has finished; `done_cases` of `total_cases` says how far a running one is; `error` says why a run failed
    as a whole (its prompt or label is gone, no provider key), null otherwise."""

    id: str
    suite_id: str
    status: RunStatus
    trigger: Trigger
    prompt_id: str
    prompt_version: int | None
    label: str
    model: str | None
    total_cases: int
    done_cases: int
    summary: EvaluationSummary | None
    regressed: bool | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class EvalRun(EvalRunOverview):
    """A suite run with one page of its case results, in the suite's order; `next_cursor` pages on."""

    results: list[CaseResult]
    next_cursor: str | None
