"""The table stream's consumer for new runs: adds each to its stats aggregates, exactly once."""

from promptbank.consumers import EventType, make_consumer
from promptbank.streams import RunStatsProcessor

processor = RunStatsProcessor()

handler = make_consumer(processor.process, EventType.DynamoDBStreams)
