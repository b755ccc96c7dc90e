"""Accounts over HTTP: register, login (with lockout), logout, me (API.md §2)."""

import uuid

import pytest


def email():
    return f"e2e-{uuid.uuid4().hex[:10]}@Example.com"


def test_register_returns_user_and_session_and_sets_cookie(api):
    # Given a new email / When registering
    address = email()
    response = api.post("/v1/auth/register", json={"email": address, "password": "correct horse", "name": "Ann"})
    # Then 201 with the user, a pbs_ token, and an HttpOnly SameSite=Lax cookie
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == address and body["user"]["plan"] == "free" and body["user"]["created_at"].endswith("Z")
    assert body["session_token"].startswith("pbs_") and len(body["session_token"]) == 68
    cookie = response.headers["set-cookie"]
    assert "pb_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["x-request-id"]


def test_email_is_unique_case_insensitively(api):
    address = email()
    assert api.post("/v1/auth/register", json={"email": address, "password": "password1", "name": "A"}).status_code == 201
    again = api.post("/v1/auth/register", json={"email": address.upper(), "password": "password1", "name": "B"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "not-an-email", "password": "password1", "name": "A"}, {"email"}),
        ({"email": "a@b.io", "password": "short", "name": "A"}, {"password"}),
        ({"email": "a@b.io", "password": "p" * 257, "name": "A"}, {"password"}),
        ({"email": "a@b.io", "password": "password1", "name": ""}, {"name"}),
        ({"email": "a@b.io", "password": "password1", "name": "n" * 81}, {"name"}),
        ({"email": "a@b.io", "password": "password1", "name": "A", "plan": "team"}, {"plan"}),
        ({"email": 5, "password": ["x"], "name": None}, {"email", "password", "name"}),
        ({"password": "password1"}, {"email", "name"}),
    ],
)
def test_bad_registrations_name_each_field_and_create_nothing(api, body, fields):
    response = api.post("/v1/auth/register", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["request_id"] == response.headers["x-request-id"]
    assert fields <= {d["field"] for d in error["details"]}
    if isinstance(body.get("email"), str) and "@" in body["email"]:
        # nothing was created: the same email can still register
        ok = api.post("/v1/auth/register", json={"email": body["email"].replace("@", f"+{uuid.uuid4().hex[:6]}@"),
                                                   "password": "password1", "name": "A"})
        assert ok.status_code == 201


def test_malformed_json_and_non_json_bodies_are_400(api):
    broken = api.post("/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["message"] == "Malformed JSON body"
    array = api.post("/v1/auth/register", json=[1, 2])
    assert array.status_code == 400 and array.json()["error"]["code"] == "VALIDATION_ERROR"


def test_bodies_over_one_mebibyte_are_413(api):
    response = api.post("/v1/auth/register", json={"email": "a@b.io", "password": "x" * (1024 * 1024), "name": "A"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_login_gives_a_new_session_that_works(api, new_user):
    user = new_user()
    response = api.post("/v1/auth/login", json={"email": user["email"].upper(), "password": user["password"]})
    assert response.status_code == 200
    token = response.json()["session_token"]
    assert token != user["session_token"]
    me = api.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["id"] == user["user"]["id"]


def test_wrong_password_and_unknown_email_get_the_same_answer(api, new_user):
    user = new_user()
    wrong = api.post("/v1/auth/login", json={"email": user["email"], "password": "wrong-password"})
    unknown = api.post("/v1/auth/login", json={"email": email(), "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "INVALID_CREDENTIALS"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_ten_failed_logins_lock_the_email_even_for_the_right_password(api, new_user):
    user = new_user()
    for _ in range(10):
        assert api.post("/v1/auth/login", json={"email": user["email"], "password": "nope-nope"}).status_code == 401
    locked = api.post("/v1/auth/login", json={"email": user["email"], "password": user["password"]})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(locked.headers["retry-after"]) <= 900


def test_logout_ends_the_session_at_once(api, new_user):
    user = new_user()
    assert api.post("/v1/auth/logout", headers=user["headers"]).status_code == 204
    after = api.get("/v1/auth/me", headers=user["headers"])
    assert after.status_code == 401 and after.json()["error"]["code"] == "UNAUTHORIZED"


def test_session_cookie_authenticates(api, new_user):
    user = new_user()
    me = api.get("/v1/auth/me", headers={"Cookie": f"pb_session={user['session_token']}"})
    assert me.status_code == 200 and me.json()["email"] == user["email"]
