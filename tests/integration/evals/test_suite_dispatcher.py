"""SuiteDispatcher: due suites get one scheduled run each, and their next due time moves on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from promptbank.clock import iso
from promptbank.evaluation.suite_runs import SuiteDispatcher

from .conftest import case


def _due_suite(evals, owner, schedule="rate(1 hour)", **fields):
    return evals.suite(owner, evals.prompt(owner), [case("hi")], schedule=schedule, **fields)


def test_a_due_suite_gets_one_scheduled_run(evals, owner, clock):
    # Given an hourly suite, an hour and a few seconds later
    suite = _due_suite(evals, owner)
    assert suite["next_run_at"] == "2026-01-15T11:00:00.000Z"
    clock.advance(hours=1, seconds=5)
    # When the dispatcher runs
    counts = SuiteDispatcher(clock=clock).dispatch({})
    # Then the suite has one queued run triggered by the schedule, at production's version
    assert counts == {"due": 1, "runs": 1}
    runs = evals.suite_runs(suite["id"])
    assert [(r["trigger"], r["status"], r["prompt_version"]) for r in runs] == [("schedule", "queued", 1)]


def test_a_dispatched_suite_is_due_again_one_period_later(evals, owner, clock):
    # Given an hourly suite that is due
    suite = _due_suite(evals, owner)
    clock.advance(hours=1, seconds=5)
    # When the dispatcher runs
    SuiteDispatcher(clock=clock).dispatch({})
    # Then its next due time is the next hour, and it is not due again now
    after = evals.store.get_suite(suite["id"], consistent=True)
    assert after["next_run_at"] == "2026-01-15T12:00:00.000Z"
    assert SuiteDispatcher(clock=clock).dispatch({}) == {"due": 0, "runs": 0}


def test_a_suite_not_yet_due_gets_no_run(evals, owner, clock):
    # Given an hourly suite, a minute before it is due
    suite = _due_suite(evals, owner)
    clock.advance(minutes=59)
    # When the dispatcher runs
    counts = SuiteDispatcher(clock=clock).dispatch({})
    # Then nothing happens
    assert counts == {"due": 0, "runs": 0}
    assert evals.suite_runs(suite["id"]) == []


def test_two_dispatchers_seeing_the_same_due_suite_make_one_run(evals, owner, clock):
    # Given a due suite read by two dispatchers at the same moment
    suite = _due_suite(evals, owner)
    moment = clock.advance(hours=1, seconds=5)
    one, other = SuiteDispatcher(clock=clock), SuiteDispatcher(clock=clock)
    [seen_by_one] = one.store.due_suites(iso(moment))
    [seen_by_other] = other.store.due_suites(iso(moment))
    # When both dispatch what they read
    outcomes = [one.dispatch_one(seen_by_one, moment), other.dispatch_one(seen_by_other, moment)]
    # Then one made the run and the other skipped it; the suite has one run and moved on once
    assert outcomes == ["made", "skipped"]
    assert len(evals.suite_runs(suite["id"])) == 1
    assert evals.store.get_suite(suite["id"], consistent=True)["next_run_at"] == "2026-01-15T12:00:00.000Z"


def test_two_dispatches_at_the_same_moment_make_one_run(evals, owner, clock):
    # Given a due suite
    suite = _due_suite(evals, owner)
    clock.advance(hours=1, seconds=5)
    # When two dispatchers run one after the other on the same clock
    counts = [SuiteDispatcher(clock=clock).dispatch({}) for _ in range(2)]
    # Then only the first made a run
    assert [c["runs"] for c in counts] == [1, 0]
    assert len(evals.suite_runs(suite["id"])) == 1


def test_a_suite_whose_label_has_no_version_gets_a_failed_run(evals, owner, clock):
    # Given a due suite on a label no version has
    suite = _due_suite(evals, owner, label="staging")
    clock.advance(hours=1, seconds=5)
    # When the dispatcher runs
    counts = SuiteDispatcher(clock=clock).dispatch({})
    # Then the suite has a failed run saying why, shown as its last run
    assert counts == {"due": 1, "runs": 1}
    [run] = evals.suite_runs(suite["id"])
    assert (run["trigger"], run["status"]) == ("schedule", "failed")
    assert "staging" in run["error"]
    last = evals.store.get_suite(suite["id"], consistent=True)["last_run"]
    assert (last["id"], last["status"]) == (run["id"], "failed")


def test_a_suite_whose_label_has_no_version_still_moves_on(evals, owner, clock):
    # Given a due suite on a label no version has
    suite = _due_suite(evals, owner, label="staging")
    clock.advance(hours=1, seconds=5)
    # When the dispatcher runs
    SuiteDispatcher(clock=clock).dispatch({})
    # Then its next due time moved on
    assert evals.store.get_suite(suite["id"], consistent=True)["next_run_at"] == "2026-01-15T12:00:00.000Z"


def test_a_suite_due_long_ago_gets_one_run_not_one_per_missed_time(evals, owner, clock):
    # Given an hourly suite whose dispatcher did not run for five hours
    suite = _due_suite(evals, owner)
    clock.advance(hours=5, minutes=30)
    # When the dispatcher runs
    counts = SuiteDispatcher(clock=clock).dispatch({})
    # Then one run is made and the next due time is the next one from now
    assert counts["runs"] == 1
    assert evals.store.get_suite(suite["id"], consistent=True)["next_run_at"] == "2026-01-15T16:00:00.000Z"


def test_a_cron_schedule_in_a_time_zone_is_due_at_its_local_time_in_winter(evals, owner):
    # Given a suite due at 09:00 Paris time every day, created on a winter morning (10:00Z)
    # When it is saved
    suite = _due_suite(evals, owner, "cron(0 9 * * ? *)", schedule_timezone="Europe/Paris")
    # Then it is next due at 08:00Z the following day
    assert suite["next_run_at"] == "2026-01-16T08:00:00.000Z"


def test_a_cron_schedule_in_a_time_zone_is_due_at_its_local_time_in_summer(evals, owner, clock):
    # Given a summer morning (Paris is UTC+2)
    clock.moment = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
    # When a suite due at 09:00 Paris time is saved
    suite = _due_suite(evals, owner, "cron(0 9 * * ? *)", schedule_timezone="Europe/Paris")
    # Then it is next due at 07:00Z the following day
    assert suite["next_run_at"] == "2026-07-16T07:00:00.000Z"


def test_a_dispatched_cron_suite_moves_to_the_next_local_time(evals, owner, clock):
    # Given a suite due at 09:00 Paris time, dispatched when due
    suite = _due_suite(evals, owner, "cron(0 9 * * ? *)", schedule_timezone="Europe/Paris")
    clock.moment = datetime(2026, 1, 16, 8, 0, 20, tzinfo=UTC)
    # When the dispatcher runs
    assert SuiteDispatcher(clock=clock).dispatch({})["runs"] == 1
    # Then the suite is next due at 09:00 Paris time the day after
    assert evals.store.get_suite(suite["id"], consistent=True)["next_run_at"] == "2026-01-17T08:00:00.000Z"


def test_a_suite_without_schedule_is_never_dispatched(evals, owner, clock):
    # Given a suite without schedule
    suite = evals.suite(owner, evals.prompt(owner), [case("hi")])
    assert "next_run_at" not in suite
    clock.advance(days=30)
    # When the dispatcher runs
    # Then nothing is due
    assert SuiteDispatcher(clock=clock).dispatch({}) == {"due": 0, "runs": 0}


def test_the_scheduled_entry_point_dispatches_due_suites(evals, owner, invoker):
    # Given an every-five-minutes suite created an hour ago (so due now, on the real clock)
    evals.clock.moment = datetime.now(UTC) - timedelta(hours=1)
    suite = _due_suite(evals, owner, "rate(5 minutes)")
    # When EvalDispatcherFunction is invoked by its schedule
    counts = invoker("EvalDispatcherFunction", {"source": "aws.scheduler"})
    # Then the suite got one scheduled run
    assert counts == {"due": 1, "runs": 1}
    assert [r["trigger"] for r in evals.suite_runs(suite["id"])] == ["schedule"]
