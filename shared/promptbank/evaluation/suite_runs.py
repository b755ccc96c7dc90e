"""Suite runs off the request path: the outbox that enqueues them, the worker that runs them, the two triggers.

- `SuiteRunOutbox.process` (table stream): the INSERT of a `queued` run sends one SQS message per chunk of
  `CHUNK_CASES` cases, so a crash between "saved" and "sent" loses nothing (the stream redelivers the record; a
  chunk sent twice is counted once). A prompt META whose `production` label moved starts one `publish` run of
  each of its suites with `run_on_publish`, its id derived from the prompt's revision: one move, one run.
- `SuiteRunWorker.process` (SQS, one chunk a message): runs the chunk's cases like `POST /v1/evaluate`, writes a
  result item per case, adds the chunk's numbers to the run with a per-chunk marker (counted once), and the
  chunk that completes the count finalises the run: its summary, `regressed`, and the suite's `last_run`, in one
  transaction conditioned on the run still running, so it happens exactly once.
- `SuiteDispatcher.dispatch` (EventBridge Scheduler, every minute): the suites whose `next_run_at` has come (the
  sparse gsi2), each one's run created and its `next_run_at` advanced in one transaction conditioned on the value
  it read, so two dispatchers seeing the same suite make one run.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from promptbank.auth.principal import Principal
from promptbank.clock import epoch, iso, now
from promptbank.errors import Conflict, PromptbankError
from promptbank.evaluation.models import CaseResult, TestCase
from promptbank.evaluation.suites import (
    CHUNK_CONCURRENCY,
    SuiteService,
    next_run_at,
    run_id_for,
    run_summary,
)
from promptbank.observability import count, logger
from promptbank.queues import sqs_client
from promptbank.settings import get_settings
from promptbank.store.base import TransactionConflict, deserialize
from promptbank.store.evals import RUN_PK_PREFIX, RUN_SK, RUN_TTL_S
from promptbank.store.prompts import META

#: The queue's `maxReceiveCount` (template.yaml, EvalQueue): on the last receive a chunk that keeps failing is
#: recorded as failed cases instead of raising again, so that its run still finishes.
MAX_RECEIVES = 3
#: Of the worker's remaining time, what is kept to write the results and finalise after the cases' deadline.
WORKER_MARGIN_S = 20.0
OUTPUT_CHARS = 10_000  # a stored result keeps this much of the output, as a stored run does
CONFLICT_ATTEMPTS = 5
SEND_BATCH = 10  # SendMessageBatch takes at most 10 messages
PUBLISHED = "production"


class _Cancelled(Conflict):
    """A transaction's condition failed on operation `index`."""

    def __init__(self, index: int) -> None:
        super().__init__(f"condition failed on operation {index}")
        self.index = index


class SuiteRuns:
    """What the outbox, the worker and the dispatcher share: the suite service and its stores, and the clock."""

    def __init__(self, suites: SuiteService | None = None, clock: Callable[[], datetime] = now) -> None:
        self.suites = suites or SuiteService(clock=clock)
        self.clock = clock

    @property
    def store(self) -> Any:
        return self.suites.store

    @property
    def runs(self) -> Any:
        return self.suites.runs

    def finish(self, run: dict[str, Any], fields: dict[str, Any]) -> bool:
        """End the run with `fields` and record it as the suite's `last_run`, once: False if it had ended."""
        last = _last_run(run, fields)
        with_suite = True
        for attempt in range(CONFLICT_ATTEMPTS):
            ops = [self.runs.finish_ops(run, fields)]
            if with_suite:
                ops.append(self.runs.last_run_op(run["suite_id"], last))
            try:
                self.store.transact(ops, on_conflict=_Cancelled)
            except _Cancelled as cancelled:
                if cancelled.index == 0:
                    return False  # another chunk (or a retry of this one) finished it
                with_suite = False  # the suite is gone, or shows a newer run already
            except TransactionConflict:
                time.sleep(0.05 * 2**attempt)
            else:
                _count_ended(fields)
                return True
        raise TransactionConflict()

    def finish_recorded(self, run: dict[str, Any]) -> None:
        """A run created already failed (its version is gone): show it as the suite's last run."""
        _count_ended(run)
        with contextlib.suppress(Conflict):  # the suite is gone, or shows a newer run
            self.store.transact([self.runs.last_run_op(run["suite_id"], _last_run(run, run))])

    def fail(self, run: dict[str, Any], error: str) -> bool:
        logger.warning("suite run failed", extra={"run_id": run["id"], "error": error})
        return self.finish(run, {"status": "failed", "error": error, "finished_at": iso(self.clock())})


class SuiteRunOutbox(SuiteRuns):
    def __init__(self, *args: Any, sqs: Any = None, queue_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sqs = sqs
        self.queue_url = queue_url

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = sqs_client()
        return self._sqs

    def process(self, record: DynamoDBRecord) -> str:
        """What the record caused: "enqueued", "published", or "ignored"."""
        if record.dynamodb is None:
            return "ignored"
        new = deserialize(record.dynamodb.get("NewImage") or {})
        old = deserialize(record.dynamodb.get("OldImage") or {})
        if record.event_name is DynamoDBRecordEventName.INSERT and _is_run(new) and new.get("status") == "queued":
            self.enqueue(new)
            return "enqueued"
        modified = record.event_name is DynamoDBRecordEventName.MODIFY
        if (
            modified
            and str(new.get("pk", "")).startswith("PROMPT#")
            and new.get("sk") == META
            and self.publish(old, new)
        ):
            return "published"
        return "ignored"

    def enqueue(self, run: dict[str, Any]) -> None:
        """One message per chunk. Sent again after a retried batch, a chunk is still counted once (its marker)."""
        queue_url = self.queue_url or get_settings().eval_queue_url
        bodies = [json.dumps({"run_id": run["id"], "chunk": n}) for n in range(int(run["chunks"]))]
        for start in range(0, len(bodies), SEND_BATCH):
            entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + SEND_BATCH])]
            response = self.sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} chunk messages of run {run['id']}")
        logger.info("suite run enqueued", extra={"run_id": run["id"], "chunks": len(bodies)})

    def publish(self, old: dict[str, Any], new: dict[str, Any]) -> int:
        """A `publish` run of each suite of the prompt with `run_on_publish`, when `production` moved; how many
        runs were made now (a redelivered record finds its runs made)."""
        before = (old.get("labels") or {}).get(PUBLISHED)
        after = (new.get("labels") or {}).get(PUBLISHED)
        if after is None or before == after:
            return 0
        prompt_id = str(new["id"])
        made = 0
        for suite_id in self.store.publish_suite_ids(prompt_id):
            suite = self.store.get_suite(suite_id, consistent=True)
            if not suite or not suite.get("run_on_publish") or suite["owner_id"] != new.get("owner_id"):
                continue
            run_id = run_id_for(suite_id, "publish", f"{prompt_id}:{new.get('meta_rev')}")
            run = self.suites.new_run({**suite, "label": PUBLISHED}, "publish", run_id, version=int(after))
            if self.runs.put_run(run):
                made += 1
                if run["status"] == "failed":
                    self.finish_recorded(run)
        return made


class SuiteRunWorker(SuiteRuns):
    def __init__(
        self, *args: Any, evaluation: Any = None, monotonic: Callable[[], float] = time.monotonic, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self._evaluation = evaluation
        self.monotonic = monotonic

    @property
    def evaluation(self) -> Any:
        if self._evaluation is None:
            from promptbank.evaluation.service import EvaluationService

            self._evaluation = EvaluationService(monotonic=self.monotonic)
        return self._evaluation

    def process(self, record: SQSRecord, lambda_context: Any = None) -> str:
        """Run one chunk: "done", "finished" (it completed the run), "skipped" (counted before, or the run ended)."""
        message = json.loads(record.body)
        run_id, chunk = str(message["run_id"]), int(message["chunk"])
        run = self.runs.get_run(run_id, consistent=True)
        if run is None or run["status"] not in ("queued", "running"):
            return "skipped"
        if self.runs.get(run["pk"], f"CHUNK#{chunk:04d}", consistent=True) is None:
            last_receive = int(record.attributes.approximate_receive_count or 1) >= MAX_RECEIVES
            try:
                if not self._run_chunk(run, chunk, _budget(lambda_context)):
                    return "skipped"  # the run failed as a whole
            except Exception:
                if not last_receive:
                    raise
                logger.exception("suite run chunk failed on its last receive", extra={"run_id": run_id, "chunk": chunk})
                self._record_chunk(run, chunk, self._errored(run, chunk, "internal error: the chunk could not run"))
        return "finished" if self.finalize(run_id) else "done"

    def _cases(self, run: dict[str, Any], chunk: int) -> tuple[int, list[TestCase]]:
        cases = self.store.cases(run["suite_id"], int(run["cases_rev"]))
        offset = chunk * int(run["chunk_cases"])
        return offset, [TestCase.model_validate(case) for case in cases[offset : offset + int(run["chunk_cases"])]]

    def _run_chunk(self, run: dict[str, Any], chunk: int, budget_s: float) -> bool:
        self.runs.start(run["id"], iso(self.clock()))
        principal = Principal(
            user_id=run["owner_id"], credential="session", environment="production", access="full", plan="suite"
        )
        try:
            offset, cases = self._cases(run, chunk)  # NotFound when a revision's pieces expired under a queued run
            doc, _ = self.evaluation.runs.delivery.document(
                principal, run["prompt_id"], int(run["prompt_version"]), None
            )
            plan = self.evaluation.compile_plan(
                doc, None, cases, run.get("model"), run.get("judge_model"), strict=False
            )
            self.evaluation.check_providers(principal, plan)
        except PromptbankError as err:  # the prompt, its version or a provider key is gone
            self.fail(run, err.message)
            return False
        start = self.monotonic()
        results = self.evaluation.run_plan(principal, plan, CHUNK_CONCURRENCY, start + budget_s - 1.0, start + budget_s)
        numbered = [
            result.model_copy(update={"test_case_id": case.case_id(offset + i + 1)})
            for i, (case, result) in enumerate(zip(cases, results, strict=True))
        ]
        self._record_chunk(run, chunk, list(enumerate(numbered, start=offset)))
        return True

    def _errored(self, run: dict[str, Any], chunk: int, error: str) -> list[tuple[int, CaseResult]]:
        from promptbank.evaluation.assertions import case_result

        offset, cases = self._cases(run, chunk)
        return [
            (
                offset + i,
                case_result(
                    test_case_id=case.case_id(offset + i + 1),
                    name=case.name,
                    output=None,
                    latency_ms=None,
                    cost_usd=None,
                    error=error,
                ),
            )
            for i, case in enumerate(cases)
        ]

    def _record_chunk(self, run: dict[str, Any], chunk: int, results: list[tuple[int, CaseResult]]) -> None:
        ttl = epoch(self.clock()) + RUN_TTL_S
        stored = []
        for index, result in results:
            output = result.output[:OUTPUT_CHARS] if result.output else result.output
            stored.append((index, result.model_copy(update={"output": output}).model_dump(mode="json")))
        self.runs.put_results(run["id"], stored, ttl)
        self.runs.count_chunk(run["id"], chunk, _counts([result for _, result in results]), ttl)

    def finalize(self, run_id: str) -> bool:
        """Finish the run when every chunk is counted: True for the one call that finished it."""
        run = self.runs.get_run(run_id, consistent=True)
        if run is None or run["status"] not in ("queued", "running") or int(run["chunks_done"]) < int(run["chunks"]):
            return False
        summary = run_summary(run)
        previous = self.runs.previous_finished(run)
        below_min = run.get("min_pass_rate") is not None and summary.pass_rate < float(run["min_pass_rate"])
        below_previous = bool(previous) and summary.pass_rate < float(previous["summary"]["pass_rate"])
        fields = {
            "status": "succeeded",
            "summary": summary.model_dump(mode="json"),
            "regressed": below_min or below_previous,
            "finished_at": iso(self.clock()),
        }
        finished = self.finish(run, fields)
        if finished:
            logger.info(
                "suite run finished",
                extra={"run_id": run_id, "pass_rate": summary.pass_rate, "regressed": fields["regressed"]},
            )
        return finished


class SuiteDispatcher(SuiteRuns):
    #: Suites read per query; the dispatcher reads pages until none is due or its time is nearly up.
    PAGE = 100

    def dispatch(self, event: dict[str, Any], context: Any = None) -> dict[str, int]:
        """Start every due suite's run; how many suites were seen and runs made."""
        seen = made = 0
        deadline = time.monotonic() + _budget(context, default=50.0)
        while time.monotonic() < deadline:
            moment = self.clock()
            due = self.store.due_suites(iso(moment), limit=self.PAGE)
            progressed = 0
            for suite in due:
                seen += 1
                outcome = self.dispatch_one(suite, moment)
                made += outcome == "made"
                progressed += outcome != "skipped"
            if len(due) < self.PAGE or not progressed:
                break
        logger.info("suites dispatched", extra={"due": seen, "runs": made})
        return {"due": seen, "runs": made}

    def dispatch_one(self, suite: dict[str, Any], moment: datetime) -> str:
        """ "made" (its run and its next due time written), "skipped" (another dispatcher did it first)."""
        due_at = str(suite["next_run_at"])
        anchor = datetime.fromisoformat(str(suite.get("schedule_anchor") or suite["created_at"]))
        after = max(moment, datetime.fromisoformat(due_at))  # missed due times are not made up, one run now
        following = next_run_at(suite.get("schedule"), suite.get("schedule_timezone") or "UTC", after, anchor)
        run = self.suites.new_run(suite, "schedule", run_id_for(suite["id"], "schedule", due_at))
        try:
            self.store.transact([self.runs.put_run_op(run), self.store.advance_op(suite, following)])
        except Conflict:  # TransactionConflict too: whoever holds the suite is advancing it
            return "skipped"
        if run["status"] == "failed":
            self.finish_recorded(run)
        return "made"


def _last_run(run: dict[str, Any], outcome: dict[str, Any]) -> dict[str, Any]:
    """The suite's `last_run` for `run` as `outcome` (its status, summary and `regressed`) ends it."""
    return {
        "id": run["id"],
        "status": outcome["status"],
        "pass_rate": (outcome.get("summary") or {}).get("pass_rate"),
        "regressed": outcome.get("regressed"),
        "created_at": run["created_at"],
    }


def _count_ended(outcome: dict[str, Any]) -> None:
    """The metrics of a run that ended as `outcome` says (counted once: by the call that ended it)."""
    count("EvalRuns", outcome=str(outcome["status"]))
    if outcome.get("regressed"):
        count("EvalRegressions")


def _is_run(item: dict[str, Any]) -> bool:
    return str(item.get("pk", "")).startswith(RUN_PK_PREFIX) and item.get("sk") == RUN_SK


def _budget(context: Any, default: float = 600.0) -> float:
    """Seconds this invocation may still spend on cases, leaving the margin to record them."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else default
    return max(1.0, remaining - WORKER_MARGIN_S)


def _counts(results: list[CaseResult]) -> dict[str, int | Decimal]:
    """A chunk's contribution to its run's counters (the summary is computed from them at the end)."""
    latencies = [r.latency_ms for r in results if r.latency_ms is not None]  # as `summary()` counts them
    qualities = [r.quality_score for r in results if r.quality_score is not None]
    return {
        "chunks_done": 1,
        "done_cases": len(results),
        "passed_cases": sum(1 for r in results if r.passed),
        "latency_sum": sum(latencies),
        "latency_n": len(latencies),
        "quality_sum": Decimal(repr(round(sum(qualities), 4))),
        "quality_n": len(qualities),
        "cost_sum": Decimal(repr(round(sum(r.cost_usd or 0.0 for r in results), 8))),
    }
