"""API Gateway's CreateApiKey quota in the local runtime's moto server (5 a second per account, for the calls
functions make), and the app's API Gateway client getting through it (promptbank.auth.usage)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.motoserver import LockedMotoServer
from promptbank.auth import usage

LAMBDA_UA = "exec-env/AWS_Lambda_python3.12"  # what botocore adds in a Lambda execution environment


@pytest.fixture
def moto_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    server = LockedMotoServer("127.0.0.1", 0, api_gateway_limits=True)
    server.start()
    httpx.post(f"{server.url}/moto-api/reset")  # moto's backends are per process: start from none
    try:
        yield server.url
    finally:
        httpx.post(f"{server.url}/moto-api/reset")
        server.stop()


def client(url: str, user_agent_extra: str = "", retries: int = 1) -> object:
    config = Config(user_agent_extra=user_agent_extra, retries={"mode": "standard", "max_attempts": retries})
    return boto3.client("apigateway", region_name="us-east-1", endpoint_url=url, config=config)


def test_a_function_past_five_create_api_key_calls_a_second_gets_429(moto_url: str) -> None:
    # Given a function's API Gateway client that does not retry
    function = client(moto_url, LAMBDA_UA)
    start = threading.Barrier(20)

    def create(n: int) -> dict[str, Any]:
        start.wait()
        try:
            return {"created": function.create_api_key(name=f"k{n}", enabled=True)["name"]}  # type: ignore[attr-defined]
        except ClientError as err:
            return {"refused": err.response}

    # When it makes 20 keys at the same moment
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(create, range(20)))
    created = [r["created"] for r in results if "created" in r]
    refused = [r["refused"] for r in results if "refused" in r]
    # Then the burst's 5 are created, and past the quota the answer is API Gateway's:
    # 429 TooManyRequestsException with a Retry-After
    assert len(created) >= 5 and refused
    assert {r["Error"]["Code"] for r in refused} == {"TooManyRequestsException"}
    assert {r["ResponseMetadata"]["HTTPStatusCode"] for r in refused} == {429}
    assert all(int(r["ResponseMetadata"]["HTTPHeaders"]["retry-after"]) >= 1 for r in refused)
    # And a refused call made no key
    names = [item["name"] for item in function.get_api_keys(limit=500)["items"]]  # type: ignore[attr-defined]
    assert sorted(names) == sorted(created)


def test_the_runtimes_own_calls_are_not_limited(moto_url: str) -> None:
    # Given a client outside any function (as the runtime's restore of saved keys is)
    runtime = client(moto_url)
    # When it creates 12 keys back to back / Then all are created
    for n in range(12):
        runtime.create_api_key(name=f"saved{n}", enabled=True)  # type: ignore[attr-defined]
    assert len(runtime.get_api_keys()["items"]) == 12  # type: ignore[attr-defined]


def test_the_apps_client_issues_keys_through_the_limit(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the app's own API Gateway client (promptbank.auth.usage), in a function, and a sessions plan
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    usage._client.cache_clear()
    client(moto_url).create_usage_plan(name="burst-sessions")  # type: ignore[attr-defined]
    try:
        plans = usage.UsagePlans(stack_name="burst")
        # When it issues 12 keys back to back (more than twice the quota's second)
        issued = [plans.issue("sessions", f"sessions:{n}") for n in range(12)]
        # Then every one is issued (the 429s were retried) and sits on the plan
        assert len({key.id for key in issued}) == 12
        plan_id = plans.plan_id("sessions")
        on_plan = client(moto_url).get_usage_plan_keys(usagePlanId=plan_id)["items"]  # type: ignore[attr-defined]
        assert {item["id"] for item in on_plan} == {key.id for key in issued}
    finally:
        usage._client.cache_clear()
