"""The table stream processor: keeps the run stats aggregates up to date, exactly once per run.

Each new run (an INSERT of a `RUN#` item; the event source mapping filters the rest out) is added to its
day x model aggregates, for the user and for the prompt, in one transaction with a per-run marker put under
`attribute_not_exists`. A redelivered record (a retried batch, a bisected batch, a replayed shard) finds the
marker and changes nothing. Failures are reported per record (`ReportBatchItemFailures`): Lambda resumes
from the first failed record, so nothing after it is lost and nothing before it is repeated.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from promptbank.observability import logger
from promptbank.runs.stats import counts_for
from promptbank.store.base import TransactionConflict, deserialize
from promptbank.store.runs import MARKER_TTL_S, RUN_PK_PREFIX, RUN_SK, RunStore, stats_pk, stats_sk

#: Concurrent batches may update the same aggregate at once; DynamoDB cancels one transaction, we retry it.
CONFLICT_ATTEMPTS = 4


class RunStatsProcessor:
    def __init__(
        self,
        store: RunStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store or RunStore()
        self.clock = clock
        self.sleep = sleep

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """A DynamoDB stream batch -> `{"batchItemFailures": [...]}` naming the first record that failed."""
        counted = skipped = 0
        for record in event.get("Records") or []:
            try:
                outcome = self.process(record)
            except Exception:
                sequence = str(((record.get("dynamodb") or {}).get("SequenceNumber")) or "")
                logger.exception("run stats: record failed; the batch resumes here", extra={"seq": sequence})
                logger.info("run stats batch", extra={"counted": counted, "skipped": skipped})
                return {"batchItemFailures": [{"itemIdentifier": sequence}]}
            if outcome:
                counted += 1
            else:
                skipped += 1
        logger.info("run stats batch", extra={"counted": counted, "skipped": skipped})
        return {"batchItemFailures": []}

    def process(self, record: Mapping[str, Any]) -> bool:
        """True when the record was counted now; False when it is not a new run or was counted before."""
        if record.get("eventName") != "INSERT":
            return False
        image = (record.get("dynamodb") or {}).get("NewImage")
        if not image:
            return False
        run = deserialize(image)
        if not str(run.get("pk", "")).startswith(RUN_PK_PREFIX) or run.get("sk") != RUN_SK:
            return False
        try:
            user_id, model, day = str(run["user_id"]), str(run["model"]), str(run["created_at"])[:10]
            counts = counts_for(run)
        except (KeyError, ValueError, ArithmeticError):
            # A malformed item would block the shard forever if retried: log it and move on.
            logger.error("run stats: skipping a malformed run item", extra={"pk": run.get("pk")})
            return False
        scopes = [(stats_pk(user_id), stats_sk(day, model))]
        if run.get("prompt_id"):
            scopes.append((stats_pk(user_id, str(run["prompt_id"])), stats_sk(day, model)))
        run_id = str(run["pk"])[len(RUN_PK_PREFIX) :]
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return self.store.count_run_once(
                    run_id, scopes, day, model, counts, ttl=int(self.clock()) + MARKER_TTL_S
                )
            except TransactionConflict:
                if attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                self.sleep(0.05 * 2**attempt)
        return False  # pragma: no cover - the loop returns or raises
