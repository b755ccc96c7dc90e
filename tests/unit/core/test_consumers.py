"""The consumer factory: a record handler becomes a Lambda handler that reports partial batch failures."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from promptbank.consumers import EventType, make_consumer, make_scheduled
from promptbank.observability import logger

CONTEXT = SimpleNamespace(function_name="ConsumerFunction", memory_limit_in_mb=256, aws_request_id="req-1",
                          invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:ConsumerFunction")


def _stream_record(sequence: str, name: str) -> dict[str, Any]:
    keys = {"pk": {"S": f"ITEM#{name}"}, "sk": {"S": "ITEM"}}
    return {"eventID": f"e{sequence}", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {"ApproximateCreationDateTime": 1795428931, "Keys": keys,
                         "NewImage": {**keys, "name": {"S": name}}, "SequenceNumber": sequence, "SizeBytes": 64,
                         "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-11-23T00:00:00.000"}


def _sqs_record(message_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795428931000",
                           "SenderId": "123456789012", "ApproximateFirstReceiveTimestamp": "1795428931001"},
            "messageAttributes": {}, "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}


def test_a_failing_stream_record_is_reported_by_its_sequence_number_and_the_others_are_processed():
    # Given a stream consumer whose record handler fails on "bad"
    seen: list[str] = []

    def record_handler(record: DynamoDBRecord) -> None:
        name = record.dynamodb.new_image["name"]  # type: ignore[union-attr]
        if name == "bad":
            raise RuntimeError("cannot write")
        seen.append(name)

    handler = make_consumer(record_handler, EventType.DynamoDBStreams)
    # When a batch of three with "bad" in the middle arrives
    records = [_stream_record("101", "a"), _stream_record("102", "bad"), _stream_record("103", "c")]
    response = handler({"Records": records}, CONTEXT)
    # Then only "bad" is reported, by sequence number, and the records around it are processed
    assert response == {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert seen == ["a", "c"]


def test_a_failing_sqs_message_is_reported_by_its_message_id_and_the_others_are_processed():
    # Given a queue consumer whose record handler fails on job 2
    jobs: list[int] = []

    def record_handler(record: SQSRecord) -> None:
        job = record.json_body["job"]
        if job == 2:
            raise RuntimeError("provider down")
        jobs.append(job)

    handler = make_consumer(record_handler, EventType.SQS)
    # When three messages arrive
    response = handler({"Records": [_sqs_record(f"m{i}", {"job": i}) for i in (1, 2, 3)]}, CONTEXT)
    # Then message m2 is reported for redelivery, and jobs 1 and 3 are done
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert jobs == [1, 3]


@pytest.mark.parametrize("event_type", [EventType.DynamoDBStreams, EventType.SQS])
def test_a_batch_without_failures_reports_none(event_type):
    # Given a consumer that accepts every record
    handler = make_consumer(lambda record: None, event_type)
    record = _stream_record("1", "a") if event_type is EventType.DynamoDBStreams else _sqs_record("m1", {})
    # When a batch arrives
    # Then no record is reported
    assert handler({"Records": [record, record]}, CONTEXT) == {"batchItemFailures": []}


def test_an_empty_batch_reports_no_failures_and_calls_no_record_handler():
    # Given a consumer
    calls: list[Any] = []
    handler = make_consumer(calls.append, EventType.DynamoDBStreams)
    # When the batch is empty
    response = handler({"Records": []}, CONTEXT)
    # Then nothing fails and nothing is handled
    assert response == {"batchItemFailures": []}
    assert calls == []


def test_a_batch_whose_every_record_fails_fails_the_invocation():
    # Given a consumer whose record handler always fails
    def record_handler(record: DynamoDBRecord) -> None:
        raise RuntimeError("table unavailable")

    handler = make_consumer(record_handler, EventType.DynamoDBStreams)
    # When a batch arrives
    # Then the invocation fails (so that Lambda can bisect the batch), naming every record's error
    with pytest.raises(BatchProcessingError, match="All records failed processing"):
        handler({"Records": [_stream_record("1", "a"), _stream_record("2", "b")]}, CONTEXT)


def test_a_record_handler_that_asks_for_the_context_gets_it():
    # Given a record handler with a `lambda_context` parameter
    requests: list[str] = []

    def record_handler(record: SQSRecord, lambda_context: Any) -> None:
        requests.append(lambda_context.aws_request_id)

    # When a batch arrives
    make_consumer(record_handler, EventType.SQS)({"Records": [_sqs_record("m1", {})]}, CONTEXT)
    # Then it gets the invocation's context
    assert requests == ["req-1"]


def test_a_failed_record_is_logged_with_its_identifier(caplog):
    # Given a queue consumer whose record handler fails on one message
    def record_handler(record: SQSRecord) -> None:
        if record.message_id == "m2":
            raise RuntimeError("provider down")

    handler = make_consumer(record_handler, EventType.SQS)
    # When the batch is processed
    handler({"Records": [_sqs_record("m1", {}), _sqs_record("m2", {})]}, CONTEXT)
    # Then the log has one error line naming the message, with its exception and the function's context
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    line = json.loads(logger.registered_formatter.format(record))
    assert (line["item"], line["exception_name"], line["function_request_id"]) == ("m2", "RuntimeError", "req-1")
    assert "provider down" in line["exception"]


def test_a_consumer_takes_only_stream_and_queue_batches():
    # When a consumer is made for another event source
    # Then it is refused at import time, not at the first batch
    with pytest.raises(ValueError, match="KinesisDataStreams"):
        make_consumer(lambda record: None, EventType.KinesisDataStreams)


def test_a_scheduled_function_gets_the_event_and_the_context():
    # Given a scheduled function
    calls: list[tuple[Any, Any]] = []
    handler = make_scheduled(lambda event, context: calls.append((event, context)) or "done")
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    # When the schedule fires
    result = handler(event, CONTEXT)
    # Then it is called with both and its result is the invocation's
    assert (calls, result) == ([(event, CONTEXT)], "done")


def test_a_scheduled_function_that_raises_fails_the_invocation():
    # Given a scheduled function that fails
    def tick(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("dispatch failed")

    # When the schedule fires
    # Then the invocation fails, so the schedule's retry policy applies
    with pytest.raises(RuntimeError, match="dispatch failed"):
        make_scheduled(tick)({}, CONTEXT)
