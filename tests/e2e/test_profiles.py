"""Profiles over HTTP: own profile, updates, usernames, public profiles (API.md §2)."""

import uuid

import pytest


def username():
    return f"u_{uuid.uuid4().hex[:10]}"


def test_own_profile_has_email_and_plan(api, new_user):
    user = new_user(name="Ann Lee")
    profile = api.get("/v1/profile", headers=user["headers"]).json()
    assert profile["email"] == user["email"] and profile["plan"] == "free"
    assert profile["display_name"] == "Ann Lee" and profile["username"] is None


def test_update_and_public_profile_by_id_and_username(api, new_user):
    user = new_user()
    name = username()
    patch = {"display_name": "Ann", "bio": "Prompt engineer", "username": name, "avatar_url": "https://img.example/a.png"}
    updated = api.patch("/v1/profile", headers=user["headers"], json=patch)
    assert updated.status_code == 200 and updated.json()["username"] == name
    by_id = api.get(f"/v1/users/{user['user']['id']}").json()
    by_name = api.get(f"/v1/u/{name}").json()
    assert by_id == by_name
    assert by_id["profile"]["bio"] == "Prompt engineer" and "email" not in by_id["profile"] and "plan" not in by_id["profile"]
    assert by_id["prompts"] == []


def test_username_is_unique_and_can_be_cleared_and_reused(api, new_user):
    first, second = new_user(), new_user()
    name = username()
    assert api.patch("/v1/profile", headers=first["headers"], json={"username": name}).status_code == 200
    taken = api.patch("/v1/profile", headers=second["headers"], json={"username": name})
    assert taken.status_code == 409
    assert api.patch("/v1/profile", headers=first["headers"], json={"username": None}).json()["username"] is None
    assert api.get(f"/v1/u/{name}").status_code == 404
    assert api.patch("/v1/profile", headers=second["headers"], json={"username": name}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "Has-Caps"}, "username"),
        ({"username": "x" * 31}, "username"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"bio": "b" * 301}, "bio"),
        ({"avatar_url": "http://insecure.example/a.png"}, "avatar_url"),
        ({"email": "new@example.com"}, "email"),
    ],
)
def test_bad_profile_updates_are_400_and_change_nothing(api, new_user, body, field):
    user = new_user()
    before = api.get("/v1/profile", headers=user["headers"]).json()
    response = api.patch("/v1/profile", headers=user["headers"], json=body)
    assert response.status_code == 400
    assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert api.get("/v1/profile", headers=user["headers"]).json() == before


def test_unknown_public_profiles_are_404(api):
    assert api.get("/v1/users/00000000-0000-4000-8000-000000000000").status_code == 404
    assert api.get("/v1/u/nobody_here_1").status_code == 404
