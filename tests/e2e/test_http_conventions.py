"""Conventions every route shares (API.md §1): envelopes, 404/405, request ids, idempotency, service routes."""

import uuid


def test_unknown_route_is_a_404_envelope(api):
    response = api.get("/v1/definitely-not-a-route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert response.json()["error"]["request_id"] == response.headers["x-request-id"]


def test_wrong_method_on_a_known_path_is_405_with_allow(api):
    response = api.put("/v1/auth/me")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["allow"]


def test_cors_preflight_is_answered(api):
    response = api.options("/v1/prompts", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert "POST" in response.headers["access-control-allow-methods"]


def test_every_response_has_a_request_id(api):
    assert api.get("/v1/health").headers["x-request-id"]


def test_health_and_service_documents(api):
    assert api.get("/v1/health").json() == {"status": "ok", "version": "0.1.0"}
    document = api.get("/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1") and "/v1/prompts/{ref}/compiled" in document["paths"]
    docs = api.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    llms = api.get("/llms.txt")
    assert llms.headers["content-type"].startswith("text/plain") and "GET /v1/prompts/{ref}/compiled" in llms.text


def test_idempotency_key_replays_the_first_response_and_creates_once(api):
    key = str(uuid.uuid4())
    body = {"email": f"idem-{uuid.uuid4().hex[:8]}@example.com", "password": "password1", "name": "Idem"}
    first = api.post("/v1/auth/register", json=body, headers={"Idempotency-Key": key})
    second = api.post("/v1/auth/register", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    # The replay is the first response without its secret, and says so (docs/http.md)
    assert second.json() == {"user": first.json()["user"], "omitted_secrets": ["session_token"]}


def test_idempotency_key_with_another_body_is_409(api):
    key = str(uuid.uuid4())
    body = {"email": f"idem-{uuid.uuid4().hex[:8]}@example.com", "password": "password1", "name": "Idem"}
    assert api.post("/v1/auth/register", json=body, headers={"Idempotency-Key": key}).status_code == 201
    other = api.post("/v1/auth/register", json={**body, "name": "Other"}, headers={"Idempotency-Key": key})
    assert other.status_code == 409 and other.json()["error"]["code"] == "CONFLICT"


def test_overlong_idempotency_key_is_400(api):
    response = api.post("/v1/auth/login", json={"email": "a@b.io", "password": "x"}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
