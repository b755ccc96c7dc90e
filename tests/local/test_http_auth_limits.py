"""The Lambda authorizer, API keys and usage plans over HTTP, against the fixture app."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from tests.local.conftest import bearer, fixture_runtime


def test_missing_credentials_get_the_unauthorized_response(client: httpx.Client) -> None:
    # Given a route behind the authorizer
    # When it is called without credentials (the authorizer raises "Unauthorized")
    response = client.get("/v1/private")
    # Then the template's UNAUTHORIZED response comes back
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert response.json()["error"]["request_id"] == response.headers["X-Request-Id"]


def test_deny_policy_gets_access_denied(client: httpx.Client) -> None:
    # Given an authorizer that returns a Deny policy
    # When the route is called
    response = client.get("/v1/private", headers={"Authorization": "Bearer deny"})
    # Then ACCESS_DENIED (403) comes back
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_failing_authorizer_gets_authorizer_failure(client: httpx.Client) -> None:
    # Given an authorizer that raises something other than "Unauthorized"
    # When the route is called
    response = client.get("/v1/private", headers={"Authorization": "Bearer boom"})
    # Then AUTHORIZER_FAILURE (500) comes back
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "Authorizer failed"


def test_allowed_request_carries_the_authorizer_context(client: httpx.Client, new_key: Callable[..., str]) -> None:
    # Given a valid API key on a usage plan, passed through the authorizer
    key = new_key("quota")
    # When the route is called
    response = client.get("/v1/private", headers=bearer(key))
    # Then the handler sees principalId, the context (as strings) and the API key identity
    context = response.json()["event"]["requestContext"]
    assert response.status_code == 200
    assert context["authorizer"]["principalId"] == "user-1"
    assert context["authorizer"]["user_id"] == "user-1"
    assert context["authorizer"]["count"] == "7"
    assert context["authorizer"]["admin"] == "false"
    assert isinstance(context["authorizer"]["integrationLatency"], int)
    assert context["identity"]["apiKey"] == key


def test_authorizer_gets_a_request_event(client: httpx.Client, new_key: Callable[..., str]) -> None:
    # Given the REQUEST authorizer (it reports what it was called with in its context)
    key = new_key("quota")
    # When a request with a query string passes
    response = client.get("/v1/private?x=1", headers=bearer(key))
    event = response.json()["event"]
    seen = json.loads(event["requestContext"]["authorizer"]["seen"])
    api_id = event["requestContext"]["apiId"]
    # Then it had API Gateway's REQUEST authorizer event for this request
    assert seen["type"] == "REQUEST"
    assert seen["methodArn"] == f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/v1/GET/v1/private"
    assert seen["resource"] == "/v1/private" and seen["path"] == "/v1/private" and seen["httpMethod"] == "GET"
    assert seen["queryStringParameters"] == {"x": "1"}
    assert seen["multiValueQueryStringParameters"] == {"x": ["1"]}
    assert seen["pathParameters"] == {} and seen["stageVariables"] == {}
    assert "Authorization" in seen["header_names"]
    assert seen["request_id"] == event["requestContext"]["requestId"]


def test_unknown_api_key_gets_invalid_api_key(client: httpx.Client) -> None:
    # Given an authorizer that allows, but a usage identifier key that isn't an API key
    # When the key-required route is called
    response = client.get("/v1/private", headers=bearer("not-a-key-0000000000000000"))
    # Then INVALID_API_KEY (the template makes it 401)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid API key"


def test_disabled_api_key_gets_invalid_api_key(client: httpx.Client, new_key: Callable[..., str]) -> None:
    # Given a disabled key on a plan
    key = new_key("quota", enabled=False)
    # When it is used
    response = client.get("/v1/private", headers=bearer(key))
    # Then it is refused
    assert response.status_code == 401


def test_route_without_api_key_requirement_ignores_plans(client: httpx.Client) -> None:
    # Given a route with the authorizer but ApiKeyRequired false
    # When it is called with a usage key that isn't on any plan
    response = client.get("/v1/key-optional", headers=bearer("not-a-key-0000000000000000"))
    # Then the authorizer's allow is enough
    assert response.status_code == 200
    assert response.json()["event"]["requestContext"]["identity"]["apiKey"] is None


def test_burst_over_the_plans_limit_is_throttled(client: httpx.Client, new_key: Callable[..., str]) -> None:
    # Given a key on a plan with burst 2 and 1 request/s
    key = new_key("burst")
    # When requests come back to back (a slow machine may refill a token in between: at most 6)
    responses = []
    for _ in range(6):
        responses.append(client.get("/v1/private", headers=bearer(key)))
        if responses[-1].status_code == 429:
            break
    # Then the burst is admitted and a later one is THROTTLED, with Retry-After
    assert [r.status_code for r in responses[:2]] == [200, 200]
    assert responses[-1].status_code == 429
    assert responses[-1].json()["error"]["code"] == "RATE_LIMITED"
    assert responses[-1].headers["Retry-After"] == "1"


def test_throttling_is_per_key(client: httpx.Client, new_key: Callable[..., str]) -> None:
    # Given two keys on the burst plan, the first one spent
    spent, fresh = new_key("burst"), new_key("burst")
    for _ in range(3):
        client.get("/v1/private", headers=bearer(spent))
    # When the second key is used
    response = client.get("/v1/private", headers=bearer(fresh))
    # Then it has its own bucket
    assert response.status_code == 200


def test_monthly_quota_is_enforced_per_key(client: httpx.Client, new_key: Callable[..., str]) -> None:
    # Given a key on a plan with a quota of 3 a month
    key, other = new_key("quota"), new_key("quota")
    # When it makes 4 requests
    statuses = [client.get("/v1/private", headers=bearer(key)) for _ in range(4)]
    # Then the fourth is QUOTA_EXCEEDED with the template's Retry-After, and another key still works
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[3].json()["error"]["code"] == "QUOTA_EXCEEDED"
    assert statuses[3].headers["Retry-After"] == "3600"
    assert client.get("/v1/private", headers=bearer(other)).status_code == 200


def test_rate_limits_off_admits_everything_but_still_checks_keys() -> None:
    # Given a runtime started with PROMPTBANK_RATE_LIMITS=off
    with (
        fixture_runtime(PROMPTBANK_RATE_LIMITS="off") as runtime,
        httpx.Client(base_url=runtime.base_url) as http,
    ):
        burst = http.post("/v1/keys", json={"plan": "burst"}).json()["value"]
        quota = http.post("/v1/keys", json={"plan": "quota"}).json()["value"]
        # When keys go over their burst and quota, and an unknown key is used
        burst_statuses = {http.get("/v1/private", headers=bearer(burst)).status_code for _ in range(5)}
        quota_statuses = {http.get("/v1/private", headers=bearer(quota)).status_code for _ in range(5)}
        unknown = http.get("/v1/private", headers=bearer("not-a-key-0000000000000000"))
    # Then nothing is throttled or over quota, and the unknown key is still refused
    assert burst_statuses == {200}
    assert quota_statuses == {200}
    assert unknown.status_code == 401
