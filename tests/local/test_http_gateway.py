"""The gateway over HTTP against the fixture app: routing, the proxy event, responses, the container pool."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time

import httpx


def _event(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["event"]


def test_explicit_method_is_served_by_its_function(client: httpx.Client) -> None:
    # Given GET /v1/things/{thing_id} (EchoFunction) and ANY on the same resource (AnyFunction)
    # When GET is called
    response = client.get("/v1/things/t1")
    # Then the explicit GET answers
    assert response.json()["function"] == "echo"


def test_other_methods_fall_to_any(client: httpx.Client) -> None:
    # Given the same resource
    # When DELETE is called
    response = client.delete("/v1/things/t1")
    # Then ANY answers with the method and parameters
    assert response.json() == {"function": "any", "method": "DELETE", "params": {"thing_id": "t1"}}


def test_unknown_path_gets_the_templates_missing_token_response(client: httpx.Client) -> None:
    # Given no resource /v1/nowhere
    # When it is called
    response = client.get("/v1/nowhere")
    # Then the template's MISSING_AUTHENTICATION_TOKEN response: 404, the envelope, its headers
    request_id = response.headers["X-Request-Id"]
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "Route not found", "request_id": request_id}}
    assert response.headers["X-Static"] == "fixed"


def test_known_path_with_an_unknown_method_is_also_missing_token(client: httpx.Client) -> None:
    # Given /v1/slow has only GET
    # When POST is called
    response = client.post("/v1/slow")
    # Then API Gateway's answer is the same as for an unknown path
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_path_parameters_are_decoded_and_the_path_is_not(client: httpx.Client) -> None:
    # Given an id with an escaped space and slash
    # When it is requested
    event = _event(client.get("/v1/things/a%20b%2Fc"))
    # Then pathParameters are decoded while path keeps the escapes (as REST APIs do)
    assert event["pathParameters"] == {"thing_id": "a b/c"}
    assert event["path"] == "/v1/things/a%20b%2Fc"
    assert event["resource"] == "/v1/things/{thing_id}"


def test_greedy_proxy_parameter_takes_the_rest_of_the_path(client: httpx.Client) -> None:
    # Given /v1/files/{proxy+}
    # When a nested path is requested with any method
    event = _event(client.put("/v1/files/a/b/c.txt"))
    # Then proxy holds the remainder
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["httpMethod"] == "PUT"


def test_proxy_event_has_api_gateways_shape(client: httpx.Client) -> None:
    # Given a request with a repeated query parameter and a repeated header
    response = client.get("/v1/things/t?a=1&a=2&b=x%20y", headers=[("X-Multi", "1"), ("X-Multi", "2")])
    event = _event(response)
    context = event["requestContext"]
    # When the handler looks at its event
    # Then it is the REST payload 1.0 event
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["X-Multi"] == "2"
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert context["stage"] == "v1"
    assert context["path"] == "/v1/v1/things/t"
    assert context["resourcePath"] == "/v1/things/{thing_id}"
    assert context["accountId"] == "123456789012"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert isinstance(context["requestTimeEpoch"], int)
    assert "authorizer" not in context


def test_event_without_query_or_parameters_has_nulls(client: httpx.Client) -> None:
    # Given a route without path parameters
    # When it is called without a query string
    event = _event(client.get("/v1/health"))
    # Then those members are null, as AWS sends them
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


def test_text_body_is_passed_as_text(client: httpx.Client) -> None:
    # Given a UTF-8 JSON body
    # When it is posted
    event = _event(client.post("/v1/upload", json={"name": "é"}))
    # Then the handler gets it as text
    assert json.loads(event["body"]) == {"name": "é"}
    assert event["isBase64Encoded"] is False


def test_binary_body_is_base64_encoded(client: httpx.Client) -> None:
    # Given bytes that are not UTF-8
    payload = b"\xff\xfe\x00binary"
    # When they are posted
    event = _event(client.post("/v1/upload", content=payload, headers={"Content-Type": "application/octet-stream"}))
    # Then the handler gets base64 and the flag
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_multi_value_response_headers_are_all_sent(client: httpx.Client) -> None:
    # Given a handler that sets two cookies through multiValueHeaders
    # When it answers
    response = client.get("/v1/health")
    # Then both Set-Cookie headers arrive, next to the single-value headers
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["content-type"] == "application/json"


def test_handler_gets_local_environment_and_context(client: httpx.Client, app_runtime) -> None:
    # Given the runtime's overrides and the fixture's Globals
    # When a handler reports its environment
    body = client.get("/v1/health").json()
    env = body["env"]
    # Then the overrides, resolved Globals and environment-provided provider URLs are there
    assert env["PROMPTBANK_STAGE"] == "local"
    assert env["PROMPTBANK_PUBLIC_BASE_URL"] == app_runtime.base_url
    assert env["FIXTURE_STAGE"] == "dev-stage"
    assert env["PROMPTBANK_FIXTURE_BASE_URL"] == "http://provider.from.environment"
    assert len(env["FIXTURE_SECRET"]) == 40
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert body["context"]["function_name"] == "promptbank-local-HealthFunction"
    assert 0 < body["context"]["remaining_ms"] <= 10_000


def test_handler_exception_is_a_502_without_details(client: httpx.Client, app_runtime) -> None:
    # Given a handler that raises with a sensitive message
    # When it is called
    response = client.get("/v1/crash")
    # Then DEFAULT_5XX answers 502 without the message, and stderr has the traceback
    assert response.status_code == 502
    assert response.json()["error"] == {
        "code": "INTERNAL_ERROR",
        "message": "Internal server error",
        "request_id": response.headers["X-Request-Id"],
    }
    assert "secret detail" not in response.text
    assert "RuntimeError: secret detail" in app_runtime.stderr()


def test_malformed_proxy_response_is_a_502(client: httpx.Client) -> None:
    # Given a handler whose body is an object, not a string
    # When it is called
    response = client.get("/v1/garbage")
    # Then API Gateway's "malformed Lambda proxy response" is a 502
    assert response.status_code == 502


def test_body_over_ten_megabytes_is_refused_by_the_gateway(client: httpx.Client) -> None:
    # Given a body over API Gateway's 10 MB limit
    # When it is posted
    response = client.post("/v1/upload", content=b"x" * (10 * 1024 * 1024 + 1))
    # Then the template's REQUEST_TOO_LARGE response comes back
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_request_log_line_has_no_query_or_headers(client: httpx.Client, app_runtime) -> None:
    # Given a request with a token in its query and headers
    client.get("/v1/things/logged?token=sekrit", headers={"Authorization": "Bearer sekrit"})
    # When the runtime logs it
    time.sleep(0.1)
    # Then the line names the method, resource and status, and nothing secret
    assert "local: GET /v1/things/{thing_id} 200" in app_runtime.stderr()
    assert "sekrit" not in app_runtime.stderr()


def test_concurrent_requests_to_one_route_run_in_separate_containers(app_runtime) -> None:
    # Given 4 requests to a handler that sleeps 1.5 s
    results: list[dict] = []

    def call() -> None:
        with httpx.Client(base_url=app_runtime.base_url, timeout=30) as http:
            results.append(http.get("/v1/slow", params={"seconds": "1.5"}).json())

    threads = [threading.Thread(target=call) for _ in range(4)]
    # When they are sent at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then each ran in its own container (module import), all at the same time
    assert len({r["container"] for r in results}) == 4
    latest_start = max(r["started"] for r in results)
    earliest_end = min(r["ended"] for r in results)
    assert latest_start < earliest_end


def test_a_container_serves_one_request_at_a_time(app_runtime) -> None:
    # Given more concurrent requests (6) than containers per function (4)
    results: list[dict] = []

    def call() -> None:
        with httpx.Client(base_url=app_runtime.base_url, timeout=30) as http:
            results.append(http.get("/v1/slow", params={"seconds": "0.3"}).json())

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # When the runs of each container are compared
    by_container: dict[str, list[tuple[float, float]]] = {}
    for result in results:
        by_container.setdefault(result["container"], []).append((result["started"], result["ended"]))
    # Then no more than 4 containers exist and no container's runs overlap
    assert len(by_container) <= 4
    for runs in by_container.values():
        runs.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(runs))
