"""What a run adds to the aggregates, the `Stats` roll-up, and the stream processor's batch handling."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from promptbank.consumers import EventType, make_consumer
from promptbank.errors import PromptbankError
from promptbank.runs.stats import counts_for, rollup
from promptbank.store.base import serialize
from promptbank.store.runs import RunCounts
from promptbank.streams import RunStatsProcessor


def _run(**fields):
    base = {"pk": "RUN#r1", "sk": "RUN", "user_id": "u1", "model": "gpt-4o", "status": "succeeded",
            "latency_ms": 100, "cost_usd": 0.001, "created_at": "2026-11-23T10:00:00.000Z"}
    return {**base, **fields}


def test_a_succeeded_run_adds_its_cost_and_latency():
    # When a succeeded run is counted
    # Then it adds one run, its cost and its latency
    assert counts_for(_run()) == RunCounts(runs=1, cost_usd=Decimal("0.001"), latency_sum=100, latency_n=1)


def test_a_failed_run_counts_as_failed_without_latency_or_cost():
    # When a failed run is counted
    counts = counts_for(_run(status="failed", cost_usd=None, latency_ms=25_000))
    # Then it is a failed run that adds no latency and no cost
    assert (counts.runs, counts.failed, counts.latency_n, counts.cost_usd) == (1, 1, 0, Decimal(0))


def test_an_evaluated_run_adds_its_score_and_verdict():
    # When a run with a quality score and a verdict is counted
    counts = counts_for(_run(quality_score=80, passed=False))
    # Then both are added
    assert (counts.quality_sum, counts.quality_n, counts.judged, counts.passed) == (Decimal(80), 1, 1, 0)


def _aggregate(day, model, **numbers):
    item = {"day": day, "model": model, "runs": 0, "failed": 0, "cost_usd": 0, "latency_sum": 0, "latency_n": 0,
            "quality_sum": 0, "quality_n": 0, "judged": 0, "passed": 0}
    return {**item, **numbers}


def test_rollup_sums_by_model_and_by_date():
    # Given aggregates of two days and two models
    items = [
        _aggregate("2026-11-22", "gpt-4o", runs=2, failed=1, cost_usd=0.1, latency_sum=300, latency_n=1),
        _aggregate("2026-11-23", "gpt-4o", runs=1, cost_usd=0.2, latency_sum=100, latency_n=1),
        _aggregate("2026-11-23", "deepseek-chat", runs=3, cost_usd=0.00000001, latency_sum=600, latency_n=3,
                   quality_sum=150, quality_n=2, judged=2, passed=1),
    ]
    # When they are rolled up
    stats = rollup(items)
    # Then totals, averages and breakdowns are exact
    assert stats.model_dump() == {
        "total_runs": 6, "failed_runs": 1, "total_cost_usd": 0.30000001, "avg_latency_ms": 200.0,
        "avg_quality_score": 75.0, "pass_rate": 0.5,
        "by_model": {"deepseek-chat": {"runs": 3, "cost_usd": 0.00000001, "avg_latency_ms": 200.0},
                     "gpt-4o": {"runs": 3, "cost_usd": 0.3, "avg_latency_ms": 200.0}},
        "by_date": {"2026-11-22": {"runs": 2, "cost_usd": 0.1}, "2026-11-23": {"runs": 4, "cost_usd": 0.20000001}},
    }


class RecordingStore:
    """RunStore.count_run_once stand-in: remembers counted runs, can fail on one."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.counted: list[tuple[str, list, str, str]] = []
        self.fail_on = fail_on

    def count_run_once(self, run_id, scopes, day, model, counts, ttl):
        if run_id == self.fail_on:
            raise PromptbankError("throttled")
        if any(c[0] == run_id for c in self.counted):
            return False
        self.counted.append((run_id, scopes, day, model))
        return True


def _record(sequence: str, run: dict, event: str = "INSERT") -> dict:
    image = serialize(run)
    return {"eventName": event, "dynamodb": {"SequenceNumber": sequence, "Keys": {"pk": image["pk"], "sk": image["sk"]},
                                             "NewImage": image}}


CONTEXT = SimpleNamespace(function_name="RunStatsStreamFunction", memory_limit_in_mb=256, aws_request_id="req-1",
                          invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:RunStatsStreamFunction")


def _consume(store: RecordingStore, records: list[dict]) -> dict:
    """The stream batch through the function's handler as functions/streams/run_stats.py builds it."""
    handler = make_consumer(RunStatsProcessor(store).process, EventType.DynamoDBStreams)  # type: ignore[arg-type]
    return handler({"Records": records}, CONTEXT)


def test_a_prompt_run_updates_the_user_and_the_prompt_aggregates():
    # When the processor gets a prompt run's insert
    store = RecordingStore()
    _consume(store, [_record("1", _run(prompt_id="p1"))])
    # Then the user's and the prompt's aggregates of that day and model are updated
    [(run_id, scopes, day, model)] = store.counted
    assert (run_id, day, model) == ("r1", "2026-11-23", "gpt-4o")
    assert scopes == [("STATS#u1", "D#2026-11-23#M#gpt-4o"), ("STATS#u1#P#p1", "D#2026-11-23#M#gpt-4o")]


def test_a_failing_record_is_reported_and_the_others_are_counted():
    # Given a batch whose second record cannot be written
    store = RecordingStore(fail_on="r2")
    records = [_record(str(i), _run(pk=f"RUN#r{i}")) for i in (1, 2, 3)]
    # When it is processed
    result = _consume(store, records)
    # Then the failure names record 2, and records 1 and 3 are counted
    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert [c[0] for c in store.counted] == ["r1", "r3"]


def test_the_retry_from_a_failed_record_counts_only_that_record():
    # Given a batch whose second record failed once, the others counted
    store = RecordingStore(fail_on="r2")
    records = [_record(str(i), _run(pk=f"RUN#r{i}")) for i in (1, 2, 3)]
    _consume(store, records)
    # When Lambda delivers the batch again from the failed record and the write works this time
    store.fail_on = None
    result = _consume(store, records[1:])
    # Then it succeeds and each run is counted once
    assert result == {"batchItemFailures": []}
    assert [c[0] for c in store.counted] == ["r1", "r3", "r2"]


def test_records_that_are_not_new_runs_are_skipped():
    # Given updates, removals, other items and a malformed run
    store = RecordingStore()
    records = [
        _record("1", _run(), event="MODIFY"),
        _record("2", _run(), event="REMOVE"),
        _record("3", {"pk": "USER#u1", "sk": "PROVIDERKEY#openai"}),
        _record("4", {"pk": "RUN#r9", "sk": "RUN", "status": "succeeded"}),  # malformed: no user or model
    ]
    # When they are processed
    result = _consume(store, records)
    # Then nothing is counted and nothing fails
    assert result == {"batchItemFailures": []}
    assert store.counted == []
