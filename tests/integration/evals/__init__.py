"""Integration tests of evaluation suites off the request path: suite storage, the outbox, the worker, the dispatcher."""
