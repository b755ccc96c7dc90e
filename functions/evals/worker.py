"""The suite run queue's consumer: runs one chunk of a run's cases a message, and finishes the run once."""

from promptbank.consumers import EventType, make_consumer
from promptbank.evaluation.suite_runs import SuiteRunWorker

worker = SuiteRunWorker()

handler = make_consumer(worker.process, EventType.SQS)
