"""Request bodies take JSON types as sent, over HTTP (issue 8 item 4): a wrong type is a 400 that changes nothing.

A boolean is `true`/`false`, a number is a JSON number, a string is a JSON string. Query strings keep their
string-to-type parsing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def _create(api: httpx.Client, user: dict[str, Any], **body: Any) -> dict[str, Any]:
    payload = {"name": "Greeting", "content": "Hello {{name}}!", **body}
    response = api.post("/v1/prompts", headers=user["headers"], json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def _assert_400_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in {d["field"] for d in error["details"]}, error


@pytest.mark.parametrize("value", ["yes", 1])
def test_a_non_boolean_is_public_creates_nothing(api, new_user, value):
    # Given a user
    user = new_user()
    # When they create a prompt with is_public that is not a JSON boolean
    response = api.post("/v1/prompts", headers=user["headers"], json={"name": "x", "content": "c", "is_public": value})
    # Then it is a 400 naming is_public, and no prompt exists
    _assert_400_naming(response, "is_public")
    assert api.get("/v1/prompts", headers=user["headers"]).json()["data"] == []


@pytest.mark.parametrize("value", ["yes", 1])
def test_a_non_boolean_is_public_leaves_the_prompt_private(api, new_user, value):
    # Given a private prompt
    user = new_user()
    prompt = _create(api, user)
    # When is_public is set to something that is not a JSON boolean
    response = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"is_public": value})
    # Then it is a 400 naming is_public, and the prompt is still private
    _assert_400_naming(response, "is_public")
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).json()["is_public"] is False
    assert api.get(f"/v1/public/prompts/{prompt['id']}").status_code == 404


def test_a_non_boolean_publish_creates_no_version(api, new_user):
    # Given a prompt at version 1
    user = new_user()
    prompt = _create(api, user)
    # When its content is changed with publish: 1
    response = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "v2", "publish": 1})
    # Then it is a 400 naming publish, and there is still one version
    _assert_400_naming(response, "publish")
    after = api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).json()
    assert (after["latest_version"], after["content"]) == (1, prompt["content"])


@pytest.mark.parametrize(("settings", "field"), [
    ({"max_tokens": True}, "model_config.max_tokens"),
    ({"temperature": "1.5"}, "model_config.temperature"),
])
def test_a_wrong_type_in_model_config_creates_no_version(api, new_user, settings, field):
    # Given a prompt at version 1
    user = new_user()
    prompt = _create(api, user)
    # When its model_config is changed with a value of the wrong JSON type
    response = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"model_config": settings})
    # Then it is a 400 naming the field, and there is still one version with no model settings
    _assert_400_naming(response, field)
    after = api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).json()
    assert (after["latest_version"], after["model_config"]) == (1, prompt["model_config"])


def test_a_json_integer_temperature_is_a_number(api, new_user):
    # When a prompt is created with temperature 1 (a JSON integer)
    prompt = _create(api, new_user(), model_config={"temperature": 1})
    # Then it is accepted as that number
    assert prompt["model_config"] == {"temperature": 1}


def test_a_string_label_version_moves_no_label(api, new_user):
    # Given a prompt at version 1 with no staging label
    user = new_user()
    prompt = _create(api, user)
    # When staging is set to version "1" (a string)
    response = api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"], json={"version": "1"})
    # Then it is a 400 naming version, and the labels are unchanged
    _assert_400_naming(response, "version")
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).json()["labels"] == prompt["labels"]


def test_a_non_boolean_compile_strict_is_refused(api, new_user):
    # Given a prompt with a variable
    user = new_user()
    prompt = _create(api, user)
    # When it is compiled with strict: "yes"
    response = api.post(f"/v1/prompts/{prompt['id']}/compile", headers=user["headers"], json={"strict": "yes"})
    # Then it is a 400 naming strict
    _assert_400_naming(response, "strict")


def test_a_non_string_key_name_creates_no_key(api, new_user):
    # Given a user and their keys
    user = new_user()
    before = api.get("/v1/keys", headers=user["headers"]).json()
    # When a key is created with a number for a name
    response = api.post("/v1/keys", headers=user["headers"], json={"name": 123})
    # Then it is a 400 naming name, and no key was created
    _assert_400_naming(response, "name")
    assert api.get("/v1/keys", headers=user["headers"]).json() == before


def test_a_non_string_display_name_changes_no_profile(api, new_user):
    # Given a user's profile
    user = new_user()
    before = api.get("/v1/profile", headers=user["headers"]).json()
    # When the display name is set to a number
    response = api.patch("/v1/profile", headers=user["headers"], json={"display_name": 42})
    # Then it is a 400 naming display_name, and the profile is unchanged
    _assert_400_naming(response, "display_name")
    assert api.get("/v1/profile", headers=user["headers"]).json() == before


def test_a_boolean_expiry_creates_no_share(api, new_user):
    # Given a prompt
    user = new_user()
    prompt = _create(api, user)
    # When a share is created with expires_in_hours: true
    response = api.post(f"/v1/prompts/{prompt['id']}/shares", headers=user["headers"], json={"expires_in_hours": True})
    # Then it is a 400 naming expires_in_hours, and the prompt has no share
    _assert_400_naming(response, "expires_in_hours")
    assert api.get(f"/v1/prompts/{prompt['id']}/shares", headers=user["headers"]).json()["data"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"max_tokens": True}, "max_tokens"),
    ({"temperature": "1.5"}, "temperature"),
    ({"version": "1"}, "version"),
])
def test_a_wrong_type_in_a_run_records_no_run(api, new_user, body, field):
    # Given a prompt
    user = new_user()
    prompt = _create(api, user)
    # When it is run with a field of the wrong JSON type
    response = api.post(f"/v1/prompts/{prompt['id']}/run", headers=user["headers"], json=body)
    # Then it is a 400 naming the field, and no run is recorded
    _assert_400_naming(response, field)
    assert api.get("/v1/runs", headers=user["headers"]).json()["data"] == []


def test_a_string_chat_max_tokens_is_refused(api, new_user):
    # When a chat is sent with max_tokens "100"
    response = api.post("/v1/chat", headers=new_user()["headers"], json={
        "model": "deepseek-chat", "messages": [{"role": "user", "content": "hi"}], "max_tokens": "100"})
    # Then it is a 400 naming max_tokens
    _assert_400_naming(response, "max_tokens")


def test_a_non_string_provider_key_saves_nothing(api, new_user):
    # Given a user with no deepseek key
    user = new_user()
    # When a deepseek key is saved as a JSON number
    response = api.put("/v1/provider-keys/deepseek", headers=user["headers"], json={"api_key": 12345678901234})
    # Then it is a 400 naming api_key, and no key is configured
    _assert_400_naming(response, "api_key")
    listed = api.get("/v1/provider-keys", headers=user["headers"]).json()["data"]
    assert next(k for k in listed if k["provider"] == "deepseek")["configured"] is False


def test_a_query_string_version_is_parsed_to_a_number(api, new_user):
    # Given a prompt at version 2
    user = new_user()
    prompt = _create(api, user)
    assert api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "v2"}).status_code == 200
    # When version 1 is compiled with ?version=1
    response = api.get(f"/v1/prompts/{prompt['id']}/compiled?version=1", headers=user["headers"])
    # Then version 1 is compiled
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1


def test_a_query_string_strict_true_is_parsed_to_a_boolean(api, new_user):
    # Given a prompt with a variable that has no default
    user = new_user()
    prompt = _create(api, user)
    # When it is compiled with ?strict=true and no variables
    response = api.get(f"/v1/prompts/{prompt['id']}/compiled?strict=true", headers=user["headers"])
    # Then strict mode applies: the missing variable is a 400 naming it (not the parameter)
    _assert_400_naming(response, "variables.name")


def test_a_list_limit_in_the_query_string_is_parsed(api, new_user):
    # Given two prompts
    user = new_user()
    _create(api, user, name="One")
    _create(api, user, name="Two")
    # When they are listed with ?limit=1
    response = api.get("/v1/prompts?limit=1", headers=user["headers"])
    # Then the limit applies
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 1
