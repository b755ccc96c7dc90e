"""Runs and their stats aggregates on the single table (keys in docs/data-model.md, "Runs").

- run: `RUN#<run_id>`/`RUN` (one GetItem by id); `gsi1` `RUNS#<user>` / `<created_at>#<run_id>` (a user's runs
  by time); `gsi2` `RUNS#<user>#P#<prompt_id>` / the same (a user's runs of one prompt by time). TTL 90 days.
- aggregate: `STATS#<user>` (all runs) or `STATS#<user>#P#<prompt_id>` / `D#<yyyy-mm-dd>#M#<model>`, numbers
  only, updated with ADD by the stream processor.
- counted marker: `RUNSTAT#<run_id>`/`RUNSTAT`, put in the same transaction as the aggregate updates under
  `attribute_not_exists`, so a redelivered stream record is counted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptbank.clock import epoch, iso
from promptbank.errors import Conflict
from promptbank.store.base import TableStore, TransactOp, resume_key

if TYPE_CHECKING:
    from promptbank.runs.records import RunRecord

RUN_SK = "RUN"
RUN_PK_PREFIX = "RUN#"
MARKER_SK = "RUNSTAT"
#: Longer than a stream record can live (24 h) plus every retry of it.
MARKER_TTL_S = 7 * 24 * 3600
INDEX_KEYS = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk")}
RUN_TTL = timedelta(days=90)
OUTPUT_CHARS = 10_000
ERROR_CHARS = 2_000
#: The attributes of a run item that the API's `Run` shows, in its order.
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


def run_pk(run_id: str) -> str:
    return f"{RUN_PK_PREFIX}{run_id}"


def user_runs_pk(user_id: str) -> str:
    return f"RUNS#{user_id}"


def prompt_runs_pk(user_id: str, prompt_id: str) -> str:
    return f"RUNS#{user_id}#P#{prompt_id}"


def stats_pk(user_id: str, prompt_id: str | None = None) -> str:
    return f"STATS#{user_id}" if prompt_id is None else f"STATS#{user_id}#P#{prompt_id}"


def stats_sk(day: str, model: str) -> str:
    return f"D#{day}#M#{model}"


def marker_pk(run_id: str) -> str:
    return f"RUNSTAT#{run_id}"


def run_item(record: RunRecord) -> dict[str, Any]:
    """The item of a run: keyed by id and, in time order, in the user's (gsi1) and the prompt's (gsi2) index;
    `output` cut to OUTPUT_CHARS and `error` to ERROR_CHARS; expires RUN_TTL after it was made."""
    # Microseconds in the sort key keep runs of one millisecond in order; the id makes it unique.
    order = record.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + f"#{record.id}"
    item: dict[str, Any] = {
        "pk": run_pk(record.id),
        "sk": RUN_SK,
        "kind": "run",
        "user_id": record.user_id,
        "gsi1pk": user_runs_pk(record.user_id),
        "gsi1sk": order,
        "ttl": epoch(record.created_at + RUN_TTL),
        **{name: getattr(record, name) for name in RUN_FIELDS if name != "created_at"},
        "created_at": iso(record.created_at),
    }
    item["output"] = record.output[:OUTPUT_CHARS] if record.output is not None else None
    item["error"] = record.error[:ERROR_CHARS] if record.error is not None else None
    if record.prompt_id:
        item["gsi2pk"] = prompt_runs_pk(record.user_id, record.prompt_id)
        item["gsi2sk"] = order
    return item


@dataclass(frozen=True)
class RunCounts:
    """What one run adds to an aggregate (every field is ADDed, so updates commute)."""

    runs: int = 1
    failed: int = 0
    cost_usd: Decimal = Decimal(0)
    latency_sum: int = 0
    latency_n: int = 0
    quality_sum: Decimal = Decimal(0)
    quality_n: int = 0
    judged: int = 0
    passed: int = 0

    def values(self) -> dict[str, Any]:
        return {f":{name}": getattr(self, name) for name in self.__dataclass_fields__}


_ADD = ", ".join(f"#{name} :{name}" for name in RunCounts.__dataclass_fields__)
_ADD_NAMES = {f"#{name}": name for name in RunCounts.__dataclass_fields__}


class _AlreadyCounted(Conflict):
    """The run's marker exists: an earlier delivery of the same stream record counted it."""


class RunStore(TableStore):
    # runs ------------------------------------------------------------------------------------------------
    def put_run(self, record: RunRecord) -> None:
        """A new run; the id is fresh, so the condition only guards against a (theoretical) id collision."""
        self.put(run_item(record), condition="attribute_not_exists(pk)")

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        return self.get(run_pk(run_id), RUN_SK)

    def runs_page(
        self,
        user_id: str,
        prompt_id: str | None,
        *,
        source: str | None,
        limit: int,
        start_key: Mapping[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page, newest first, from gsi1 (all of a user's runs) or gsi2 (of one prompt): up to `limit` runs
        (of `source`, filtered in DynamoDB, at least 50 read per request) and the key that resumes after the last
        of them, or None when no run follows."""
        index = "gsi1" if prompt_id is None else "gsi2"
        hash_key = INDEX_KEYS[index][0]
        key = user_runs_pk(user_id) if prompt_id is None else prompt_runs_pk(user_id, prompt_id)
        names = {"#h": hash_key}
        values: dict[str, Any] = {":h": key}
        filter_expression = None
        if source is not None:
            filter_expression = "#source = :source"
            names["#source"] = "source"
            values[":source"] = source
        return self.query_page(
            "#h = :h",
            values,
            index=index,
            names=names,
            filter_expression=filter_expression,
            limit=limit,
            min_read=50,
            start_key=start_key,
            forward=False,
        )

    @staticmethod
    def page_key(item: Mapping[str, Any], prompt_id: str | None) -> dict[str, Any]:
        """The wire-format start key that resumes a listing right after `item`."""
        return resume_key(item, "gsi1" if prompt_id is None else "gsi2")

    # stats -----------------------------------------------------------------------------------------------
    def count_run_once(
        self, run_id: str, scopes: list[tuple[str, str]], day: str, model: str, counts: RunCounts, ttl: int
    ) -> bool:
        """Add one run to each `(pk, sk)` aggregate and put its marker, all or nothing.

        False when the marker already exists: this run was counted by an earlier delivery.
        """
        ops = [
            TransactOp.put(
                {"pk": marker_pk(run_id), "sk": MARKER_SK, "kind": "run_counted", "ttl": ttl},
                condition="attribute_not_exists(pk)",
            )
        ]
        for pk, sk in scopes:
            ops.append(
                TransactOp.update(
                    pk,
                    sk,
                    f"SET #day = :day, #model = :model ADD {_ADD}",
                    names={"#day": "day", "#model": "model", **_ADD_NAMES},
                    values={":day": day, ":model": model, **counts.values()},
                )
            )
        try:
            self.transact(ops, on_conflict=lambda index: _AlreadyCounted() if index == 0 else Conflict())
        except _AlreadyCounted:
            return False
        return True

    def aggregates(
        self, user_id: str, prompt_id: str | None, day_from: str | None, day_to: str | None
    ) -> list[dict[str, Any]]:
        """Every (day, model) aggregate of a scope in the date range (inclusive), oldest first."""
        pk = stats_pk(user_id, prompt_id)
        if day_from is None and day_to is None:
            return self.query_all("pk = :pk AND begins_with(sk, :d)", {":pk": pk, ":d": "D#"})
        low = f"D#{day_from}" if day_from else "D#"
        # "#" sorts below "~", so `D#<to>~` is above every `D#<to>#M#<model>` and below the next day.
        high = f"D#{day_to}~" if day_to else "D#~"
        values = {":pk": pk, ":low": low, ":high": high}
        return self.query_all("pk = :pk AND sk BETWEEN :low AND :high", values)
