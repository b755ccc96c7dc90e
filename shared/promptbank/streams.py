"""The table stream processor: keeps the run stats aggregates up to date, exactly once per run.

Each new run (an INSERT of a `RUN#` item; the event source mapping filters the rest out) is added to its
day x model aggregates, for the user and for the prompt, in one transaction with a per-run marker put under
`attribute_not_exists`. A redelivered record (a retried batch, a bisected batch, a replayed shard) finds the
marker and changes nothing. `RunStatsProcessor.process` is the record handler of
functions/streams/run_stats.py (`promptbank.consumers.make_consumer`): a record that raises is reported as a
batch item failure and Lambda resumes from it, so the records after it are delivered again and find their
markers; nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

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

    def process(self, record: DynamoDBRecord) -> bool:
        """True when the record was counted now; False when it is not a new run or was counted before. Raises
        when the run could not be counted (the consumer reports the record as a batch item failure)."""
        if record.event_name is not DynamoDBRecordEventName.INSERT or record.dynamodb is None:
            return False
        image = record.dynamodb.get("NewImage")
        if not image:
            return False
        run = deserialize(image)  # the store's types (numbers as int/float), which Powertools' new_image isn't
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
