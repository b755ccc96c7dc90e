"""Every minute (EventBridge Scheduler): starts the runs of the suites whose schedule is due."""

from promptbank.consumers import make_scheduled
from promptbank.evaluation.suite_runs import SuiteDispatcher

dispatcher = SuiteDispatcher()

handler = make_scheduled(dispatcher.dispatch)
