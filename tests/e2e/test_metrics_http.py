"""Metrics over HTTP: the routes driven through the local runtime write their EMF lines to the functions' log
(the runtime's stdout), as CloudWatch Logs would receive them from Lambda (docs/operations.md)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import LocalRuntime

NAMESPACE = "Promptbank"
SERVICE = "promptbank"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def log(runtime: LocalRuntime) -> Callable[[], list[dict[str, Any]]]:
    """The EMF lines the functions wrote since the test began."""
    start = runtime.stdout_path.stat().st_size

    def lines() -> list[dict[str, Any]]:
        with open(runtime.stdout_path, "rb") as out:
            out.seek(start)
            text = out.read().decode(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]

    return lines


def _named(lines: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    return [
        line
        for line in lines
        if any(m["Name"] == metric for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"])
    ]


def test_deliveries_and_304s_are_counted_by_route(api: httpx.Client, new_user: Any, log: Any) -> None:
    # Given a prompt
    owner = new_user()
    slug = f"metrics-{uuid.uuid4().hex[:8]}"
    created = api.post("/v1/prompts", headers=owner["headers"], json={"name": "M", "slug": slug, "content": "Hi {{who}}"})
    assert created.status_code == 201, created.text
    headers = owner["headers"]

    # When it is delivered compiled (then revalidated), compiled by POST, and read (then revalidated)
    first = api.get(f"/v1/prompts/{slug}/compiled", headers=headers)
    again = api.get(f"/v1/prompts/{slug}/compiled", headers={**headers, "If-None-Match": first.headers["ETag"]})
    posted = api.post(f"/v1/prompts/{slug}/compile", headers=headers, json={"variables": {"who": "Ada"}})
    read = api.get(f"/v1/prompts/{slug}", headers=headers)
    reread = api.get(f"/v1/prompts/{slug}", headers={**headers, "If-None-Match": read.headers["ETag"]})
    assert [r.status_code for r in (first, again, posted, read, reread)] == [200, 304, 200, 200, 304]

    # Then the functions' log has one Deliveries line per delivery and one NotModified line per 304, by route
    lines = log()
    assert Counter(line["route"] for line in _named(lines, "Deliveries")) == {"compiled": 1, "compile": 1, "prompt": 1}
    assert Counter(line["route"] for line in _named(lines, "NotModified")) == {"compiled": 1, "prompt": 1}
    for line in _named(lines, "Deliveries") + _named(lines, "NotModified"):
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE and line["service"] == SERVICE
        assert sorted(map(sorted, directive["Dimensions"])) == [["route", "service"], ["service"]]


def test_a_refused_credential_is_counted_by_the_authorizer(api: httpx.Client, log: Any) -> None:
    response = api.get("/v1/prompts", headers={"Authorization": "Bearer pb_not_a_real_session"})

    assert response.status_code == 401
    (line,) = _named(log(), "CredentialsRefused")
    assert line["CredentialsRefused"] == [1.0] and line["service"] == SERVICE


def test_a_run_is_counted_by_provider_and_outcome_with_its_latency(
    api: httpx.Client, new_user: Any, fake: FakeProviderServer, log: Any
) -> None:
    # Given a user whose deepseek key points at the fake provider
    fake.reset()
    user = new_user()
    key = api.put(
        "/v1/provider-keys/deepseek", headers=user["headers"],
        json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base},
    )
    assert key.status_code == 200, key.text

    # When a chat reaches the provider
    reply = api.post(
        "/v1/chat", headers=user["headers"],
        json={"model": "deepseek-chat", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert reply.status_code == 200, reply.text

    # Then one line counts the run, by provider and outcome, with the provider's latency
    (line,) = _named(log(), "Runs")
    assert (line["provider"], line["outcome"], line["Runs"]) == ("deepseek", "succeeded", [1.0])
    assert line["ProviderLatency"][0] >= 0
    dimensions = sorted(map(sorted, line["_aws"]["CloudWatchMetrics"][0]["Dimensions"]))
    assert dimensions == [["outcome", "provider", "service"], ["outcome", "service"], ["service"]]


def test_stream_records_are_counted_by_their_consumer(api: httpx.Client, new_user: Any, log: Any) -> None:
    # Given a new prompt (its insert is on the table's stream, for the webhook events consumer)
    owner = new_user()
    created = api.post("/v1/prompts", headers=owner["headers"], json={"name": "S", "content": "x"})
    assert created.status_code == 201, created.text

    # When the stream is delivered
    drained = api.post("/__local/drain", params={"timeout": 90}, timeout=120)
    assert drained.json()["complete"] is True

    # Then the consumer's batch is counted: records processed, none failed, by source and function
    lines = [
        line for line in _named(log(), "RecordsProcessed")
        if line["function"] == "promptbank-local-WebhookEventsFunction"
    ]
    assert lines and sum(line["RecordsProcessed"][0] for line in lines) >= 1
    assert all(line["RecordsFailed"] == [0.0] and line["source"] == "DynamoDBStreams" for line in lines)
