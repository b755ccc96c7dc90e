"""Every sample event in events/ for the running-prompts functions, through its handler, as documented."""

from __future__ import annotations

from .conftest import User

SAMPLE_USER = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"

# (function, expected status) in an order where each step's precondition holds
SCENARIO = [
    ("ListModelsFunction", 200),
    ("ListProviderKeysFunction", 200),
    ("PutProviderKeyFunction", 200),
    ("RunPromptFunction", 200),
    ("ChatFunction", 200),
    ("EnhanceFunction", 200),
    ("EvaluateFunction", 200),  # two cases: two provider calls
    ("ListRunsFunction", 200),
    ("GetRunFunction", 404),  # the sample run id was never recorded
    ("RunStatsFunction", 200),
    ("CountTokensGetFunction", 200),
    ("CountTokensPostFunction", 200),
    ("DeleteProviderKeyFunction", 204),
]


def test_every_sample_event_gets_its_documented_answer(invoker, load_event, fake, create_prompt):
    # Given the sample user's prompt `email-classifier`
    create_prompt(User(SAMPLE_USER), name="Email classifier", slug="email-classifier")
    for function, status in SCENARIO:
        # When each sample event is handled
        response = invoker(function, load_event(function))
        # Then it gets its documented status, with a request id
        assert response["statusCode"] == status, (function, response.get("body"))
        headers = response.get("multiValueHeaders") or response.get("headers") or {}
        assert "X-Request-Id" in headers, function
    assert fake.request_count == 5  # run, chat, enhance, evaluate's two cases


def test_the_sample_stream_event_is_counted_once(invoker, load_event, call):
    # Given the sample stream batch (one run insert)
    event = load_event("RunStatsStreamFunction")
    # When it is delivered twice
    first = invoker("RunStatsStreamFunction", event)
    second = invoker("RunStatsStreamFunction", load_event("RunStatsStreamFunction"))
    # Then both succeed and the stats count the run once
    assert first == second == {"batchItemFailures": []}
    stats = call("RunStatsFunction", User(SAMPLE_USER)).json
    assert (stats["total_runs"], stats["by_date"]) == (1, {"2026-11-23": {"runs": 1, "cost_usd": 0.00006384}})
    assert stats["by_model"]["deepseek-chat"]["avg_latency_ms"] == 912.0
