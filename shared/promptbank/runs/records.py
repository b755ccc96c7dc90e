"""Run records: the stored item of one provider call, and the API's `Run` and `RunResult` shapes of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from promptbank.runs.models import Run, RunResult
from promptbank.store.runs import RUN_FIELDS

Status = Literal["succeeded", "failed"]


@dataclass(frozen=True)
class RunRecord:
    """One provider call as recorded; `output` is the whole answer (its item keeps the first 10,000 chars:
    `store.runs.run_item`)."""

    user_id: str
    source: str
    model: str
    provider: str
    status: Status
    created_at: datetime
    latency_ms: int
    output: str | None = None
    error: str | None = None
    prompt_id: str | None = None
    prompt_version: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    finish_reason: str | None = None
    quality_score: float | None = None
    passed: bool | None = None
    id: str = ""

    def with_id(self) -> RunRecord:
        if self.id:
            return self
        return replace(self, id=str(uuid.uuid4()))

    def result(self) -> RunResult:
        """The API's `RunResult` (the whole output, not the stored prefix)."""
        return RunResult(
            run_id=self.id,
            output=self.output or "",
            model=self.model,
            provider=self.provider,
            prompt_id=self.prompt_id,
            prompt_version=self.prompt_version,
            latency_ms=self.latency_ms,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd,
            finish_reason=self.finish_reason,
        )


def run_view(item: dict[str, Any]) -> Run:
    """The API's `Run` from a stored item (absent attributes are null)."""
    return Run.model_validate({name: item.get(name) for name in RUN_FIELDS})
