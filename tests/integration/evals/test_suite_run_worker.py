"""SuiteRunWorker: chunks run and counted once, the run finished once, results paged in order, `regressed`."""

from __future__ import annotations

import pytest

from promptbank.evaluation.suite_models import SuiteUpdate
from promptbank.evaluation.suite_runs import MAX_RECEIVES, SuiteRunWorker

from .conftest import case, sqs_message, sqs_record

PASS, FAIL = case("yes"), case("no", "absent")


@pytest.fixture
def setup(evals, owner, fake):
    """setup(cases, **suite_fields) -> a queued run of a new suite of `owner`, whose deepseek key is saved."""
    evals.save_key(owner)
    prompt_id = evals.prompt(owner)

    def make(cases, **fields):
        suite = evals.suite(owner, prompt_id, cases, **fields)
        return evals.queue_run(suite["id"])

    return make


@pytest.fixture
def worker(clock):
    return SuiteRunWorker(clock=clock)


def _finish(worker, run):
    """Process every chunk of `run` once; the outcomes."""
    return [worker.process(sqs_record(run["id"], n)) for n in range(int(run["chunks"]))]


def test_a_chunk_delivered_twice_is_run_and_counted_once(setup, worker, evals, fake):
    # Given a 60-case run (two chunks) whose first chunk was processed
    run = setup([case(f"w{i}") for i in range(60)])
    assert worker.process(sqs_record(run["id"], 0)) == "done"
    calls = fake.request_count
    # When the same chunk is delivered again
    outcome = worker.process(sqs_record(run["id"], 0, receive_count=2))
    # Then it is neither run nor counted again
    assert outcome == "done"
    assert fake.request_count == calls == 50
    stored = evals.run(run["id"])
    assert (stored["chunks_done"], stored["done_cases"], stored["status"]) == (1, 50, "running")


def test_a_run_with_a_redelivered_chunk_has_the_right_summary(setup, worker, evals):
    # Given a 60-case run whose first chunk is delivered twice, 55 of its cases passing
    run = setup([case(f"w{i}") for i in range(55)] + [FAIL] * 5)
    worker.process(sqs_record(run["id"], 0))
    worker.process(sqs_record(run["id"], 0, receive_count=2))
    # When its last chunk is processed
    outcome = worker.process(sqs_record(run["id"], 1))
    # Then the run finished with 60 cases counted
    assert outcome == "finished"
    stored = evals.run(run["id"])
    assert stored["status"] == "succeeded"
    assert stored["done_cases"] == 60
    summary = stored["summary"]
    assert (summary["total_tests"], summary["passed_tests"], summary["pass_rate"]) == (60, 55, 0.9167)


def test_only_the_chunk_that_completes_the_count_finishes_the_run(setup, worker):
    # Given a two-chunk run
    run = setup([case(f"w{i}") for i in range(60)])
    # When its chunks are processed in turn
    outcomes = _finish(worker, run)
    # Then the first is done and the last finishes the run
    assert outcomes == ["done", "finished"]


def test_the_last_chunk_processed_twice_finishes_the_run_once(setup, worker, evals):
    # Given a one-chunk run, processed
    run = setup([PASS])
    first = worker.process(sqs_record(run["id"], 0))
    # When the same message is delivered again
    second = worker.process(sqs_record(run["id"], 0, receive_count=2))
    # Then only the first finished it
    assert (first, second) == ("finished", "skipped")


def test_two_racing_finalizers_finish_the_run_once(setup, evals, clock):
    # Given a run whose every chunk is counted, and two workers that both read it while it was still running
    run = setup([PASS, FAIL])
    one, other = SuiteRunWorker(clock=clock), SuiteRunWorker(clock=clock)
    one.process(sqs_record(run["id"], 0))  # counts the chunk and finishes the run
    # rewind: both finalizers read the run before either finished it
    stale = {**evals.run(run["id"]), "status": "running"}
    other.runs.get_run = lambda run_id, consistent=False: dict(stale)
    first_finished_at = evals.run(run["id"])["finished_at"]
    clock.advance(seconds=30)
    # When the other one finalises with what it read
    finished = other.finalize(run["id"])
    # Then it does not finish the run a second time
    assert finished is False
    stored = evals.run(run["id"])
    assert (stored["status"], stored["finished_at"]) == ("succeeded", first_finished_at)


def test_two_racing_finalizers_leave_one_last_run_on_the_suite(setup, evals, clock):
    # Given a run whose chunk is counted but not yet finalised, and two workers about to finalise it
    run = setup([PASS])
    one, other = SuiteRunWorker(clock=clock), SuiteRunWorker(clock=clock)
    original_finalize = one.finalize
    one.finalize = lambda run_id: False  # the chunk is counted, the run is not finished
    assert one.process(sqs_record(run["id"], 0)) == "done"
    # When both finalise it
    outcomes = [original_finalize(run["id"]), other.finalize(run["id"])]
    # Then exactly one finished it, and the suite shows that run succeeded
    assert outcomes == [True, False]
    suite = evals.store.get_suite(run["suite_id"], consistent=True)
    assert suite["last_run"]["id"] == run["id"]
    assert suite["last_run"]["status"] == "succeeded"


def test_a_chunk_failing_on_its_last_receive_records_its_cases_as_errors(setup, worker, evals, owner, monkeypatch):
    # Given a 60-case run whose first chunk is done, and a second chunk whose cases cannot run
    run = setup([case(f"w{i}") for i in range(60)])
    worker.process(sqs_record(run["id"], 0))

    def broken(*args, **kwargs):
        raise RuntimeError("worker crashed")

    monkeypatch.setattr(worker.evaluation, "run_plan", broken)
    # When the failing chunk is received for the last time
    outcome = worker.process(sqs_record(run["id"], 1, receive_count=MAX_RECEIVES))
    # Then its ten cases are recorded as errors and the run finishes
    assert outcome == "finished"
    stored = evals.run(run["id"])
    assert stored["status"] == "succeeded"
    assert (stored["summary"]["total_tests"], stored["summary"]["passed_tests"]) == (60, 50)
    view = evals.suites.get_run(owner, run["id"], 100, None)
    errored = view.results[50:]
    assert [r.test_case_id for r in errored] == [str(n) for n in range(51, 61)]
    assert all(r.error and not r.passed for r in errored)


def test_a_chunk_failing_before_its_last_receive_is_retried(setup, worker, evals, monkeypatch):
    # Given a one-chunk run whose cases cannot run
    run = setup([PASS])

    def broken(*args, **kwargs):
        raise RuntimeError("worker crashed")

    monkeypatch.setattr(worker.evaluation, "run_plan", broken)
    # When the chunk is received for the second time of three
    # Then the failure propagates (the message goes back to the queue) and nothing is counted
    with pytest.raises(RuntimeError):
        worker.process(sqs_record(run["id"], 0, receive_count=MAX_RECEIVES - 1))
    stored = evals.run(run["id"])
    assert (stored["chunks_done"], stored["status"]) == (0, "running")


def test_results_are_paged_in_order_with_case_ids(setup, worker, evals, owner):
    # Given a 60-case run in which only the first and the last case have an id
    cases = [case(f"w{i}") for i in range(60)]
    cases[0]["id"], cases[59]["id"] = "first", "last"
    run = setup(cases)
    _finish(worker, run)
    # When its results are read 25 at a time
    ids, cursor, pages = [], None, 0
    while True:
        view = evals.suites.get_run(owner, run["id"], 25, cursor)
        ids += [r.test_case_id for r in view.results]
        pages += 1
        cursor = view.next_cursor
        if cursor is None:
            break
    # Then they come in the cases' order, a case without id named by its 1-based position across chunks
    assert pages == 3
    assert ids == ["first", *[str(n) for n in range(2, 60)], "last"]
    assert ids[50] == "51"


def test_a_case_result_carries_the_output_and_the_verdict(setup, worker, evals, owner):
    # Given a run of one passing and one failing case
    run = setup([PASS, FAIL])
    # When it is run
    _finish(worker, run)
    # Then each result holds the provider's output and whether it passed
    results = evals.suites.get_run(owner, run["id"], 100, None).results
    assert [(r.test_case_id, r.output, r.passed) for r in results] == [
        ("1", "echo: Say yes", True),
        ("2", "echo: Say no", False),
    ]


def test_a_run_below_min_pass_rate_regressed(setup, worker, evals):
    # Given a suite asking for 90% with one of two cases failing
    run = setup([PASS, FAIL], min_pass_rate=0.9)
    # When the run finishes
    _finish(worker, run)
    # Then it regressed
    stored = evals.run(run["id"])
    assert (stored["summary"]["pass_rate"], stored["regressed"]) == (0.5, True)


def test_a_run_below_the_previous_succeeded_run_regressed(setup, worker, evals, owner, clock):
    # Given a first run that passed everything
    first = setup([PASS, PASS])
    _finish(worker, first)
    # When the cases change so that half fail and the suite runs again
    evals.suites.update(owner, first["suite_id"], SuiteUpdate.model_validate({"test_cases": [PASS, FAIL]}))
    clock.advance(minutes=1)
    second = evals.queue_run(first["suite_id"])
    _finish(worker, second)
    # Then the second run regressed
    stored = evals.run(second["id"])
    assert (stored["summary"]["pass_rate"], stored["regressed"]) == (0.5, True)


def test_a_run_at_or_above_both_bars_did_not_regress(setup, worker, evals, owner, clock):
    # Given a first run at 50% on a suite asking for 50%
    first = setup([PASS, FAIL], min_pass_rate=0.5)
    _finish(worker, first)
    assert evals.run(first["id"])["regressed"] is False
    # When the cases are fixed and the suite runs again
    evals.suites.update(owner, first["suite_id"], SuiteUpdate.model_validate({"test_cases": [PASS, PASS]}))
    clock.advance(minutes=1)
    second = evals.queue_run(first["suite_id"])
    _finish(worker, second)
    # Then it did not regress
    assert evals.run(second["id"])["regressed"] is False


def test_a_failed_earlier_run_is_not_the_bar(setup, worker, evals, owner, clock):
    # Given a succeeded run at 50%, then a later run that failed as a whole
    first = setup([PASS, FAIL])
    _finish(worker, first)
    clock.advance(minutes=1)
    failed = evals.queue_run(first["suite_id"])
    worker.fail(evals.run(failed["id"]), "boom")
    # When a third run at 50% finishes
    clock.advance(minutes=1)
    third = evals.queue_run(first["suite_id"])
    _finish(worker, third)
    # Then it is compared with the succeeded run (equal), not regressed
    assert evals.run(third["id"])["regressed"] is False


def test_the_worker_entry_point_runs_queue_messages(setup, evals, invoker):
    # Given a one-chunk queued run
    run = setup([PASS])
    # When EvalWorkerFunction gets its message
    response = invoker("EvalWorkerFunction", {"Records": [sqs_message(run["id"], 0)]})
    # Then the batch succeeds and the run is finished
    assert response == {"batchItemFailures": []}
    assert evals.run(run["id"])["status"] == "succeeded"


def test_a_run_whose_cases_expired_fails_with_the_reason(setup, worker, evals):
    # Given a queued run whose case revision is gone (its pieces expired while the run waited)
    run = setup([PASS])
    for piece in evals.store.query_all("pk = :pk", {":pk": f"SUITE#{run['suite_id']}"}, consistent=True):
        if str(piece["sk"]).startswith("CASES#"):
            evals.store.delete(piece["pk"], piece["sk"])
    # When its chunk is delivered, the first time
    outcome = worker.process(sqs_record(run["id"], 0))
    # Then the run fails at once, saying why, instead of failing every receive and sitting in `running`
    stored = evals.run(run["id"])
    assert outcome == "skipped"
    assert stored["status"] == "failed" and "test cases are gone" in stored["error"]
