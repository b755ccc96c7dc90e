"""API keys over HTTP and the authorizer's answers to every kind of credential (API.md §2)."""

import pytest


def create_key(api, user, **body):
    response = api.post("/v1/keys", headers=user["headers"], json={"name": "ci", **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_created_key_is_shown_once_and_listed_without_secret(api, new_user):
    # Given a user / When creating a development read key
    user = new_user()
    created = create_key(api, user, environment="development", access="read")
    raw = created["raw_key"]
    # Then the raw key has the documented shape and its first 12 chars are the prefix
    assert raw.startswith("pb_dev_") and len(raw) == 71
    assert created["api_key"]["prefix"] == raw[:12]
    listed = api.get("/v1/keys", headers=user["headers"]).json()["data"]
    assert [k["id"] for k in listed] == [created["api_key"]["id"]]
    assert raw not in str(listed)


def test_defaults_are_production_and_full(api, new_user):
    created = create_key(api, new_user())
    assert created["raw_key"].startswith("pb_live_")
    assert created["api_key"]["environment"] == "production" and created["api_key"]["access"] == "full"


def test_api_key_authenticates_via_both_headers_and_records_use(api, new_user):
    user = new_user()
    raw = create_key(api, user)["raw_key"]
    assert api.get("/v1/auth/me", headers={"X-API-Key": raw}).status_code == 200
    assert api.get("/v1/auth/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    listed = api.get("/v1/keys", headers=user["headers"]).json()["data"]
    assert listed[0]["last_used_at"] is not None


def test_revoked_key_gets_401_on_its_next_request(api, new_user):
    user = new_user()
    created = create_key(api, user)
    raw = created["raw_key"]
    assert api.get("/v1/auth/me", headers={"X-API-Key": raw}).status_code == 200
    assert api.delete(f"/v1/keys/{created['api_key']['id']}", headers=user["headers"]).status_code == 204
    assert api.get("/v1/auth/me", headers={"X-API-Key": raw}).status_code == 401
    assert api.get("/v1/keys", headers=user["headers"]).json()["data"] == []


def test_revoking_someone_elses_or_unknown_key_is_404(api, new_user):
    owner, other = new_user(), new_user()
    created = create_key(api, owner)
    assert api.delete(f"/v1/keys/{created['api_key']['id']}", headers=other["headers"]).status_code == 404
    assert api.delete("/v1/keys/00000000-0000-4000-8000-000000000000", headers=owner["headers"]).status_code == 404
    # the owner's key still works
    assert api.get("/v1/auth/me", headers={"X-API-Key": created["raw_key"]}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "n" * 101}, {"name": "x", "environment": "staging"}, {"name": "x", "access": "admin"}, {"nom": "x"}],
)
def test_bad_key_requests_are_400_and_create_nothing(api, new_user, body):
    user = new_user()
    response = api.post("/v1/keys", headers=user["headers"], json=body)
    assert response.status_code == 400 and response.json()["error"]["details"]
    assert api.get("/v1/keys", headers=user["headers"]).json()["data"] == []


def test_api_keys_are_refused_on_session_only_routes(api, new_user):
    user = new_user()
    raw = create_key(api, user)["raw_key"]
    for method, path in [("GET", "/v1/keys"), ("POST", "/v1/keys"), ("GET", "/v1/profile"), ("POST", "/v1/auth/logout")]:
        response = api.request(method, path, headers={"X-API-Key": raw}, json={"name": "x"} if method == "POST" else None)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "pb_live_not-hex"},
        {"Authorization": "Bearer pb_live_" + "0" * 64},
        {"Authorization": "Bearer pbs_" + "f" * 64},
        {"Cookie": "pb_session=garbage"},
    ],
)
def test_missing_malformed_and_unknown_credentials_are_401_envelopes(api, headers):
    response = api.get("/v1/auth/me", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "UNAUTHORIZED" and error["request_id"] == response.headers["x-request-id"]
