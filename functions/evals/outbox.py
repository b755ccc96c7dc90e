"""The table stream's consumer for suite runs: enqueues each queued run's chunks, and starts publish runs."""

from promptbank.consumers import EventType, make_consumer
from promptbank.evaluation.suite_runs import SuiteRunOutbox

outbox = SuiteRunOutbox()

handler = make_consumer(outbox.process, EventType.DynamoDBStreams)
