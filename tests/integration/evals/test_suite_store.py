"""SuiteStore: a suite's cases cut into pieces and put back together, and revisions a queued run keeps reading."""

from __future__ import annotations

import boto3

from promptbank.clock import epoch
from promptbank.evaluation.suite_models import SuiteUpdate
from promptbank.evaluation.suite_runs import SuiteRunWorker
from promptbank.store.evals import OLD_CASES_TTL_S, PIECE_CHARS, cases_prefix, suite_pk

from .conftest import case, sqs_record


def _long_cases(count: int, letter: str) -> list[dict]:
    """Cases whose JSON is several pieces long; the text is not ASCII, so a cut may fall inside a character's
    bytes (never inside the character: pieces are cut by characters)."""
    return [case(f"w{i}", f"{letter}{i} " + "é€" * 9_000) for i in range(count)]


def _pieces(stack, suite_id: str, rev: int) -> list[dict]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    response = client.query(
        TableName=stack.table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": suite_pk(suite_id)}, ":prefix": {"S": cases_prefix(rev)}},
        ConsistentRead=True,
    )
    return response["Items"]


def test_cases_longer_than_one_piece_survive_a_round_trip(evals, owner):
    # Given a suite whose cases' JSON is longer than two pieces
    cases = _long_cases(12, "a")
    suite = evals.suite(owner, evals.prompt(owner), cases)
    assert suite["cases_pieces"] >= 3
    # When its cases are read back
    stored = evals.store.cases(suite["id"], suite["cases_rev"])
    # Then they are the cases given, in order
    assert stored == cases


def test_a_suite_read_through_the_service_has_every_case_of_its_pieces(evals, owner):
    # Given a suite of several pieces
    cases = _long_cases(12, "a")
    suite = evals.suite(owner, evals.prompt(owner), cases)
    # When its owner reads it
    read = evals.suites.get(owner, suite["id"])
    # Then every case is there
    assert read.test_case_count == 12
    assert [c.model_dump(mode="json", exclude_none=True) for c in read.test_cases] == cases


def test_new_cases_make_a_new_revision_with_its_own_pieces(evals, owner, clock):
    # Given a suite at revision 1
    suite = evals.suite(owner, evals.prompt(owner), _long_cases(12, "a"))
    new_cases = _long_cases(3, "b")
    # When its cases are replaced
    clock.advance(minutes=5)
    evals.suites.update(owner, suite["id"], SuiteUpdate.model_validate({"test_cases": new_cases}))
    # Then the suite names revision 2, which holds the new cases
    after = evals.store.get_suite(suite["id"], consistent=True)
    assert (after["cases_rev"], after["test_case_count"]) == (2, 3)
    assert evals.store.cases(suite["id"], 2) == new_cases


def test_replaced_pieces_get_a_ttl_and_stay_readable(evals, owner, clock, stack):
    # Given a suite of several pieces at revision 1
    old_cases = _long_cases(12, "a")
    suite = evals.suite(owner, evals.prompt(owner), old_cases)
    # When its cases are replaced
    moment = clock.advance(minutes=5)
    evals.suites.update(owner, suite["id"], SuiteUpdate.model_validate({"test_cases": [case("x")]}))
    # Then every old piece expires two days from now, and the old revision still reads whole
    old_pieces = _pieces(stack, suite["id"], 1)
    assert len(old_pieces) == suite["cases_pieces"]
    assert {p["ttl"]["N"] for p in old_pieces} == {str(epoch(moment) + OLD_CASES_TTL_S)}
    assert evals.store.cases(suite["id"], 1) == old_cases
    assert not any("ttl" in p for p in _pieces(stack, suite["id"], 2))


def test_an_update_without_cases_keeps_the_revision(evals, owner):
    # Given a suite at revision 1
    cases = [case("hi")]
    suite = evals.suite(owner, evals.prompt(owner), cases)
    # When only its name changes
    evals.suites.update(owner, suite["id"], SuiteUpdate.model_validate({"name": "Renamed"}))
    # Then its cases are still revision 1, with no expiry
    after = evals.store.get_suite(suite["id"], consistent=True)
    assert (after["rev"], after["cases_rev"]) == (2, 1)
    assert evals.store.cases(suite["id"], 1) == cases


def test_a_run_queued_before_an_edit_runs_the_cases_it_was_queued_with(evals, owner, clock, fake):
    # Given a run queued on revision 1 (one case that passes), then the cases replaced by one that fails
    evals.save_key(owner)
    suite = evals.suite(owner, evals.prompt(owner), [case("hello", id="old")])
    run = evals.queue_run(suite["id"])
    evals.suites.update(owner, suite["id"], SuiteUpdate.model_validate({"test_cases": [case("x", "nope", id="new")]}))
    # When the worker runs the queued run's chunk
    outcome = SuiteRunWorker(clock=clock).process(sqs_record(run["id"], 0))
    # Then it ran revision 1's case
    assert outcome == "finished"
    view = evals.suites.get_run(owner, run["id"], 100, None)
    assert [(r.test_case_id, r.passed) for r in view.results] == [("old", True)]


def test_pieces_are_at_most_piece_chars_long(evals, owner, stack):
    # Given a suite of several pieces
    suite = evals.suite(owner, evals.prompt(owner), _long_cases(12, "a"))
    # When its pieces are read raw
    pieces = _pieces(stack, suite["id"], 1)
    # Then every one is within the limit, and only the last is shorter
    lengths = [len(p["data"]["S"]) for p in pieces]
    assert all(n == PIECE_CHARS for n in lengths[:-1])
    assert 0 < lengths[-1] <= PIECE_CHARS
