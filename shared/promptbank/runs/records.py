"""Run records: the stored item of one provider call, and the API's `Run` and `RunResult` shapes of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from promptbank.clock import epoch, iso
from promptbank.runs.models import Run, RunResult
from promptbank.store.runs import RUN_SK, prompt_runs_pk, run_pk, user_runs_pk

RUN_TTL = timedelta(days=90)
OUTPUT_CHARS = 10_000
ERROR_CHARS = 2_000

Status = Literal["succeeded", "failed"]

RUN_FIELDS = (
    "id",
    "source",
    "prompt_id",
    "prompt_version",
    "model",
    "provider",
    "status",
    "output",
    "error",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "finish_reason",
    "quality_score",
    "passed",
    "created_at",
)


@dataclass(frozen=True)
class RunRecord:
    """One provider call as recorded; `output` is the whole answer (the item keeps its first 10,000 chars)."""

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

    def item(self) -> dict[str, Any]:
        created = iso(self.created_at)
        # Microseconds in the sort key keep runs of one millisecond in order; the id makes it unique.
        order = self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + f"#{self.id}"
        item: dict[str, Any] = {
            "pk": run_pk(self.id),
            "sk": RUN_SK,
            "kind": "run",
            "user_id": self.user_id,
            "gsi1pk": user_runs_pk(self.user_id),
            "gsi1sk": order,
            "ttl": epoch(self.created_at + RUN_TTL),
            **{name: getattr(self, name) for name in RUN_FIELDS if name != "created_at"},
            "created_at": created,
        }
        item["output"] = self.output[:OUTPUT_CHARS] if self.output is not None else None
        item["error"] = self.error[:ERROR_CHARS] if self.error is not None else None
        if self.prompt_id:
            item["gsi2pk"] = prompt_runs_pk(self.user_id, self.prompt_id)
            item["gsi2sk"] = order
        return item

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
