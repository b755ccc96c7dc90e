"""The template's event sources (DynamoDB streams, SQS queues, schedules), delivered as AWS delivers them."""

from __future__ import annotations

import calendar
import contextlib
import copy
import functools
import importlib.util
import json
import logging
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from local.lambdas import FunctionError, Functions
from local.motoserver import MOTO_LOCK
from local.template import ACCOUNT_ID, REGION, STACK_NAME, EventSource, FunctionSpec, Resolver

if TYPE_CHECKING:
    from promptbank.schedules import Schedule

log = logging.getLogger("local.events")

#: A DynamoDB stream keeps a record 24 h: what MaximumRetryAttempts -1 (retry until the record expires) and an unset
#: or -1 MaximumRecordAgeInSeconds come to.
STREAM_RETENTION_S = 24 * 3600.0
#: The pause before a stream batch's n-th retry: STREAM_RETRY_FIRST_S * 2**(n-1), at most STREAM_RETRY_MAX_S.
STREAM_RETRY_FIRST_S = 0.02
STREAM_RETRY_MAX_S = 0.5
#: Event source mapping settings only stream sources take: AWS rejects them on an SQS event.
STREAM_ONLY_PROPERTIES = (
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "StartingPosition",
    "StartingPositionTimestamp",
    "TumblingWindowInSeconds",
)
#: Batches an SQS source delivers at once when its event sets no ScalingConfig.MaximumConcurrency: Lambda starts
#: a queue's mapping with five pollers (deployed it scales up from there, to the function's concurrency).
SQS_DEFAULT_CONCURRENCY = 5
#: moto's ReceiveMessage isn't atomic (two receives at once can both take a message, and a delete during one can
#: break it): the queue sources' receives and deletes take turns. They don't wait for messages, so it is brief.
_SQS_CALLS = threading.Lock()
POLL_INTERVAL_S = 0.2
STREAM_TRIM_INTERVAL_S = 10.0
STREAM_KEEP_RECORDS = 1000


# -------------------------------------------------------------------------------------------- filter criteria
def _rule_matches(rule: Any, value: Any, present: bool) -> bool:
    if isinstance(rule, dict):
        if "exists" in rule:
            return bool(rule["exists"]) == present
        if not present:
            return False
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(str(rule["prefix"]))
        if "suffix" in rule:
            return isinstance(value, str) and value.endswith(str(rule["suffix"]))
        if "equals-ignore-case" in rule:
            return isinstance(value, str) and value.lower() == str(rule["equals-ignore-case"]).lower()
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            excluded = excluded if isinstance(excluded, list) else [excluded]
            return value not in excluded
        if "numeric" in rule:
            try:
                number = float(value)
            except (TypeError, ValueError):
                return False
            ops = rule["numeric"]
            checks = {
                "<": number.__lt__,
                "<=": number.__le__,
                "=": number.__eq__,
                ">": number.__gt__,
                ">=": number.__ge__,
            }
            return all(checks[ops[i]](float(ops[i + 1])) for i in range(0, len(ops), 2))
        return False
    return present and value == rule


def pattern_matches(pattern: Mapping[str, Any], data: Any) -> bool:
    """EventBridge-style filter patterns, as Lambda event filtering applies them (the common operators)."""
    if not isinstance(data, dict):
        return False
    for key, rules in pattern.items():
        present = key in data
        value = data.get(key)
        if isinstance(rules, dict):
            if not present or not pattern_matches(rules, value):
                return False
            continue
        rules = rules if isinstance(rules, list) else [rules]
        values = value if isinstance(value, list) else [value]
        if not any(_rule_matches(rule, v, present) for rule in rules for v in values):
            return False
    return True


def _filters(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    filters = ((props.get("FilterCriteria") or {}).get("Filters")) or []
    return [json.loads(f["Pattern"]) if isinstance(f.get("Pattern"), str) else f["Pattern"] for f in filters]


def _passes(filters: list[dict[str, Any]], data: Any) -> bool:
    return not filters or any(pattern_matches(f, data) for f in filters)


# ------------------------------------------------------------------------------------------------ sources
class Source:
    """One event source mapping; poll_once() delivers at most one batch, under the source's lock unless the source
    can deliver `concurrency` batches at once."""

    kind = "source"
    concurrency = 1  # poller threads start() runs for it

    def __init__(
        self, functions: Functions, spec: FunctionSpec, event: EventSource, on_change: Callable[[], None]
    ) -> None:
        self.functions = functions
        self.spec = spec
        self.event = event
        self.on_change = on_change
        self.lock = threading.Lock()
        self._counts = threading.Lock()
        self.deliveries = 0  # batches handed to the function, by any thread

    @property
    def name(self) -> str:
        return f"{self.spec.logical_id}.{self.event.name}"

    @property
    def busy(self) -> bool:
        """Work in hand: a stream batch waiting for its retry, a queue batch a poller is delivering."""
        return False

    def poll_once(self) -> int:
        with self.lock:
            return self._poll()

    def _poll(self) -> int:
        raise NotImplementedError

    def _invoke(self, event: dict[str, Any]) -> Any:
        with self._counts:
            self.deliveries += 1
        self.on_change()
        return self.functions[self.spec.logical_id].invoke(event)


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _iso(epoch: float, milliseconds: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace("+00:00", "Z")


def _arrival(record: Mapping[str, Any]) -> float:
    """When a stream record was written (epoch seconds): what its age is measured from."""
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    return float(created) if isinstance(created, int | float) else time.time()


class FailureDestination:
    """A stream event source's `DestinationConfig.OnFailure`: where the invocation record of each batch Lambda
    gives up on goes. SQS queues get it as a message (the queue is found by the name in its ARN, so a queue made
    at run time works too); SNS topics are not emulated, the record is logged instead."""

    def __init__(self, arn: str, sqs: Any, queue_url: str | None = None) -> None:
        self.arn = arn
        self.sqs = sqs
        self.queue_url = queue_url
        self.is_queue = arn.startswith("arn:aws:sqs:")

    def send(self, owner: str, record: dict[str, Any]) -> None:
        body = json.dumps(record)
        if not self.is_queue:
            log.error("%s: OnFailure destination %s is not emulated; the record was:\n%s", owner, self.arn, body)
            return
        try:
            if self.queue_url is None:
                name = self.arn.rsplit(":", 1)[-1]
                self.queue_url = str(self.sqs.get_queue_url(QueueName=name)["QueueUrl"])
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
        except Exception as err:  # Lambda drops a record it can't deliver to the destination; so does this
            log.error(
                "%s: sending to the OnFailure destination %s failed (%s); the record was:\n%s",
                owner,
                self.arn,
                err,
                body,
            )


@dataclass
class _StreamBatch:
    """Stream records being delivered: the batch read from the shard, a retried tail of it, or a bisected half."""

    records: list[dict[str, Any]]
    retries: int = 0  # retries counted against MaximumRetryAttempts (bisecting is not one)
    invocations: int = 0  # invocations with these records in the batch: approximateInvokeCount
    not_before: float = 0.0  # clock time of the next attempt
    status_code: int = 0  # the last invocation's, for the failure record; 0 before any
    function_error: str | None = None


class StreamSource(Source):
    """Type: DynamoDB. Reads moto's stream shard in process, by sequence number, from its end at start-up.

    A batch in hand is delivered one invocation per poll (so a drain, a stop or a long retry never holds the
    source's lock for more than one invocation), and no later record is read until it is done, as Lambda holds
    the shard. On a function error it is bisected (BisectBatchOnFunctionError, batches of two or more records;
    the halves keep the retry count, since AWS doesn't count splitting as a retry) or retried after a short
    pause; a ReportBatchItemFailures response retries from the first reported record (a counted retry). Records
    are given up when MaximumRetryAttempts retries have failed (-1: never) or when they are older than
    MaximumRecordAgeInSeconds (-1 or unset: the stream's 24 h), and their invocation record goes to the
    OnFailure destination."""

    kind = "DynamoDB"

    def __init__(
        self,
        functions: Functions,
        spec: FunctionSpec,
        event: EventSource,
        on_change: Callable[[], None],
        table_name: str,
        stream_arn: str,
        sweeper: TtlSweeper | None = None,
        on_failure: FailureDestination | None = None,
    ) -> None:
        super().__init__(functions, spec, event, on_change)
        props = event.properties
        self.table_name = table_name
        self.stream_arn = stream_arn
        self.batch_size = int(props.get("BatchSize") or 100)
        retries = props.get("MaximumRetryAttempts")
        self.max_retries = -1 if retries is None else int(retries)  # AWS's default is -1
        if not -1 <= self.max_retries <= 10000:
            log.warning(
                "%s: AWS rejects MaximumRetryAttempts %d (-1 to 10000); used as given", self.name, self.max_retries
            )
        age = props.get("MaximumRecordAgeInSeconds")
        self.max_age_s = STREAM_RETENTION_S if age is None or int(age) == -1 else float(age)
        if age is not None and int(age) != -1 and not 60 <= int(age) <= 604800:
            log.warning(
                "%s: AWS rejects MaximumRecordAgeInSeconds %s (-1, or 60 to 604800); used as given", self.name, age
            )
        self.bisect = _flag(props.get("BisectBatchOnFunctionError"))
        self.report_failures = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        self.enabled = props.get("Enabled", True) is not False
        self.filters = _filters(props)
        self.sweeper = sweeper
        self.on_failure = on_failure
        self.function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.name}"
        self.clock: Callable[[], float] = time.time  # wall clock: record ages are measured against it
        self.work: deque[_StreamBatch] = deque()
        self.position = self._shard_end()
        with MOTO_LOCK:
            shard = self._shard()
            self.shard_id = str(shard.id) if shard else "shardId-00000000000000000000-00000000"

    @property
    def busy(self) -> bool:
        return bool(self.work)

    def _shard(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[ACCOUNT_ID][REGION].get_table(self.table_name).stream_shard

    def _shard_end(self) -> int:
        with MOTO_LOCK:
            shard = self._shard()
            return int(shard.starting_sequence_number + len(shard.items)) if shard else 0

    def _read(self, start: int, limit: int) -> list[dict[str, Any]]:
        with MOTO_LOCK:
            shard = self._shard()
            if shard is None:
                return []
            offset = start - shard.starting_sequence_number
            return [copy.deepcopy(r.to_json()) for r in shard.items[offset : offset + limit]]

    def _record(self, raw: dict[str, Any]) -> dict[str, Any]:
        record = dict(raw)
        ddb = dict(record["dynamodb"])
        created = ddb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            ddb["ApproximateCreationDateTime"] = calendar.timegm(created.utctimetuple())
        record["dynamodb"] = ddb
        record["eventVersion"] = "1.1"
        record["awsRegion"] = REGION
        record["eventSourceARN"] = self.stream_arn
        sweeper = self.sweeper
        if record.get("eventName") == "REMOVE" and sweeper and sweeper.claim(self.table_name, ddb["Keys"], self.name):
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        return record

    def _poll(self) -> int:
        if not self.enabled:
            return 0
        if not self.work:
            raw = self._read(self.position, self.batch_size)
            if not raw:
                return 0
            records = [self._record(r) for r in raw]
            self.position = int(records[-1]["dynamodb"]["SequenceNumber"]) + 1
            records = [r for r in records if _passes(self.filters, r)]
            if not records:
                return 1
            self.work.append(_StreamBatch(records))
        batch = self.work[0]
        if self.clock() < batch.not_before:
            return 0
        self._attempt(batch)
        return 1

    def _attempt(self, batch: _StreamBatch) -> None:
        """One step for the batch in hand: give up its expired records, else invoke it once and decide."""
        now = self.clock()
        expired = [r for r in batch.records if now - _arrival(r) > self.max_age_s]
        if expired:
            batch.records = [r for r in batch.records if now - _arrival(r) <= self.max_age_s]
            self._give_up(batch, expired, "RecordAgeExceeded", f"older than {self.max_age_s:g} s")
            if not batch.records:
                self.work.popleft()
                return
        records = batch.records
        batch.invocations += 1
        try:
            result = self._invoke({"Records": records})
        except FunctionError as err:
            batch.status_code, batch.function_error = 200, "Unhandled"
            reason = f"{err.error_type}: {err.error_message}"
            if self.bisect and len(records) > 1:
                half = len(records) // 2
                self.work.popleft()
                self.work.extendleft([replace(batch, records=records[half:]), replace(batch, records=records[:half])])
                log.warning(
                    "%s: batch of %d failed; bisected into %d and %d\n%s",
                    self.name,
                    len(records),
                    half,
                    len(records) - half,
                    err.trace.rstrip() or reason,
                )
                return
            if batch.retries == 0:
                log.warning("%s: batch of %d failed\n%s", self.name, len(records), err.trace.rstrip() or reason)
            else:  # the traceback was logged at the first failure; a batch retried for hours logs a line a time
                log.warning("%s: retry %d of a batch of %d failed: %s", self.name, batch.retries, len(records), reason)
            failed_from = 0
        else:
            batch.status_code, batch.function_error = 200, None
            failures = (
                (result or {}).get("batchItemFailures") if self.report_failures and isinstance(result, dict) else None
            )
            if not failures:
                self.work.popleft()
                return
            sequence_numbers = [str(f.get("itemIdentifier")) for f in failures]
            # The lowest reported sequence number is the checkpoint; one Lambda can't find fails the whole batch.
            failed_from = min(
                (i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in sequence_numbers),
                default=0,
            )
            reason = f"{len(failures)} batch item failure(s)"
        batch.records = records[failed_from:]
        if 0 <= self.max_retries <= batch.retries:
            self._give_up(batch, batch.records, "RetryAttemptsExhausted", f"{batch.retries} retries; {reason}")
            self.work.popleft()
            return
        batch.retries += 1
        batch.not_before = self.clock() + min(STREAM_RETRY_FIRST_S * 2 ** (batch.retries - 1), STREAM_RETRY_MAX_S)

    def _give_up(self, batch: _StreamBatch, records: list[dict[str, Any]], condition: str, reason: str) -> None:
        destination = f"; its record goes to {self.on_failure.arn}" if self.on_failure else ""
        log.error(
            "%s: giving up %d stream record(s) (%s: %s)%s", self.name, len(records), condition, reason, destination
        )
        if self.on_failure is not None:
            self.on_failure.send(self.name, self.failure_record(batch, records, condition))
        self.on_change()

    def failure_record(self, batch: _StreamBatch, records: list[dict[str, Any]], condition: str) -> dict[str, Any]:
        """The invocation record Lambda sends to an OnFailure destination for stream records it gave up."""
        response: dict[str, Any] = {"statusCode": batch.status_code, "executedVersion": "$LATEST"}
        if batch.function_error:
            response["functionError"] = batch.function_error
        return {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn,
                "condition": condition,
                "approximateInvokeCount": batch.invocations,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": _iso(self.clock(), milliseconds=True),
            "DDBStreamBatchInfo": {
                "shardId": self.shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(_arrival(records[0])),
                "approximateArrivalOfLastRecord": _iso(_arrival(records[-1])),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
        }


class QueueSource(Source):
    """Type: SQS. Receives through moto's SQS API; deletes what the function processed.

    Up to `concurrency` batches are delivered at once (ScalingConfig.MaximumConcurrency, else
    SQS_DEFAULT_CONCURRENCY), by as many pollers: a received message is hidden from the other receivers, so
    batches need no lock between them, and they have no order to keep."""

    kind = "SQS"

    def __init__(
        self,
        functions: Functions,
        spec: FunctionSpec,
        event: EventSource,
        on_change: Callable[[], None],
        client: Any,
        queue_url: str,
        queue_arn: str,
    ) -> None:
        super().__init__(functions, spec, event, on_change)
        props = event.properties
        self.client = client
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = int(props.get("BatchSize") or 10)
        self.report_failures = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        self.enabled = props.get("Enabled", True) is not False
        self.filters = _filters(props)
        maximum = (props.get("ScalingConfig") or {}).get("MaximumConcurrency")
        self.concurrency = max(1, int(maximum)) if maximum is not None else SQS_DEFAULT_CONCURRENCY
        if maximum is not None and not 2 <= int(maximum) <= 1000:
            log.warning("%s: AWS rejects MaximumConcurrency %s (2 to 1000); used as given", self.name, maximum)
        self.in_flight = 0  # polls under way, from the receive to the deletes: a received batch may be in one

    @property
    def busy(self) -> bool:
        return self.in_flight > 0

    def poll_once(self) -> int:
        with self._counts:
            self.in_flight += 1
        try:
            return self._poll()
        finally:
            with self._counts:
                self.in_flight -= 1

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size:
            with _SQS_CALLS:
                response = self.client.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                    WaitTimeSeconds=0,
                )
            batch = response.get("Messages") or []
            if not batch:
                break
            messages.extend(batch)
        return messages

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            attributes[name] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
            if attributes[name]["stringValue"] is None:
                del attributes[name]["stringValue"]
            if attributes[name]["binaryValue"] is None:
                del attributes[name]["binaryValue"]
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": REGION,
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record

    def _poll(self) -> int:
        if not self.enabled:
            return 0
        messages = self._receive()
        if not messages:
            return 0
        records = [self._record(m) for m in messages]
        deliver: list[dict[str, Any]] = []
        dropped: list[dict[str, Any]] = []
        for record in records:
            data = dict(record)
            with contextlib.suppress(ValueError):  # Lambda filters on the body's JSON when it is JSON
                data["body"] = json.loads(record["body"])
            (deliver if _passes(self.filters, data) else dropped).append(record)
        done = list(dropped)  # Lambda deletes messages its filters drop
        if deliver:
            try:
                result = self._invoke({"Records": deliver})
            except FunctionError as err:
                log.warning(
                    "%s: batch of %d failed; the messages return after the visibility timeout\n%s",
                    self.name,
                    len(deliver),
                    err.trace.rstrip() or err.error_message,
                )
            else:
                failed: set[str] = set()
                if self.report_failures and isinstance(result, dict):
                    failed = {str(f.get("itemIdentifier")) for f in result.get("batchItemFailures") or []}
                done.extend(r for r in deliver if r["messageId"] not in failed)
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done[start : start + 10])
            ]
            with _SQS_CALLS:
                self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return 1


# ------------------------------------------------------------------------------------------------ schedules
#: The schedule expression parser the runtime uses: the layer's, which the suite dispatcher uses too.
SCHEDULES_SOURCE = Path(__file__).resolve().parent.parent / "shared" / "promptbank" / "schedules.py"


@functools.cache
def _schedules_module() -> ModuleType:
    """This repository's shared/promptbank/schedules.py (the suite dispatcher's parser), loaded from its file under
    a private name: the runtime serves any template, whose layer (on sys.path) need not be this one's, and putting
    this repository's shared/ on sys.path would hand its packages to that template's functions."""
    name = "local._promptbank_schedules"
    spec = importlib.util.spec_from_file_location(name, SCHEDULES_SOURCE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SCHEDULES_SOURCE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def parse_schedule_expression(expression: str) -> Schedule:
    """The template's `rate(...)`/`cron(...)`, parsed as the suite dispatcher parses suites' schedules; ValueError
    (with the reason) if EventBridge would refuse it."""
    schedule: Schedule = _schedules_module().parse_schedule(expression)
    return schedule


class ScheduleSource:
    """Type: Schedule (EventBridge rule) or ScheduleV2 (EventBridge Scheduler)."""

    def __init__(
        self,
        functions: Functions,
        spec: FunctionSpec,
        event: EventSource,
        resolver: Resolver,
        on_change: Callable[[], None],
    ) -> None:
        self.functions = functions
        self.spec = spec
        self.event = event
        self.on_change = on_change
        props = resolver.resolve(event.properties)
        self.v2 = event.type == "ScheduleV2"
        self.expression = str(props.get("ScheduleExpression") if self.v2 else props.get("Schedule"))
        state = props.get("State")
        self.enabled = props.get("Enabled", True) is not False and state != "DISABLED"
        self.input = props.get("Input")
        self.rule_name = str(props.get("Name") or f"{STACK_NAME}-{spec.logical_id}{event.name}")
        self.schedule: Schedule | None = None
        try:
            self.schedule = parse_schedule_expression(self.expression)
        except ValueError as err:
            log.warning("%s: %s; it only runs when triggered", self.name, err)
        self.lock = threading.Lock()
        # A rate's due times count from the start (the first one interval after it); cron runs in UTC.
        self.started = datetime.now(UTC)
        self.next_run = self._next(self.started)

    @property
    def name(self) -> str:
        return f"{self.spec.logical_id}.{self.event.name}"

    def _next(self, after: datetime) -> datetime | None:
        if self.schedule is None:
            return None
        return self.schedule.next_after(after, "UTC", anchor=self.started)

    def event_payload(self, when: datetime) -> Any:
        if self.input is not None:
            return json.loads(self.input) if isinstance(self.input, str) else self.input
        if self.v2:
            resource = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{self.rule_name}"
            source = "aws.scheduler"
        else:
            resource = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self.rule_name}"
            source = "aws.events"
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": source,
            "account": ACCOUNT_ID,
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [resource],
            "detail": {},
        }

    def fire(self) -> Any:
        """Invoke the function now with the scheduled event; raises FunctionError if it fails."""
        with self.lock:
            self.on_change()
            return self.functions[self.spec.logical_id].invoke(self.event_payload(datetime.now(UTC)))

    def due(self, now: datetime) -> bool:
        if not self.enabled or self.next_run is None or now < self.next_run:
            return False
        self.next_run = self._next(now)
        return True


# ------------------------------------------------------------------------------------------------ TTL
class TtlSweeper:
    """Deletes items whose TTL has passed (DynamoDB does it within days; locally every `ttl_interval_s`)."""

    def __init__(self, client: Any, tables: Mapping[str, str], on_change: Callable[[], None]) -> None:
        self.client = client
        self.tables = tables  # table name -> TTL attribute
        self.on_change = on_change
        self.readers: dict[str, set[str]] = {}  # table name -> the stream sources that read its stream
        # (table, keys) of a swept item -> the readers yet to see its REMOVE record
        self.swept: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def claim(self, table: str, keys: Any, reader: str) -> bool:
        """Whether this REMOVE of `keys` was the sweeper's; each reader of the table's stream asks once."""
        marker = (table, json.dumps(keys, sort_keys=True))
        with self._lock:
            waiting = self.swept.get(marker)
            if waiting is None or reader not in waiting:
                return False
            waiting.discard(reader)
            if not waiting:
                del self.swept[marker]
            return True

    def sweep(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        deleted = 0
        for table, attribute in self.tables.items():
            key_names = [k["AttributeName"] for k in self.client.describe_table(TableName=table)["Table"]["KeySchema"]]
            paginator = self.client.get_paginator("scan")
            pages = paginator.paginate(
                TableName=table,
                FilterExpression="#ttl < :now",
                ExpressionAttributeNames={"#ttl": attribute},
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
            for page in pages:
                for item in page.get("Items", []):
                    key = {name: item[name] for name in key_names}
                    if self.readers.get(table):
                        with self._lock:
                            self.swept[(table, json.dumps(key, sort_keys=True))] = set(self.readers[table])
                    self.client.delete_item(TableName=table, Key=key)
                    deleted += 1
        if deleted:
            self.on_change()
        return deleted


# ------------------------------------------------------------------------------------------------ wiring
class EventSources:
    """All of the stack's stream, queue and schedule sources, their background threads, and drain()."""

    def __init__(
        self,
        functions: Functions,
        specs: Mapping[str, FunctionSpec],
        resolver: Resolver,
        session: Any,
        on_change: Callable[[], None],
        ttl_interval_s: float = 60.0,
        schedules_on: bool = True,
    ) -> None:
        self.functions = functions
        self.on_change = on_change
        self.sources: list[Source] = []
        self.schedules: dict[str, list[ScheduleSource]] = {}
        self.schedules_on = schedules_on
        self.ttl_interval_s = ttl_interval_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        physical = resolver.physical
        ddb = session.client("dynamodb")
        ttl_tables = {}
        for logical_id, table in physical.tables.items():
            ttl = (resolver.template.properties(logical_id).get("TimeToLiveSpecification")) or {}
            if ttl.get("AttributeName") and resolver.resolve(ttl.get("Enabled", True)):
                ttl_tables[table] = str(resolver.resolve(ttl["AttributeName"]))
        self.sweeper = TtlSweeper(ddb, ttl_tables, on_change)
        sqs = session.client("sqs")
        stream_tables = {v: k for k, v in physical.attrs.items() if k[1] == "StreamArn"}
        queue_arns = {v: k[0] for k, v in physical.attrs.items() if k[1] == "Arn" and k[0] in physical.queues}
        queue_urls = {arn: physical.queues[logical] for arn, logical in queue_arns.items()}
        for spec in specs.values():
            for event in spec.events:
                if event.type == "DynamoDB":
                    arn = resolver.resolve(event.properties.get("Stream"))
                    target = stream_tables.get(arn)
                    if target is None:
                        log.warning(
                            "%s.%s: stream %s is not a table stream of this template",
                            spec.logical_id,
                            event.name,
                            arn,
                        )
                        continue
                    resolved = EventSource(event.name, event.type, resolver.resolve(event.properties))
                    self.sources.append(
                        StreamSource(
                            functions,
                            spec,
                            resolved,
                            on_change,
                            physical.tables[target[0]],
                            arn,
                            self.sweeper,
                            on_failure=self._on_failure(f"{spec.logical_id}.{event.name}", resolved, sqs, queue_urls),
                        )
                    )
                elif event.type == "SQS":
                    arn = resolver.resolve(event.properties.get("Queue"))
                    logical = queue_arns.get(arn)
                    if logical is None:
                        log.warning(
                            "%s.%s: queue %s is not a queue of this template",
                            spec.logical_id,
                            event.name,
                            arn,
                        )
                        continue
                    resolved = EventSource(event.name, event.type, resolver.resolve(event.properties))
                    invalid = [key for key in STREAM_ONLY_PROPERTIES if key in resolved.properties]
                    if invalid:
                        log.warning(
                            "%s.%s: %s not valid on an SQS event source (AWS rejects the template); ignored. Failed "
                            "messages go to the queue's RedrivePolicy dead-letter queue after maxReceiveCount receives",
                            spec.logical_id,
                            event.name,
                            ", ".join(invalid) + (" is" if len(invalid) == 1 else " are"),
                        )
                    self.sources.append(
                        QueueSource(functions, spec, resolved, on_change, sqs, physical.queues[logical], arn)
                    )
                elif event.type in ("Schedule", "ScheduleV2"):
                    source = ScheduleSource(functions, spec, event, resolver, on_change)
                    self.schedules.setdefault(spec.logical_id, []).append(source)
                elif event.type != "Api":
                    log.warning(
                        "%s.%s: event type %s is not emulated locally",
                        spec.logical_id,
                        event.name,
                        event.type,
                    )
        for stream in self.sources:
            if isinstance(stream, StreamSource) and stream.enabled:
                self.sweeper.readers.setdefault(stream.table_name, set()).add(stream.name)

    @staticmethod
    def _on_failure(
        name: str, event: EventSource, sqs: Any, queue_urls: Mapping[str, str]
    ) -> FailureDestination | None:
        config = ((event.properties.get("DestinationConfig") or {}).get("OnFailure")) or {}
        arn = config.get("Destination")
        if not arn:
            return None
        destination = FailureDestination(str(arn), sqs, queue_urls.get(str(arn)))
        if not destination.is_queue:
            log.warning(
                "%s: OnFailure destination %s is not emulated (only SQS queues are); failure records are logged instead",
                name,
                arn,
            )
        elif arn not in queue_urls:
            log.warning(
                "%s: OnFailure queue %s is not a queue of this template; it must exist when a batch fails", name, arn
            )
        return destination

    # background ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        for source in self.sources:
            for poller in range(source.concurrency):
                self._spawn(f"poll-{source.name}-{poller + 1}", self._poll_loop, source)
        if self.schedules and self.schedules_on:
            self._spawn("schedules", self._schedule_loop)
        if self.sweeper.tables and self.ttl_interval_s > 0:
            self._spawn("ttl-sweeper", self._ttl_loop)
        self._spawn("stream-trimmer", self._trim_loop)

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_loop(self, source: Source) -> None:
        while not self._stop.is_set():
            try:
                delivered = source.poll_once()
            except Exception:
                log.exception("%s: polling failed", source.name)
                delivered = 0
            if not delivered:
                self._stop.wait(POLL_INTERVAL_S)

    def _schedule_loop(self) -> None:
        while not self._stop.wait(1.0):
            now = datetime.now(UTC)
            for source in self.all_schedules():
                if source.due(now):
                    try:
                        source.fire()
                    except FunctionError as err:
                        log.error("%s: scheduled run failed: %s", source.name, err.error_message)

    def _ttl_loop(self) -> None:
        while not self._stop.wait(self.ttl_interval_s):
            try:
                self.sweeper.sweep()
            except Exception:
                log.exception("TTL sweep failed")

    def _trim_loop(self) -> None:
        while not self._stop.wait(STREAM_TRIM_INTERVAL_S):
            try:
                self.trim_streams()
            except Exception:
                log.exception("trimming streams failed")

    def trim_streams(self, keep: int = STREAM_KEEP_RECORDS) -> int:
        """Drop stream records every consumer is past (moto keeps them all, forever); returns how many."""
        from moto.dynamodb.models import dynamodb_backends

        positions: dict[str, int] = {}
        for source in self.sources:
            if isinstance(source, StreamSource):
                positions[source.table_name] = min(positions.get(source.table_name, source.position), source.position)
        dropped = 0
        with MOTO_LOCK:
            for table in dynamodb_backends[ACCOUNT_ID][REGION].tables.values():
                shard = table.stream_shard
                if shard is None:
                    continue
                end = shard.starting_sequence_number + len(shard.items)
                drop = positions.get(table.name, end) - shard.starting_sequence_number - keep
                if drop > 0:
                    # Sequence numbers are starting_sequence_number + index: move the start with the cut.
                    del shard.items[:drop]
                    shard.starting_sequence_number += drop
                    dropped += drop
        return dropped

    def all_schedules(self) -> Iterable[ScheduleSource]:
        for sources in self.schedules.values():
            yield from sources

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    # on demand ----------------------------------------------------------------------------------------------
    def drain(self, timeout_s: float = 30.0) -> dict[str, Any]:
        """Deliver everything pending (and what that delivery causes) until a whole pass finds nothing new and no
        source is busy, before it or after it: no stream batch is waiting for a retry (one retried without end keeps
        this going until the timeout) and no poller thread is delivering a queue batch (what it causes may be
        pending only once it is done)."""
        deadline = time.monotonic() + timeout_s
        batches = 0
        while time.monotonic() < deadline:
            busy_before = any(s.busy for s in self.sources)
            before = sum(s.deliveries for s in self.sources)
            delivered = 0
            for source in self.sources:
                delivered += source.poll_once()
            batches += delivered
            if delivered == 0 and sum(s.deliveries for s in self.sources) == before:
                if not busy_before and not any(s.busy for s in self.sources):
                    return {"batches": batches, "complete": True}
                time.sleep(STREAM_RETRY_FIRST_S / 2)  # a retry's pause is running out
        return {"batches": batches, "complete": False}

    def trigger(self, function_logical_id: str) -> list[Any]:
        """Run every schedule of the function now (raises KeyError if it has none)."""
        sources = self.schedules[function_logical_id]
        return [source.fire() for source in sources]
