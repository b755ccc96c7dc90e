"""POST /v1/evaluate over HTTP through the local runtime, against the fake provider: every assertion type passing
and failing, provider failures and timeouts failing single cases, cross-user 404, bad input 400, and each case
recorded as a run of source `evaluate` whose verdicts reach /v1/runs/stats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

JUDGE = "claude-sonnet-4-5"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def evaluator(api: httpx.Client, new_user: Any, fake: FakeProviderServer) -> dict[str, Any]:
    """A user with deepseek (the case model) and anthropic (the judge) keys pointing at the fake server."""
    fake.reset()
    user = new_user()
    for provider, base in (("deepseek", fake.deepseek_base), ("anthropic", fake.anthropic_base)):
        reply = api.put(f"/v1/provider-keys/{provider}", headers=user["headers"],
                        json={"api_key": "sk-e2e-0123456789", "base_url": base})
        assert reply.status_code == 200, reply.text
    return user


def _judge_says(fake: FakeProviderServer, score: int, reason: str) -> None:
    text = json.dumps({"score": score, "reason": reason})
    fake.respond_with("/v1/messages", 200, json.dumps({
        "id": "msg_1", "type": "message", "role": "assistant", "model": JUDGE,
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 5}}).encode())


# The fake answers "echo: <the user message>": with the template "{{text}}", the output is "echo: <text>".
PASSING_AND_FAILING = [
    ("equals", {"value": "echo: hello"}, {"value": "hello"}),
    ("contains", {"value": "hello"}, {"value": "Hello"}),
    ("icontains", {"value": "HELLO"}, {"value": "bye"}),
    ("not_contains", {"value": "bye"}, {"value": "hello"}),
    ("starts_with", {"value": "echo:"}, {"value": "hello"}),
    ("regex", {"value": "^echo: h.llo$"}, {"value": "^hello"}),
    ("similarity", {"value": "echo: hallo", "threshold": 0.8}, {"value": "something else"}),
    ("max_latency_ms", {"value": 20000}, {"value": 0}),
    ("max_cost_usd", {"value": 1}, {"value": 0}),
]


@pytest.mark.parametrize(("kind", "passing", "failing"), PASSING_AND_FAILING, ids=[k for k, _, _ in PASSING_AND_FAILING])
def test_each_text_assertion_passes_and_fails_over_http(api, evaluator, kind, passing, failing):
    # Given a case whose assertion holds and one whose assertion does not
    cases = [{"name": "holds", "inputs": {"text": "hello"}, "assertions": [{"type": kind, **passing}]},
             {"name": "fails", "inputs": {"text": "hello"}, "assertions": [{"type": kind, **failing}]}]
    # When they are evaluated
    reply = api.post("/v1/evaluate", headers=evaluator["headers"], json={"prompt": "{{text}}", "test_cases": cases})
    # Then the first passes with score 100-ish and the second fails, each with a reason
    assert reply.status_code == 200, reply.text
    holds, fails = reply.json()["results"]
    assert holds["passed"] is True and holds["assertions"][0]["passed"] is True, holds
    assert fails["passed"] is False and fails["assertions"][0]["passed"] is False, fails
    assert fails["error"] is None and fails["assertions"][0]["reason"]


def test_json_assertions_pass_and_fail_over_http(api, evaluator):
    # Given outputs that are JSON ("echo: ..." is not; so the prompt's text is answered through a passthrough)
    fake_schema = {"type": "object", "required": ["a"]}
    cases = [
        {"inputs": {"text": "x"}, "assertions": [{"type": "is_json"}]},
        {"inputs": {"text": "x"}, "assertions": [{"type": "json_schema", "value": fake_schema}]},
    ]
    # When evaluated against a template whose output (echoed) is not JSON
    reply = api.post("/v1/evaluate", headers=evaluator["headers"], json={"prompt": "{{text}}", "test_cases": cases})
    # Then both fail saying the output is not JSON
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["passed"] for r in results] == [False, False]
    assert all("not JSON" in r["assertions"][0]["reason"] for r in results)


def test_json_assertions_pass_on_a_json_answer(api, evaluator, fake):
    # Given the model answers a JSON object
    fake.respond_with("/chat/completions", 200, json.dumps({
        "id": "c1", "object": "chat.completion", "model": "deepseek-chat",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"a": 1}'}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode())
    cases = [
        {"inputs": {}, "assertions": [{"type": "is_json"}]},
        {"inputs": {}, "assertions": [{"type": "json_schema", "value": {"type": "object", "required": ["a"]}}]},
        {"inputs": {}, "assertions": [{"type": "json_schema", "value": {"type": "object", "required": ["b"]}}]},
    ]
    # When evaluated
    reply = api.post("/v1/evaluate", headers=evaluator["headers"], json={"prompt": "Give JSON", "test_cases": cases})
    # Then is_json and the matching schema pass, the other schema fails naming the missing property
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["passed"] for r in results] == [True, True, False]
    assert "'b' is a required property" in results[2]["assertions"][0]["reason"]


@pytest.mark.parametrize(("score", "passed"), [(90, True), (40, False)])
def test_llm_rubric_is_scored_by_the_judge_over_http(api, evaluator, fake, score, passed):
    # Given a judge that gives this score
    _judge_says(fake, score, "Judged")
    # When a case with a rubric is evaluated
    reply = api.post("/v1/evaluate", headers=evaluator["headers"], json={
        "prompt": "{{text}}", "judge_model": JUDGE,
        "test_cases": [{"inputs": {"text": "hello"}, "rubric": "Says hello"}]})
    # Then the judge's score is the case's quality score, and decides it
    assert reply.status_code == 200, reply.text
    result = reply.json()["results"][0]
    assert (result["passed"], result["quality_score"]) == (passed, float(score))
    assert "<rubric>\nSays hello\n</rubric>" in fake.requests_to("/v1/messages")[0].json["messages"][0]["content"]


def test_a_provider_500_fails_only_its_case(api, evaluator, fake):
    # Given the provider fails the first case's call and both its retries
    fake.fail_next(3, status=500)
    cases = [{"name": "unlucky", "inputs": {"text": "a"}}, {"name": "lucky", "inputs": {"text": "b"}}]
    # When two cases are evaluated one at a time
    reply = api.post("/v1/evaluate", headers=evaluator["headers"],
                     json={"prompt": "{{text}}", "concurrency": 1, "test_cases": cases})
    # Then the first failed with the provider's error, the second passed, and the evaluation is a 200
    assert reply.status_code == 200, reply.text
    unlucky, lucky = reply.json()["results"]
    assert unlucky["passed"] is False and unlucky["error"].startswith("PROVIDER_ERROR")
    assert lucky["passed"] is True and lucky["error"] is None
    assert reply.json()["summary"]["pass_rate"] == 0.5


def test_a_case_that_runs_past_the_deadline_times_out_alone(api, evaluator, fake):
    # Given the provider hangs for 40 s on the first call it gets
    fake.set_latency(40_000, times=1)
    cases = [{"inputs": {"text": "a"}, "expected_output": "a"}, {"inputs": {"text": "b"}, "expected_output": "b"}]
    # When two cases are evaluated concurrently
    reply = api.post("/v1/evaluate", headers=evaluator["headers"], timeout=60,
                     json={"prompt": "{{text}}", "concurrency": 2, "test_cases": cases})
    # Then within API Gateway's 29 s, one case came back as a timeout and the other passed
    assert reply.status_code == 200, reply.text
    assert reply.elapsed.total_seconds() < 27
    outcomes = sorted((r["passed"], r["error"]) for r in reply.json()["results"])
    assert outcomes == [(False, "timeout"), (True, None)]


def test_runs_are_recorded_with_source_evaluate_and_stats_show_the_pass_rate(api, runtime, evaluator):
    # Given an evaluation of a stored prompt where one case of two passes
    headers = evaluator["headers"]
    prompt = api.post("/v1/prompts", headers=headers, json={"name": "Echo", "content": "Say {{word}}"}).json()
    reply = api.post("/v1/evaluate", headers=headers, json={"prompt_ref": prompt["id"], "test_cases": [
        {"inputs": {"word": "yes"}, "expected_output": "yes"}, {"inputs": {"word": "no"}, "expected_output": "yes"}]})
    assert reply.status_code == 200, reply.text
    # When the runs are listed and the stream is delivered to the stats
    runs = api.get("/v1/runs", headers=headers, params={"source": "evaluate"}).json()["data"]
    assert httpx.post(f"{runtime.base_url}/__local/drain", params={"timeout": 90}, timeout=120).json()["complete"] is True
    stats = api.get("/v1/runs/stats", headers=headers, params={"prompt_id": prompt["id"]}).json()
    # Then both cases are runs of the prompt with their verdicts, and the stats show a 50% pass rate
    assert sorted((r["passed"], r["quality_score"], r["prompt_id"]) for r in runs) == [
        (False, 0.0, prompt["id"]), (True, 100.0, prompt["id"])]
    assert stats["pass_rate"] == 0.5 and stats["total_runs"] == 2


def test_another_users_private_prompt_is_a_404(api, evaluator, new_user, fake):
    # Given a private prompt of another user
    owner = new_user()
    private = api.post("/v1/prompts", headers=owner["headers"], json={"name": "Secret", "content": "Hidden"}).json()
    # When the evaluator references it
    reply = api.post("/v1/evaluate", headers=evaluator["headers"],
                     json={"prompt_ref": private["id"], "test_cases": [{"inputs": {}}]})
    # Then 404, and no provider was called
    assert reply.status_code == 404, reply.text
    assert fake.request_count == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x", "test_cases": [{"inputs": {}, "assertions": [{"type": "contians", "value": "a"}]}]},
         "test_cases.0.assertions.0.type"),
        ({"prompt": "x", "test_cases": [{"inputs": {}, "assertions": [{"type": "regex", "value": "(a"}]}]},
         "test_cases.0.assertions.0.value"),
        ({"prompt": "x", "test_cases": [{"inputs": {}, "assertions": [
            {"type": "json_schema", "value": {"type": "nonsense"}}]}]}, "test_cases.0.assertions.0.value"),
        ({"prompt": "x", "test_cases": [{"inputs": {}}] * 101}, "test_cases"),
        ({"prompt": "x", "prompt_ref": "y", "test_cases": [{"inputs": {}}]}, "prompt"),
        ({"test_cases": [{"inputs": {}}]}, "prompt"),
        ({"prompt": "Hi {{name", "test_cases": [{"inputs": {}}]}, "prompt"),
        ({"prompt": "x", "judge_model": "AAA", "test_cases": [{"inputs": {}}]}, "judge_model"),
    ],
    ids=["unknown-type", "bad-regex", "bad-schema", "101-cases", "both", "neither", "bad-template", "bad-judge"],
)
def test_bad_input_is_a_400_before_any_provider_call(api, evaluator, fake, body, field):
    # When a bad evaluation is posted
    reply = api.post("/v1/evaluate", headers=evaluator["headers"], json=body)
    # Then 400 VALIDATION_ERROR naming the field, and the provider was never called
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in error["details"]], error
    assert fake.request_count == 0
