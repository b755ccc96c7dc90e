"""The template's event sources (DynamoDB streams, SQS queues, schedules), delivered as AWS delivers them."""

from __future__ import annotations

import calendar
import contextlib
import copy
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from local.lambdas import FunctionError, Functions
from local.motoserver import MOTO_LOCK
from local.template import ACCOUNT_ID, REGION, STACK_NAME, EventSource, FunctionSpec, Resolver

log = logging.getLogger("local.events")

DEFAULT_STREAM_RETRIES = 2
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
    """One event source mapping; poll_once() delivers at most one batch, under the source's lock."""

    kind = "source"

    def __init__(
        self, functions: Functions, spec: FunctionSpec, event: EventSource, on_change: Callable[[], None]
    ) -> None:
        self.functions = functions
        self.spec = spec
        self.event = event
        self.on_change = on_change
        self.lock = threading.Lock()
        self.deliveries = 0  # batches handed to the function, by any thread

    @property
    def name(self) -> str:
        return f"{self.spec.logical_id}.{self.event.name}"

    def poll_once(self) -> int:
        with self.lock:
            return self._poll()

    def _poll(self) -> int:
        raise NotImplementedError

    def _invoke(self, event: dict[str, Any]) -> Any:
        self.deliveries += 1
        self.on_change()
        return self.functions[self.spec.logical_id].invoke(event)


class StreamSource(Source):
    """Type: DynamoDB. Reads moto's stream shard in process, by sequence number, from its end at start-up."""

    kind = "DynamoDB"

    def __init__(
        self,
        functions: Functions,
        spec: FunctionSpec,
        event: EventSource,
        on_change: Callable[[], None],
        table_name: str,
        stream_arn: str,
        swept: set[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(functions, spec, event, on_change)
        props = event.properties
        self.table_name = table_name
        self.stream_arn = stream_arn
        self.batch_size = int(props.get("BatchSize") or 100)
        retries = props.get("MaximumRetryAttempts")
        self.max_retries = DEFAULT_STREAM_RETRIES if retries in (None, -1) else min(int(retries), 5)
        self.report_failures = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        self.enabled = props.get("Enabled", True) is not False
        self.filters = _filters(props)
        self.swept = swept if swept is not None else set()
        self.position = self._shard_end()

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
        if record.get("eventName") == "REMOVE":
            marker = (self.table_name, json.dumps(ddb.get("Keys"), sort_keys=True))
            if marker in self.swept:
                self.swept.discard(marker)
                record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        return record

    def _poll(self) -> int:
        if not self.enabled:
            return 0
        raw = self._read(self.position, self.batch_size)
        if not raw:
            return 0
        records = [self._record(r) for r in raw]
        last = int(records[-1]["dynamodb"]["SequenceNumber"])
        records = [r for r in records if _passes(self.filters, r)]
        if records:
            self._deliver(records)
        self.position = last + 1
        return 1

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        attempt = 0
        while records:
            try:
                result = self._invoke({"Records": records})
            except FunctionError as err:
                failed_from = 0
                reason = f"{err.error_type}: {err.error_message}"
                log.warning("%s: batch failed\n%s", self.name, err.trace.rstrip() or reason)
            else:
                failures = (
                    (result or {}).get("batchItemFailures")
                    if self.report_failures and isinstance(result, dict)
                    else None
                )
                if not failures:
                    return
                sequence_numbers = [str(f.get("itemIdentifier")) for f in failures]
                failed_from = min(
                    (i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in sequence_numbers),
                    default=0,
                )
                reason = f"{len(failures)} batch item failure(s)"
            records = records[failed_from:]
            if attempt >= self.max_retries:
                log.error(
                    "%s: skipping %d stream record(s) after %d retries (%s)",
                    self.name,
                    len(records),
                    attempt,
                    reason,
                )
                return
            attempt += 1
            time.sleep(min(0.05 * 2**attempt, 1.0))


class QueueSource(Source):
    """Type: SQS. Receives through moto's SQS API; deletes what the function processed."""

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

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size:
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
            self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return 1


# ------------------------------------------------------------------------------------------------ schedules
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_MONTHS = {
    m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}


def _cron_field(text: str, low: int, high: int, names: Mapping[str, int] | None = None) -> set[int] | None:
    """Values a cron field allows; None for `?`/`*` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _cron_value(a, names), _cron_value(b, names)
        else:
            start = _cron_value(part, names)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return values


def _cron_value(text: str, names: Mapping[str, int] | None) -> int:
    text = text.upper()
    if names and text in names:
        return names[text]
    return int(text)


class Cron:
    """EventBridge cron(min hour day-of-month month day-of-week year), UTC; `L` for the month's last day."""

    def __init__(self, expression: str) -> None:
        fields = expression.split()
        if len(fields) != 6:
            raise ValueError(f"cron needs 6 fields: {expression}")
        minute, hour, dom, month, dow, year = fields
        if any(c in dom + dow for c in "W#") or "L" in dow:
            raise ValueError(f"cron {expression}: W, # and day-of-week L are not supported locally")
        self.minutes = _cron_field(minute, 0, 59)
        self.hours = _cron_field(hour, 0, 23)
        self.last_day = dom == "L"
        self.dom = None if self.last_day else _cron_field(dom, 1, 31)
        self.months = _cron_field(month, 1, 12, _MONTHS)
        self.dow = _cron_field(dow, 1, 7, _DAYS)
        self.years = _cron_field(year, 1970, 2199)

    def next_after(self, moment: datetime) -> datetime | None:
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 5):
            if self._day_ok(day):
                for hour in sorted(self.hours) if self.hours is not None else range(24):
                    for minute in sorted(self.minutes) if self.minutes is not None else range(60):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        return None

    def _day_ok(self, day: datetime) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        if self.months is not None and day.month not in self.months:
            return False
        if self.last_day:
            return day.day == calendar.monthrange(day.year, day.month)[1]
        if self.dom is not None and day.day not in self.dom:
            return False
        weekday = (day.weekday() + 1) % 7 + 1  # AWS: 1 = Sunday
        return not (self.dow is not None and weekday not in self.dow)


def schedule_interval(expression: str) -> timedelta | None:
    match = _RATE.match(expression.strip())
    if not match:
        return None
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    return timedelta(**{f"{unit}s": count})


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
        self.interval = schedule_interval(self.expression)
        self.cron: Cron | None = None
        if self.interval is None:
            inner = re.match(r"^cron\((.*)\)$", self.expression.strip())
            try:
                self.cron = Cron(inner.group(1)) if inner else None
            except ValueError as err:
                log.warning("%s: %s; it only runs when triggered", self.name, err)
            if self.cron is None and inner is None:
                log.warning(
                    "%s: schedule %r is not understood; it only runs when triggered",
                    self.name,
                    self.expression,
                )
        self.lock = threading.Lock()
        self.next_run = self._next(datetime.now(UTC))

    @property
    def name(self) -> str:
        return f"{self.spec.logical_id}.{self.event.name}"

    def _next(self, after: datetime) -> datetime | None:
        if self.interval is not None:
            return after + self.interval
        if self.cron is not None:
            return self.cron.next_after(after)
        return None

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
        self.swept: set[tuple[str, str]] = set()

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
                    self.swept.add((table, json.dumps(key, sort_keys=True)))
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
                            self.sweeper.swept,
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

    # background ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        for source in self.sources:
            self._spawn(f"poll-{source.name}", self._poll_loop, source)
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
        """Deliver everything pending (and what that delivery causes) until a whole pass finds nothing new."""
        deadline = time.monotonic() + timeout_s
        batches = 0
        while time.monotonic() < deadline:
            before = sum(s.deliveries for s in self.sources)
            delivered = 0
            for source in self.sources:
                delivered += source.poll_once()
            batches += delivered
            if delivered == 0 and sum(s.deliveries for s in self.sources) == before:
                return {"batches": batches, "complete": True}
        return {"batches": batches, "complete": False}

    def trigger(self, function_logical_id: str) -> list[Any]:
        """Run every schedule of the function now (raises KeyError if it has none)."""
        sources = self.schedules[function_logical_id]
        return [source.fire() for source in sources]
