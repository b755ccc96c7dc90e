"""Run statistics: what one run adds to the aggregates, and the API's `Stats` rolled up from them.

Aggregates are kept per (user | user and prompt) x day x model by the stream processor (promptbank.streams);
reading stats is one Query over at most days x models small items, never a scan of runs.

- `total_runs`, `failed_runs`, `by_model.runs`, `by_date.runs` count every run, failed ones included.
- `total_cost_usd` and the `cost_usd` sums add the runs whose price is known (exact decimals).
- `avg_latency_ms` is over succeeded runs: a failure's latency is how long the provider took to fail.
- `avg_quality_score` and `pass_rate` are over runs carrying a score / a verdict (evaluations); null if none.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.errors import ValidationFailed
from promptbank.runs.models import DayStats, ModelStats, Stats
from promptbank.store.runs import RunCounts, RunStore

#: A `from`/`to` day as the API takes it (also the schema's pattern, with `format: date`).
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DAY = re.compile(DAY_PATTERN)


def counts_for(run: dict[str, Any]) -> RunCounts:
    """What one stored run adds to its aggregates."""
    succeeded = run.get("status") == "succeeded"
    latency = run.get("latency_ms")
    quality = run.get("quality_score")
    passed = run.get("passed")
    cost = run.get("cost_usd")
    return RunCounts(
        runs=1,
        failed=0 if succeeded else 1,
        cost_usd=Decimal(str(cost)) if cost is not None else Decimal(0),
        latency_sum=int(latency) if succeeded and latency is not None else 0,
        latency_n=1 if succeeded and latency is not None else 0,
        quality_sum=Decimal(str(quality)) if quality is not None else Decimal(0),
        quality_n=1 if quality is not None else 0,
        judged=1 if passed is not None else 0,
        passed=1 if passed is True else 0,
    )


def parse_day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    if not _DAY.fullmatch(value):
        raise ValidationFailed.field(field, "Must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(field, "Must be a date, YYYY-MM-DD") from None


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.00000001")))


def _ratio(total: Decimal | int, count: int, digits: int) -> float | None:
    return round(float(Decimal(total) / count), digits) if count else None


class _Sum:
    __slots__ = ("cost", "failed", "latency_n", "latency_sum", "runs")

    def __init__(self) -> None:
        self.runs = self.failed = self.latency_sum = self.latency_n = 0
        self.cost = Decimal(0)

    def add(self, item: dict[str, Any]) -> None:
        self.runs += int(item.get("runs", 0))
        self.failed += int(item.get("failed", 0))
        self.latency_sum += int(item.get("latency_sum", 0))
        self.latency_n += int(item.get("latency_n", 0))
        self.cost += Decimal(str(item.get("cost_usd", 0)))


class StatsService:
    def __init__(self, store: RunStore | None = None) -> None:
        self.store = store or RunStore()

    def stats(
        self, principal: Principal, *, prompt_id: str | None, day_from: str | None, day_to: str | None
    ) -> Stats:
        """`day_from`/`day_to`: inclusive UTC dates, `YYYY-MM-DD`."""
        low, high = parse_day(day_from, "from"), parse_day(day_to, "to")
        if low and high and low > high:
            raise ValidationFailed.field("from", "Must not be after 'to'")
        items = self.store.aggregates(
            principal.user_id, prompt_id, low.isoformat() if low else None, high.isoformat() if high else None
        )
        return rollup(items)


def rollup(items: list[dict[str, Any]]) -> Stats:
    """The API's `Stats` from (day, model) aggregate items."""
    total = _Sum()
    quality_sum, quality_n, judged, passed = Decimal(0), 0, 0, 0
    by_model: dict[str, _Sum] = {}
    by_date: dict[str, _Sum] = {}
    for item in items:
        total.add(item)
        by_model.setdefault(str(item["model"]), _Sum()).add(item)
        by_date.setdefault(str(item["day"]), _Sum()).add(item)
        quality_sum += Decimal(str(item.get("quality_sum", 0)))
        quality_n += int(item.get("quality_n", 0))
        judged += int(item.get("judged", 0))
        passed += int(item.get("passed", 0))
    return Stats(
        total_runs=total.runs,
        failed_runs=total.failed,
        total_cost_usd=_money(total.cost),
        avg_latency_ms=_ratio(total.latency_sum, total.latency_n, 1),
        avg_quality_score=_ratio(quality_sum, quality_n, 2),
        pass_rate=_ratio(passed, judged, 4),
        by_model={
            model: ModelStats(
                runs=s.runs, cost_usd=_money(s.cost), avg_latency_ms=_ratio(s.latency_sum, s.latency_n, 1)
            )
            for model, s in sorted(by_model.items())
        },
        by_date={day: DayStats(runs=s.runs, cost_usd=_money(s.cost)) for day, s in sorted(by_date.items())},
    )
