"""Event source settings that need a clock or a template of their own: record age, SQS's start-up warnings, and
how many batches an SQS source delivers at once.

In process (moto's mock and a stand-in function), since record ages of a minute or a day can't be waited out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.events import SQS_DEFAULT_CONCURRENCY, EventSources
from local.lambdas import FunctionError, Functions
from local.testing import MockedStack, mocked_aws

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Failures:
    Type: AWS::SQS::Queue
  Work:
    Type: AWS::SQS::Queue
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Events:
        Source: {Type: %(type)s, Properties: %(properties)s}
"""
ON_FAILURE = {"OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["Failures", "Arn"]}}}


class AlwaysFails:
    """Stands in for the Consumer function: raises every time, and each invocation moves the clock on `step_s`."""

    def __init__(self, step_s: float = 0.0) -> None:
        self.step_s = step_s
        self.offset = 0.0
        self.invocations = 0

    def __getitem__(self, logical_id: str) -> AlwaysFails:
        return self

    def invoke(self, event: Any) -> Any:
        self.invocations += 1
        self.offset += self.step_s
        raise FunctionError("boom", "RuntimeError")

    def clock(self) -> float:
        return time.time() + self.offset


class Slow:
    """Stands in for the Consumer function: each invocation takes `duration_s`; counts how many ran at once."""

    def __init__(self, duration_s: float = 0.5) -> None:
        self.duration_s = duration_s
        self.running = 0
        self.most_at_once = 0
        self.finished = 0
        self.started = threading.Event()
        self._lock = threading.Lock()

    def __getitem__(self, logical_id: str) -> Slow:
        return self

    def invoke(self, event: Any) -> Any:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        time.sleep(self.duration_s)
        with self._lock:
            self.running -= 1
            self.finished += 1
        return None


@contextmanager
def event_sources(
    tmp_path: Path, event_type: str, properties: dict[str, Any], functions: Any
) -> Iterator[tuple[EventSources, MockedStack]]:
    """A one-function template with this event, made in moto's mock, and its event sources (not started)."""
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE % {"type": event_type, "properties": json.dumps(properties)})
    with mocked_aws(path) as mocked:
        session = boto3.session.Session(region_name="us-east-1")
        yield EventSources(functions, mocked.stack.functions, mocked.stack.resolver, session, lambda: None), mocked


@pytest.mark.parametrize(
    ("age_setting", "step_s", "invocations"),
    [({"MaximumRecordAgeInSeconds": 60}, 25.0, 3), ({}, 6 * 3600.0, 4)],
    ids=["MaximumRecordAgeInSeconds", "stream retention"],
)
def test_endless_retries_end_when_the_record_is_too_old(
    tmp_path: Path, age_setting: dict[str, int], step_s: float, invocations: int
) -> None:
    # Given a stream consumer with MaximumRetryAttempts -1 (retry until the record expires: MaximumRecordAgeInSeconds,
    # else the stream's 24 h) and an OnFailure queue, whose function always fails, each attempt step_s after the last
    function = AlwaysFails(step_s)
    properties = {
        "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "StartingPosition": "LATEST",
        "MaximumRetryAttempts": -1,
        "DestinationConfig": ON_FAILURE,
        **age_setting,
    }
    with event_sources(tmp_path, "DynamoDB", properties, function) as (sources, mocked):
        (source,) = sources.sources
        source.clock = function.clock  # type: ignore[attr-defined]
        boto3.client("dynamodb").put_item(TableName=mocked.table_name, Item={"pk": {"S": "a"}})
        # When events are drained
        result = sources.drain(timeout_s=10)
        failures_url = mocked.stack.resolver.physical.queues["Failures"]
        messages = boto3.client("sqs").receive_message(QueueUrl=failures_url, MaxNumberOfMessages=10)["Messages"]
    # Then the record was retried until it was too old, then given up, and its record is on the OnFailure queue
    assert result["complete"] is True
    assert function.invocations == invocations
    assert len(messages) == 1
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == invocations
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1


def test_a_retried_batch_does_not_hold_up_a_drain_past_its_timeout(tmp_path: Path) -> None:
    # Given a stream consumer that retries without end (MaximumRetryAttempts unset is -1) and always fails
    function = AlwaysFails()
    properties = {"Stream": {"Fn::GetAtt": ["Table", "StreamArn"]}, "StartingPosition": "LATEST"}
    with event_sources(tmp_path, "DynamoDB", properties, function) as (sources, mocked):
        boto3.client("dynamodb").put_item(TableName=mocked.table_name, Item={"pk": {"S": "a"}})
        # When events are drained for two seconds
        started = time.monotonic()
        result = sources.drain(timeout_s=2)
        elapsed = time.monotonic() - started
    # Then the drain says, on time, that it could not finish: the record was still being retried
    assert result["complete"] is False
    assert elapsed < 4
    assert function.invocations >= 4


def test_stream_settings_on_an_sqs_event_are_warned_about_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an SQS event source with settings AWS only takes on stream event sources
    properties = {
        "Queue": {"Fn::GetAtt": ["Work", "Arn"]},
        "MaximumRetryAttempts": 2,
        "DestinationConfig": ON_FAILURE,
    }
    # When the event sources are set up
    with (
        caplog.at_level(logging.WARNING, logger="local.events"),
        event_sources(tmp_path, "SQS", properties, AlwaysFails()) as (sources, _),
    ):
        kinds = [source.kind for source in sources.sources]
    # Then the queue is still consumed, and the runtime says AWS would reject the settings
    assert kinds == ["SQS"]
    assert (
        "Consumer.Source: DestinationConfig, MaximumRetryAttempts are not valid on an SQS event source" in caplog.text
    )


@pytest.mark.parametrize(
    ("scaling", "at_once"),
    [({"ScalingConfig": {"MaximumConcurrency": 3}}, 3), ({}, SQS_DEFAULT_CONCURRENCY)],
    ids=["MaximumConcurrency", "default"],
)
def test_an_sqs_source_delivers_batches_concurrently_up_to_its_maximum(
    tmp_path: Path, scaling: dict[str, Any], at_once: int
) -> None:
    # Given an SQS source of one message a batch, whose function takes half a second, and twice as many messages
    # waiting as batches it may deliver at once (ScalingConfig.MaximumConcurrency, else the local default)
    function = Slow(0.5)
    properties = {"Queue": {"Fn::GetAtt": ["Work", "Arn"]}, "BatchSize": 1, **scaling}
    with event_sources(tmp_path, "SQS", properties, function) as (sources, mocked):
        work_url = mocked.stack.resolver.physical.queues["Work"]
        for number in range(2 * at_once):
            boto3.client("sqs").send_message(QueueUrl=work_url, MessageBody=str(number))
        # When its pollers run until every message has been processed
        sources.start()
        deadline = time.monotonic() + 10
        while function.finished < 2 * at_once and time.monotonic() < deadline:
            time.sleep(0.05)
        sources.stop()
    # Then that many batches ran at once, and no more
    assert function.finished == 2 * at_once
    assert function.most_at_once == at_once


def test_a_drain_waits_for_a_queue_batch_another_poller_is_delivering(tmp_path: Path) -> None:
    # Given an SQS source whose pollers run, and a message one of them is delivering to a slow function
    function = Slow(0.5)
    properties = {"Queue": {"Fn::GetAtt": ["Work", "Arn"]}, "BatchSize": 1}
    with event_sources(tmp_path, "SQS", properties, function) as (sources, mocked):
        sources.start()
        boto3.client("sqs").send_message(QueueUrl=mocked.stack.resolver.physical.queues["Work"], MessageBody="x")
        assert function.started.wait(5)
        # When events are drained
        result = sources.drain(timeout_s=5)
        finished = function.finished
        sources.stop()
    # Then the drain is complete only once that batch is done
    assert result["complete"] is True
    assert finished == 1


def test_a_function_gets_as_many_containers_as_its_sqs_source_delivers_batches_at_once(tmp_path: Path) -> None:
    # Given a function whose SQS source delivers up to 12 batches at once, more than the pool's usual maximum
    properties = {"Queue": {"Fn::GetAtt": ["Work", "Arn"]}, "ScalingConfig": {"MaximumConcurrency": 12}}
    with event_sources(tmp_path, "SQS", properties, Slow()) as (_, mocked):
        # When its functions are set up with at most 4 containers each
        functions = Functions(mocked.stack.functions, max_containers=4)
    # Then its pool may hold 12
    assert functions["Consumer"].max_containers == 12
