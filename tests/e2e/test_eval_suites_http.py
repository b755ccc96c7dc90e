"""Saved evaluation suites over HTTP through the local runtime, against the fake provider: CRUD, runs started by
hand, by their schedule and by publishing a worse version, results paged, provider failures failing single cases,
cross-user 404 and bad input 400 (API.md §6, issue 10's "Done when")."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

JUDGE = "claude-sonnet-4-5"
# The fake answers "echo: <user message>": with the template "Say {{word}}" the output is "echo: Say <word>", so
# `expected_output` <word> passes (icontains) and anything else fails.
TEMPLATE = "Say {{word}}"
PASSING = [
    {"name": "apple", "inputs": {"word": "apple"}, "expected_output": "apple"},
    {"name": "banana", "inputs": {"word": "banana"}, "expected_output": "banana"},
]
FAILING = {"name": "cherry", "inputs": {"word": "cherry"}, "expected_output": "kiwi"}
SUMMARY_FIELDS = {
    "id",
    "name",
    "prompt_id",
    "label",
    "model",
    "judge_model",
    "test_case_count",
    "schedule",
    "schedule_timezone",
    "run_on_publish",
    "min_pass_rate",
    "next_run_at",
    "last_run",
    "created_at",
    "updated_at",
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def owner(api: httpx.Client, new_user: Any, fake: FakeProviderServer) -> dict[str, Any]:
    """A user with deepseek (the cases' model) and anthropic (the judge) keys pointing at the fake server."""
    fake.reset()
    user = new_user()
    for provider, base in (("deepseek", fake.deepseek_base), ("anthropic", fake.anthropic_base)):
        reply = api.put(
            f"/v1/provider-keys/{provider}",
            headers=user["headers"],
            json={"api_key": "sk-e2e-0123456789", "base_url": base},
        )
        assert reply.status_code == 200, reply.text
    return user


def _prompt(api: httpx.Client, user: dict[str, Any], content: str = TEMPLATE, **fields: Any) -> dict[str, Any]:
    reply = api.post("/v1/prompts", headers=user["headers"], json={"name": "Fruit", "content": content, **fields})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _suite(api: httpx.Client, user: dict[str, Any], prompt: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"name": "Fruit suite", "prompt_ref": prompt["id"], "test_cases": [*PASSING, FAILING], **fields}
    reply = api.post("/v1/eval-suites", headers=user["headers"], json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _drain(runtime: Any) -> None:
    reply = httpx.post(f"{runtime.base_url}/__local/drain", params={"timeout": 90}, timeout=120)
    assert reply.status_code == 200, reply.text
    assert reply.json()["complete"] is True, reply.text


def _fire_dispatcher(runtime: Any) -> dict[str, Any]:
    reply = httpx.post(f"{runtime.base_url}/__local/schedules/EvalDispatcherFunction", timeout=60)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _runs(api: httpx.Client, user: dict[str, Any], suite_id: str) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/eval-suites/{suite_id}/runs", headers=user["headers"], params={"limit": 100})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"])


def _start(api: httpx.Client, user: dict[str, Any], suite_id: str) -> dict[str, Any]:
    reply = api.post(f"/v1/eval-suites/{suite_id}/runs", headers=user["headers"])
    assert reply.status_code == 202, reply.text
    return dict(reply.json())


def _run(api: httpx.Client, user: dict[str, Any], run_id: str, **params: Any) -> dict[str, Any]:
    reply = api.get(f"/v1/eval-runs/{run_id}", headers=user["headers"], params=params)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _when(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


# -- CRUD -------------------------------------------------------------------------------------------------------


def test_create_returns_the_suite_without_a_due_time_when_unscheduled(api, owner):
    # Given a prompt
    prompt = _prompt(api, owner)
    # When a suite without a schedule is created for it
    reply = api.post(
        "/v1/eval-suites",
        headers=owner["headers"],
        json={"name": "Fruit suite", "prompt_ref": prompt["slug"], "test_cases": [*PASSING, FAILING]},
    )
    # Then 201 with the Suite: defaults filled, the cases as given, no due time and no run yet
    assert reply.status_code == 201, reply.text
    suite = reply.json()
    assert set(suite) == SUMMARY_FIELDS | {"test_cases"}
    assert (suite["name"], suite["prompt_id"], suite["label"]) == ("Fruit suite", prompt["id"], "production")
    assert (suite["schedule"], suite["schedule_timezone"], suite["next_run_at"]) == (None, "UTC", None)
    assert (suite["run_on_publish"], suite["min_pass_rate"], suite["last_run"]) == (False, None, None)
    assert suite["test_case_count"] == 3
    assert [(c["name"], c["inputs"], c["expected_output"]) for c in suite["test_cases"]] == [
        ("apple", {"word": "apple"}, "apple"),
        ("banana", {"word": "banana"}, "banana"),
        ("cherry", {"word": "cherry"}, "kiwi"),
    ]
    assert _when(suite["created_at"]) == _when(suite["updated_at"])


def test_a_rate_schedule_is_first_due_one_interval_after_creation(api, owner):
    # Given a prompt
    prompt = _prompt(api, owner)
    # When a suite is created with a daily rate
    suite = _suite(api, owner, prompt, schedule="rate(1 day)")
    # Then it is first due one day after it was created
    assert suite["schedule"] == "rate(1 day)"
    assert _when(suite["next_run_at"]) - _when(suite["created_at"]) == timedelta(days=1)


def test_a_cron_schedule_is_due_at_its_time_in_the_suites_time_zone(api, owner):
    # Given a prompt
    prompt = _prompt(api, owner)
    # When a suite is created to run at 09:00 every day in Paris
    suite = _suite(api, owner, prompt, schedule="cron(0 9 * * ? *)", schedule_timezone="Europe/Paris")
    # Then it is due at the next 09:00 Paris time after its creation, given in UTC
    paris = _when(suite["created_at"]).astimezone(ZoneInfo("Europe/Paris"))
    due = paris.replace(hour=9, minute=0, second=0, microsecond=0)
    if due <= paris:
        due = (paris + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    assert suite["schedule_timezone"] == "Europe/Paris"
    assert _when(suite["next_run_at"]) == due.astimezone(UTC)


def test_get_returns_the_suite_with_its_cases(api, owner):
    # Given a suite
    created = _suite(api, owner, _prompt(api, owner))
    # When it is read back
    reply = api.get(f"/v1/eval-suites/{created['id']}", headers=owner["headers"])
    # Then it is the suite as created, cases included
    assert reply.status_code == 200, reply.text
    assert reply.json() == created


def test_list_pages_suite_summaries_newest_first(api, owner):
    # Given three suites made one after the other
    prompt = _prompt(api, owner)
    made = []
    for n in range(3):
        made.append(_suite(api, owner, prompt, name=f"Suite {n}")["id"])
        time.sleep(0.01)  # distinct creation times, whatever the clock's resolution
    # When they are listed one a page
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(6):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        reply = api.get("/v1/eval-suites", headers=owner["headers"], params=params)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        assert len(page["data"]) <= 1
        seen.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Then every suite came once, newest first, as a summary (a count, not the cases)
    assert cursor is None
    assert [s["id"] for s in seen] == made[::-1]
    assert all(set(s) == SUMMARY_FIELDS and s["test_case_count"] == 3 for s in seen), seen


def test_patch_renames_clears_the_schedule_and_replaces_the_cases(api, owner):
    # Given a scheduled suite of three cases
    suite = _suite(api, owner, _prompt(api, owner), schedule="rate(1 day)")
    assert suite["next_run_at"] is not None
    # When it is renamed, unscheduled and given one case
    reply = api.patch(
        f"/v1/eval-suites/{suite['id']}",
        headers=owner["headers"],
        json={"name": "Renamed", "schedule": None, "test_cases": [PASSING[0]]},
    )
    # Then the change shows in the answer and when read again, and the rest is as it was
    assert reply.status_code == 200, reply.text
    again = api.get(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"]).json()
    for changed in (reply.json(), again):
        assert (changed["name"], changed["schedule"], changed["next_run_at"]) == ("Renamed", None, None)
        assert changed["test_case_count"] == 1
        assert [c["name"] for c in changed["test_cases"]] == ["apple"]
        assert (changed["prompt_id"], changed["created_at"]) == (suite["prompt_id"], suite["created_at"])
    assert _when(again["updated_at"]) >= _when(suite["updated_at"])


def test_delete_is_a_204_then_the_suite_is_gone(api, owner):
    # Given a suite
    suite = _suite(api, owner, _prompt(api, owner))
    # When it is deleted
    reply = api.delete(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"])
    # Then 204, and reading, changing, running or deleting it again is a 404, and it is not listed
    assert reply.status_code == 204, reply.text
    path = f"/v1/eval-suites/{suite['id']}"
    assert api.get(path, headers=owner["headers"]).status_code == 404
    assert api.patch(path, headers=owner["headers"], json={"name": "X"}).status_code == 404
    assert api.post(f"{path}/runs", headers=owner["headers"]).status_code == 404
    assert api.delete(path, headers=owner["headers"]).status_code == 404
    listed = api.get("/v1/eval-suites", headers=owner["headers"]).json()["data"]
    assert suite["id"] not in [s["id"] for s in listed]


# -- runs started by hand -------------------------------------------------------------------------------------


def test_a_manual_run_is_queued_then_succeeds_with_its_results_in_order(api, runtime, owner):
    # Given a suite of three cases, two of which pass
    suite = _suite(api, owner, _prompt(api, owner))
    # When a run is started by hand
    queued = _start(api, owner, suite["id"])
    # Then it is accepted queued, without results yet
    assert (queued["status"], queued["trigger"], queued["suite_id"]) == ("queued", "manual", suite["id"])
    assert (queued["prompt_version"], queued["total_cases"], queued["done_cases"]) == (1, 3, 0)
    assert (queued["summary"], queued["regressed"], queued["results"], queued["next_cursor"]) == (None, None, [], None)
    # And when the queue is delivered, it has succeeded with the cases' results in the suite's order
    _drain(runtime)
    run = _run(api, owner, queued["id"])
    assert (run["status"], run["trigger"], run["prompt_version"], run["error"]) == ("succeeded", "manual", 1, None)
    assert run["done_cases"] == 3 and run["started_at"] and run["finished_at"]
    assert [(r["test_case_id"], r["name"], r["passed"]) for r in run["results"]] == [
        ("1", "apple", True),
        ("2", "banana", True),
        ("3", "cherry", False),
    ]
    assert run["results"][0]["output"] == "echo: Say apple"
    assert (run["summary"]["total_tests"], run["summary"]["passed_tests"]) == (3, 2)
    assert run["summary"]["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert run["regressed"] is False  # no minimum, no previous run
    # And the suite shows it as its last run, and the trend lists it
    last = api.get(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"]).json()["last_run"]
    assert (last["id"], last["status"], last["regressed"]) == (run["id"], "succeeded", False)
    assert last["pass_rate"] == run["summary"]["pass_rate"]
    trend = _runs(api, owner, suite["id"])
    assert [(r["id"], r["status"]) for r in trend] == [(run["id"], "succeeded")]
    assert "results" not in trend[0]


def test_a_runs_results_are_paged_with_limit_and_cursor(api, runtime, owner):
    # Given a finished run of three cases
    suite = _suite(api, owner, _prompt(api, owner))
    run_id = _start(api, owner, suite["id"])["id"]
    _drain(runtime)
    # When its results are read two at a time
    first = _run(api, owner, run_id, limit=2)
    second = _run(api, owner, run_id, limit=2, cursor=first["next_cursor"])
    # Then the pages hold the cases in order, once each, and the last has no cursor
    assert [r["name"] for r in first["results"]] == ["apple", "banana"] and first["next_cursor"]
    assert [r["name"] for r in second["results"]] == ["cherry"] and second["next_cursor"] is None
    assert second["status"] == "succeeded"


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}], ids=str)
def test_a_bad_results_page_is_a_400(api, runtime, owner, params):
    # Given a run
    suite = _suite(api, owner, _prompt(api, owner))
    run_id = _start(api, owner, suite["id"])["id"]
    # When a page is asked for with a bad limit or cursor
    reply = api.get(f"/v1/eval-runs/{run_id}", headers=owner["headers"], params=params)
    # Then 400
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_manual_run_without_a_provider_key_is_a_400(api, new_user):
    # Given a user with no provider key, and a suite of theirs
    user = new_user()
    suite = _suite(api, user, _prompt(api, user))
    # When they start a run
    reply = api.post(f"/v1/eval-suites/{suite['id']}/runs", headers=user["headers"])
    # Then 400 PROVIDER_NOT_CONFIGURED naming the provider, and no run was made
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "PROVIDER_NOT_CONFIGURED"
    assert "deepseek" in error["message"].lower()
    assert _runs(api, user, suite["id"]) == []


# -- runs started by the schedule -----------------------------------------------------------------------------


def test_a_due_schedule_makes_one_run_that_succeeds(api, runtime, owner):
    # Given a suite due every minute, once its first due time has passed
    suite = _suite(api, owner, _prompt(api, owner), schedule="rate(1 minute)")
    due = _when(suite["next_run_at"])
    wait = (due - datetime.now(UTC)).total_seconds() + 1.0
    assert wait <= 65, suite
    time.sleep(max(0.0, wait))
    # When the dispatcher fires and the queue is delivered
    _fire_dispatcher(runtime)
    _drain(runtime)
    # Then the suite has one run, started by the schedule, that succeeded at the production version
    runs = _runs(api, owner, suite["id"])
    assert [(r["trigger"], r["status"], r["prompt_version"]) for r in runs] == [("schedule", "succeeded", 1)], runs
    run = _run(api, owner, runs[0]["id"])
    assert run["summary"]["total_tests"] == 3 and run["regressed"] is False
    # And its next due time moved on
    after = api.get(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"]).json()
    assert _when(after["next_run_at"]) > due
    assert after["last_run"]["id"] == run["id"]
    # And when the dispatcher fires again at once, no second run is made
    _fire_dispatcher(runtime)
    _drain(runtime)
    assert [r["id"] for r in _runs(api, owner, suite["id"])] == [run["id"]]


# -- runs started by publishing -------------------------------------------------------------------------------


def _new_version(api: httpx.Client, user: dict[str, Any], prompt: dict[str, Any], content: str) -> int:
    """A new version of the prompt, not published (production stays where it is)."""
    reply = api.patch(
        f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": content, "publish": False}
    )
    assert reply.status_code == 200, reply.text
    return int(reply.json()["latest_version"])


def test_publishing_a_worse_version_makes_one_publish_run_that_regressed(api, runtime, owner):
    # Given a suite run on publish, needing 80% to pass, whose first run passed every case
    prompt = _prompt(api, owner)
    suite = _suite(api, owner, prompt, test_cases=PASSING, run_on_publish=True, min_pass_rate=0.8)
    untriggered = _suite(api, owner, prompt, test_cases=PASSING)  # a suite of the same prompt not run on publish
    first = _start(api, owner, suite["id"])["id"]
    _drain(runtime)
    assert _run(api, owner, first)["summary"]["pass_rate"] == 1.0
    # And a new version whose output no longer has the expected word, saved without publishing it
    version = _new_version(api, owner, prompt, "Say nothing at all")
    _drain(runtime)
    assert len(_runs(api, owner, suite["id"])) == 1  # saving a version does not move production
    # When that version is published
    reply = api.post(f"/v1/prompts/{prompt['id']}/publish", headers=owner["headers"], json={"version": version})
    assert reply.status_code == 200, reply.text
    assert reply.json()["published_version"] == version
    _drain(runtime)
    # Then exactly one run was made by the publish, at the new version, and it succeeded and regressed
    runs = _runs(api, owner, suite["id"])
    assert [r["trigger"] for r in runs] == ["publish", "manual"], runs
    run = _run(api, owner, runs[0]["id"])
    assert (run["status"], run["prompt_version"], run["label"]) == ("succeeded", version, "production")
    assert run["summary"]["pass_rate"] == 0.0 and run["regressed"] is True
    assert [r["output"] for r in run["results"]] == ["echo: Say nothing at all"] * 2
    last = api.get(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"]).json()["last_run"]
    assert (last["id"], last["regressed"]) == (run["id"], True)
    # And the suite without run_on_publish was not run
    assert _runs(api, owner, untriggered["id"]) == []


def test_a_publish_run_below_the_previous_run_regresses_without_a_minimum(api, runtime, owner):
    # Given a suite run on publish, without a minimum, whose first run passed two cases of three
    prompt = _prompt(api, owner)
    suite = _suite(api, owner, prompt, run_on_publish=True)
    _start(api, owner, suite["id"])
    _drain(runtime)
    # When a version that fails every case is published
    version = _new_version(api, owner, prompt, "Say nothing at all")
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=owner["headers"], json={}).status_code == 200
    _drain(runtime)
    # Then its run regressed: below the previous run's pass rate
    newest = _runs(api, owner, suite["id"])[0]
    assert (newest["trigger"], newest["prompt_version"], newest["status"]) == ("publish", version, "succeeded")
    assert newest["summary"]["pass_rate"] == 0.0 and newest["regressed"] is True


def test_moving_a_label_other_than_production_makes_no_run(api, runtime, owner):
    # Given a suite run on publish, and a second version of its prompt
    prompt = _prompt(api, owner)
    suite = _suite(api, owner, prompt, run_on_publish=True)
    version = _new_version(api, owner, prompt, "Say nothing at all")
    # When the staging label is put on the new version
    reply = api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=owner["headers"], json={"version": version})
    assert reply.status_code == 200, reply.text
    _drain(runtime)
    # Then no run was made
    assert _runs(api, owner, suite["id"]) == []


# -- provider failures ----------------------------------------------------------------------------------------


def test_a_judge_500_fails_only_the_judged_case_and_the_run_succeeds(api, runtime, owner, fake):
    # Given a suite where one case of three is judged, and a judge provider that answers every call with a 500
    cases = [*PASSING, {"name": "judged", "inputs": {"word": "plum"}, "rubric": "Mentions a plum"}]
    suite = _suite(api, owner, _prompt(api, owner), test_cases=cases, judge_model=JUDGE)
    fake.respond_with(
        "/v1/messages",
        500,
        b'{"type":"error","error":{"type":"api_error","message":"boom"}}',
        headers={"Retry-After": "0"},
    )
    # When the suite is run
    run_id = _start(api, owner, suite["id"])["id"]
    _drain(runtime)
    # Then the run succeeded; the judged case failed with the provider's error and the others passed
    run = _run(api, owner, run_id)
    assert run["status"] == "succeeded", run
    assert [(r["name"], r["passed"]) for r in run["results"]] == [("apple", True), ("banana", True), ("judged", False)]
    assert [r["error"] for r in run["results"][:2]] == [None, None]
    assert "PROVIDER_ERROR" in run["results"][2]["error"], run["results"][2]
    assert run["summary"]["passed_tests"] == 2
    assert len(fake.requests_to("/v1/messages")) == 3  # the judge was tried, and retried twice, for its case only


def test_a_case_call_500_fails_the_cases_not_the_run(api, runtime, owner, fake):
    # Given a suite and a case provider that answers every call with a 500
    suite = _suite(api, owner, _prompt(api, owner), test_cases=PASSING)
    fake.respond_with(
        "/chat/completions", 500, b'{"error":{"message":"boom","type":"server_error"}}', headers={"Retry-After": "0"}
    )
    # When the suite is run
    run_id = _start(api, owner, suite["id"])["id"]
    _drain(runtime)
    # Then the run succeeded, with each case failed by the provider's error
    run = _run(api, owner, run_id)
    assert (run["status"], run["summary"]["pass_rate"]) == ("succeeded", 0.0), run
    assert all(r["passed"] is False and r["error"].startswith("PROVIDER_ERROR") for r in run["results"]), run


# -- who may see what -----------------------------------------------------------------------------------------


def test_another_users_suite_and_runs_are_404(api, new_user, owner):
    # Given a suite of one user with a run
    suite = _suite(api, owner, _prompt(api, owner))
    run_id = _start(api, owner, suite["id"])["id"]
    intruder = new_user()["headers"]
    path = f"/v1/eval-suites/{suite['id']}"
    # When another user reads, changes, deletes or runs it, or reads its runs
    replies = [
        api.get(path, headers=intruder),
        api.patch(path, headers=intruder, json={"name": "Mine"}),
        api.delete(path, headers=intruder),
        api.post(f"{path}/runs", headers=intruder),
        api.get(f"{path}/runs", headers=intruder),
        api.get(f"/v1/eval-runs/{run_id}", headers=intruder),
    ]
    # Then every answer is a 404, and the suite is untouched and not in their list
    assert [(r.status_code, r.json()["error"]["code"]) for r in replies] == [(404, "NOT_FOUND")] * 6
    assert api.get(path, headers=owner["headers"]).json()["name"] == "Fruit suite"
    assert api.get("/v1/eval-suites", headers=intruder).json()["data"] == []


@pytest.mark.parametrize("is_public", [True, False], ids=["public", "private"])
def test_a_suite_on_another_users_prompt_is_404(api, new_user, owner, is_public):
    # Given another user's prompt
    other = new_user()
    prompt = _prompt(api, other, is_public=is_public)
    # When a suite is created on it
    reply = api.post(
        "/v1/eval-suites",
        headers=owner["headers"],
        json={"name": "Theirs", "prompt_ref": prompt["id"], "test_cases": PASSING},
    )
    # Then 404
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["code"] == "NOT_FOUND"


def test_a_read_only_key_reads_suites_but_cannot_write(api, owner):
    # Given a suite with a run, and a read-only API key of its owner
    prompt = _prompt(api, owner)
    suite = _suite(api, owner, prompt)
    run_id = _start(api, owner, suite["id"])["id"]
    created = api.post("/v1/keys", headers=owner["headers"], json={"name": "ci", "access": "read"})
    assert created.status_code == 201, created.text
    read = {"Authorization": f"Bearer {created.json()['raw_key']}"}
    # When the key reads the suite, its runs and a run, and tries to create, change, run and delete suites
    gets = [
        api.get("/v1/eval-suites", headers=read),
        api.get(f"/v1/eval-suites/{suite['id']}", headers=read),
        api.get(f"/v1/eval-suites/{suite['id']}/runs", headers=read),
        api.get(f"/v1/eval-runs/{run_id}", headers=read),
    ]
    writes = [
        api.post(
            "/v1/eval-suites", headers=read, json={"name": "X", "prompt_ref": prompt["id"], "test_cases": PASSING}
        ),
        api.patch(f"/v1/eval-suites/{suite['id']}", headers=read, json={"name": "X"}),
        api.post(f"/v1/eval-suites/{suite['id']}/runs", headers=read),
        api.delete(f"/v1/eval-suites/{suite['id']}", headers=read),
    ]
    # Then every read is a 200 and every write a 403
    assert [r.status_code for r in gets] == [200] * 4, [r.text for r in gets]
    assert [(r.status_code, r.json()["error"]["code"]) for r in writes] == [(403, "FORBIDDEN")] * 4
    assert api.get(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"]).json()["name"] == "Fruit suite"


# -- bad input ------------------------------------------------------------------------------------------------


BAD_CREATES = [
    ({"test_cases": []}, "test_cases"),
    ({"test_cases": [{"inputs": {"word": "x"}}] * 1001}, "test_cases"),
    ({"schedule": "rate(0 minutes)"}, "schedule"),
    ({"schedule": "cron(bad)"}, "schedule"),
    ({"schedule": "rate(1 day)", "schedule_timezone": "Mars/Olympus_Mons"}, "schedule_timezone"),
    (
        {"test_cases": [{"inputs": {}, "assertions": [{"type": "contians", "value": "a"}]}]},
        "test_cases.0.assertions.0.type",
    ),
    (
        {"test_cases": [{"inputs": {}, "assertions": [{"type": "regex", "value": "(a"}]}]},
        "test_cases.0.assertions.0.value",
    ),
    ({"min_pass_rate": 1.5}, "min_pass_rate"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(
    ("change", "field"),
    BAD_CREATES,
    ids=[
        "0-cases",
        "1001-cases",
        "rate-0",
        "bad-cron",
        "bad-zone",
        "unknown-assertion",
        "bad-regex",
        "pass-rate-1.5",
        "unknown-field",
    ],
)
def test_a_bad_suite_is_a_400_naming_the_field(api, owner, change, field):
    # Given a prompt
    prompt = _prompt(api, owner)
    # When a suite with one bad field is created
    body = {"name": "Bad", "prompt_ref": prompt["id"], "test_cases": PASSING, **change}
    reply = api.post("/v1/eval-suites", headers=owner["headers"], json=body)
    # Then 400 VALIDATION_ERROR naming the field, and no suite was made
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in error["details"]], error
    assert api.get("/v1/eval-suites", headers=owner["headers"]).json()["data"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [({"schedule": "rate(0 minutes)"}, "schedule"), ({"name": None}, "name"), ({"prompt_ref": "other"}, "prompt_ref")],
    ids=["rate-0", "null-name", "prompt-ref"],
)
def test_a_bad_patch_is_a_400_naming_the_field(api, owner, change, field):
    # Given a suite
    suite = _suite(api, owner, _prompt(api, owner))
    # When it is patched with one bad field
    reply = api.patch(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"], json=change)
    # Then 400 VALIDATION_ERROR naming the field, and the suite is unchanged
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in error["details"]], error
    assert api.get(f"/v1/eval-suites/{suite['id']}", headers=owner["headers"]).json() == suite
