"""SuiteRunOutbox through EvalOutboxFunction: queued runs become chunk messages, production moves become runs."""

from __future__ import annotations

import copy
import math

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from promptbank.evaluation.suite_models import SuiteUpdate
from promptbank.evaluation.suite_runs import SuiteRunOutbox

from .conftest import case


@pytest.mark.parametrize("cases", [1, 50, 51, 120])
def test_a_queued_run_sends_one_message_per_chunk_of_fifty(evals, owner, stream, queue, cases):
    # Given a queued run of a suite of `cases` cases
    suite = evals.suite(owner, evals.prompt(owner), [case(f"w{i}") for i in range(cases)])
    run = evals.queue_run(suite["id"])
    # When the table stream is delivered to the outbox
    responses = stream.deliver()
    # Then the queue holds one message per chunk of 50 cases, naming the run and the chunk
    assert responses == [{"batchItemFailures": []}]
    bodies = sorted(queue.bodies(), key=lambda b: b["chunk"])
    assert bodies == [{"run_id": run["id"], "chunk": n} for n in range(math.ceil(cases / 50))]


def test_a_run_inserted_failed_sends_nothing(evals, owner, stream, queue):
    # Given a suite whose label points at no version, and the run a schedule made of it (failed at once)
    suite = evals.suite(owner, evals.prompt(owner), [case("hi")], label="staging")
    run = evals.suites.new_run(suite, "schedule", "6f1c1c3e-0000-5000-8000-000000000001")
    assert run["status"] == "failed"
    evals.runs.put_run(run)
    # When the stream is delivered
    stream.deliver()
    # Then no chunk is sent
    assert queue.bodies() == []


def _publish_setup(evals, owner, **fields):
    """A prompt at version 1 in production, and a suite on it."""
    prompt_id = evals.prompt(owner)
    suite = evals.suite(owner, prompt_id, [case("hi")], **fields)
    return prompt_id, suite


def test_moving_production_makes_one_publish_run_per_run_on_publish_suite(evals, owner, stream):
    # Given two suites of a prompt with run_on_publish
    prompt_id, one = _publish_setup(evals, owner, run_on_publish=True)
    two = evals.suite(owner, prompt_id, [case("hi")], run_on_publish=True)
    # When version 2 is published and the stream delivered
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    assert stream.deliver() == [{"batchItemFailures": []}]
    # Then each suite has one publish run, queued at version 2
    for suite in (one, two):
        runs = evals.suite_runs(suite["id"])
        assert [(r["trigger"], r["prompt_version"], r["status"], r["label"]) for r in runs] == [
            ("publish", 2, "queued", "production")
        ]


def test_a_publish_run_is_enqueued_in_turn(evals, owner, stream, queue):
    # Given a run_on_publish suite whose prompt's version 2 was published and delivered
    prompt_id, suite = _publish_setup(evals, owner, run_on_publish=True)
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    stream.deliver()
    # When the stream (now holding the publish run's insert) is delivered again
    stream.deliver()
    # Then the publish run's chunk is on the queue
    [run] = evals.suite_runs(suite["id"])
    assert queue.bodies() == [{"run_id": run["id"], "chunk": 0}]


def test_the_same_production_move_delivered_twice_makes_one_run(evals, owner, stream):
    # Given a production move delivered once
    prompt_id, suite = _publish_setup(evals, owner, run_on_publish=True)
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    records = stream.pending()
    stream.deliver(records)
    # When the same records are delivered again (a retried batch)
    responses = stream.deliver(copy.deepcopy(records))
    # Then the batch succeeds and the suite still has one run
    assert responses == [{"batchItemFailures": []}]
    assert len(evals.suite_runs(suite["id"])) == 1


def test_a_redelivered_production_move_is_ignored_by_the_record_handler(evals, owner, stream, clock):
    # Given a production move's stream record
    prompt_id, _ = _publish_setup(evals, owner, run_on_publish=True)
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    [record] = stream.pending()
    outbox = SuiteRunOutbox(clock=clock)
    # When the record handler gets it twice
    outcomes = [outbox.process(DynamoDBRecord(copy.deepcopy(record))) for _ in range(2)]
    # Then only the first made runs
    assert outcomes == ["published", "ignored"]


def test_a_new_version_that_does_not_move_production_makes_no_run(evals, owner, stream):
    # Given a run_on_publish suite
    prompt_id, suite = _publish_setup(evals, owner, run_on_publish=True)
    # When version 2 is saved without publishing it (the META changes, production stays at 1)
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=False)
    records = stream.pending()
    assert len(records) == 1  # the META MODIFY passes the filter
    stream.deliver(records)
    # Then no run is made
    assert evals.suite_runs(suite["id"]) == []


def test_moving_another_label_makes_no_run(evals, owner, stream):
    # Given a run_on_publish suite on a prompt with two versions, production at 2
    prompt_id, suite = _publish_setup(evals, owner, run_on_publish=True)
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    stream.deliver()
    made = len(evals.suite_runs(suite["id"]))
    # When the staging label is pointed at version 1
    from promptbank.prompts.models import LabelSet

    evals.prompts.set_label(owner, prompt_id, "staging", LabelSet(version=1))
    stream.deliver()
    # Then no further run is made
    assert len(evals.suite_runs(suite["id"])) == made == 1


def test_a_suite_without_run_on_publish_gets_no_publish_run(evals, owner, stream):
    # Given a suite without run_on_publish
    prompt_id, suite = _publish_setup(evals, owner)
    # When production moves
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    stream.deliver()
    # Then it has no run
    assert evals.suite_runs(suite["id"]) == []


def test_a_suite_whose_run_on_publish_was_turned_off_gets_no_publish_run(evals, owner, stream):
    # Given a suite created with run_on_publish, then updated without it
    prompt_id, suite = _publish_setup(evals, owner, run_on_publish=True)
    evals.suites.update(owner, suite["id"], SuiteUpdate.model_validate({"run_on_publish": False}))
    # When production moves
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    stream.deliver()
    # Then it has no run
    assert evals.suite_runs(suite["id"]) == []


def test_a_suite_whose_run_on_publish_was_turned_on_gets_a_publish_run(evals, owner, stream):
    # Given a suite created without run_on_publish, then updated with it
    prompt_id, suite = _publish_setup(evals, owner)
    evals.suites.update(owner, suite["id"], SuiteUpdate.model_validate({"run_on_publish": True}))
    # When production moves
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    stream.deliver()
    # Then it has one publish run
    assert [r["trigger"] for r in evals.suite_runs(suite["id"])] == ["publish"]


def test_a_publish_run_shows_as_the_suites_last_run_once_finished(evals, owner, stream, fake, clock):
    # Given a run_on_publish suite whose prompt's production moved
    from promptbank.evaluation.suite_runs import SuiteRunWorker

    from .conftest import sqs_record

    evals.save_key(owner)
    prompt_id, suite = _publish_setup(evals, owner, run_on_publish=True)
    evals.new_version(owner, prompt_id, "Now say {{word}}", publish=True)
    stream.deliver()
    [run] = evals.suite_runs(suite["id"])
    # When the worker runs it
    SuiteRunWorker(clock=clock).process(sqs_record(run["id"], 0))
    # Then the suite's last run is that run, succeeded, the case run against version 2
    last = evals.store.get_suite(suite["id"], consistent=True)["last_run"]
    assert (last["id"], last["status"], last["regressed"]) == (run["id"], "succeeded", False)
    assert fake.last_request.json["messages"][-1]["content"] == "Now say hi"
