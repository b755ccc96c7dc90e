"""The handler factory every event-driven function uses: a record handler in, a Lambda entry point out.

The counterpart of `promptbank.http.make_handler` for functions that no API Gateway calls. A stream or queue
consumer is one record handler given to `make_consumer`; a scheduled function is one plain function given to
`make_scheduled`. Both get the Lambda context in the logs (state cleared per invocation) and flushed metrics.

Batches go through Powertools' `BatchProcessor` with partial batch failure (`ReportBatchItemFailures` on the
event source mapping, which the template must set): each record is handed to the record handler as
Powertools' typed record (`DynamoDBRecord`, `SQSRecord`); a record whose handler raises is logged and named in
`batchItemFailures`, and the others are processed all the same. On a DynamoDB stream Lambda resumes from the
lowest failed sequence number, so records after a failure are delivered again: a stream record handler must
be idempotent (run stats put a per-run marker). When every record of a batch fails the invocation fails
(Powertools' `BatchProcessingError`), which is what lets `BisectBatchOnFunctionError` split a stream batch to
isolate a poison record, and returns an SQS batch to the queue as a whole. See docs/consumers.md.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from promptbank.observability import emit, logger, metrics

__all__ = ["EventType", "make_consumer", "make_scheduled"]

LambdaHandler = Callable[[dict[str, Any], Any], Any]
#: `(record)` or `(record, lambda_context=...)`; the return value is ignored.
RecordHandler = Callable[..., Any]

#: The event sources a consumer may have. An SQS FIFO queue needs Powertools' `SqsFifoPartialProcessor`
#: (stop at the first failure to keep the order) instead, and has no consumer yet.
BATCH_EVENTS = frozenset({EventType.DynamoDBStreams, EventType.SQS})


def make_consumer(record_handler: RecordHandler, event_type: EventType, *, concurrency: int = 1) -> LambdaHandler:
    """The Lambda entry point for a DynamoDB stream or SQS consumer: `record_handler` is called once per record
    of the batch, and the handler returns `{"batchItemFailures": [{"itemIdentifier": ...}, ...]}` naming the
    records whose handler raised (stream: their sequence numbers; SQS: their message ids).

    `concurrency` > 1 (SQS only) handles up to that many records of a batch at once on threads: for record
    handlers that wait on the network (a webhook delivery), so that one slow receiver does not hold up the rest
    of the batch. A stream's records are always handled one after another, in order."""
    if event_type not in BATCH_EVENTS:
        raise ValueError(f"make_consumer takes {sorted(e.value for e in BATCH_EVENTS)}, not {event_type.value}")
    if concurrency > 1 and event_type is not EventType.SQS:
        raise ValueError("only an SQS consumer may handle records concurrently (a stream's order matters)")
    processor = BatchProcessor(event_type=event_type) if concurrency == 1 else _ConcurrentProcessor(concurrency)
    handle_record = _logging_failures(record_handler)

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("Records") == []:  # Lambda sends none, but Powertools would call it the wrong event type
            return {"batchItemFailures": []}
        records = len(event.get("Records") or [])
        function = str(getattr(context, "function_name", "") or "unknown")
        try:
            response = process_partial_response(
                event=event, record_handler=handle_record, processor=processor, context=context
            )
        except BatchProcessingError:  # every record failed: the invocation fails, so the batch is retried
            _count_records(event_type, function, processed=0, failed=records)
            raise
        failed = len(response["batchItemFailures"])
        _count_records(event_type, function, processed=records - failed, failed=failed)
        logger.info("batch processed", extra={"records": records, "failed": failed})
        return dict(response)

    return handler


def _count_records(event_type: EventType, function: str, *, processed: int, failed: int) -> None:
    """`RecordsProcessed` and `RecordsFailed` of one batch, by event source and by function."""
    emit({"RecordsProcessed": processed, "RecordsFailed": failed}, source=event_type.value, function=function)


class _ConcurrentProcessor(BatchProcessor):
    """Powertools' BatchProcessor, handling the batch's records on a thread pool (its success and failure lists
    are appended to from the threads: list.append is atomic)."""

    def __init__(self, concurrency: int) -> None:
        super().__init__(event_type=EventType.SQS)
        self.concurrency = concurrency

    def process(self) -> list[tuple[Any, ...]]:
        from concurrent.futures import ThreadPoolExecutor

        records = list(self.records)
        if len(records) <= 1:
            return super().process()
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(records))) as pool:
            return list(pool.map(self._process_record, records))


def make_scheduled(scheduled_handler: Callable[[dict[str, Any], Any], Any]) -> LambdaHandler:
    """The Lambda entry point for a scheduled function (EventBridge rule or Scheduler): the event (a rule's
    `Scheduled Event`, or a schedule's `Input`) and the context go to `scheduled_handler` as they came. There is
    no batch: an exception fails the invocation, and the schedule's retry policy applies."""

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> Any:
        return scheduled_handler(event, context)

    return handler


def _logging_failures(record_handler: RecordHandler) -> RecordHandler:
    """`record_handler`, logging a failure with the record's identifier before BatchProcessor reports it.

    Powertools' own failure log (`BatchProcessor(logger=...)`) doesn't say which record failed; the identifier is
    what an operator looks for in the stream or the queue. BatchProcessor passes the context only to a handler
    whose signature names `lambda_context`, so this wrapper names it and passes it on only in that case."""
    takes_context = "lambda_context" in inspect.signature(record_handler).parameters

    def handle_record(record: DynamoDBRecord | SQSRecord, lambda_context: Any = None) -> Any:
        try:
            if takes_context:
                return record_handler(record, lambda_context=lambda_context)
            return record_handler(record)
        except Exception:
            logger.exception("record failed; reported as a batch item failure", extra={"item": _item_id(record)})
            raise

    return handle_record


def _item_id(record: DynamoDBRecord | SQSRecord) -> str:
    """What `batchItemFailures` names the record by: a stream record's sequence number, an SQS message id."""
    if isinstance(record, DynamoDBRecord):
        return str(record.dynamodb.sequence_number if record.dynamodb else "")
    return str(record.message_id)
