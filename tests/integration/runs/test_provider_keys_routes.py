"""GET/PUT/DELETE /v1/provider-keys: masked listing, KMS-encrypted storage, validation, session only."""

from __future__ import annotations

import boto3
import pytest

from promptbank.providers import PROVIDER_NAMES

PROVIDER_KEY = "sk-test-0123456789abcdef"


def _stored_item(table: str, user, provider: str) -> dict | None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    key = {"pk": {"S": f"USER#{user.id}"}, "sk": {"S": f"PROVIDERKEY#{provider}"}}
    return client.get_item(TableName=table, Key=key).get("Item")


def test_a_new_user_lists_every_provider_unconfigured(call, user):
    # Given a user with no keys
    # When they list their provider keys
    reply = call("ListProviderKeysFunction", user)
    # Then there is one unconfigured entry per provider
    assert reply.status == 200
    assert [entry["provider"] for entry in reply.json["data"]] == list(PROVIDER_NAMES)
    assert all(entry == {"provider": entry["provider"], "configured": False, "masked_key": None,
                         "base_url": None, "updated_at": None} for entry in reply.json["data"])


def test_saving_a_key_answers_it_masked_to_its_last_four_characters(call, user):
    # When a user saves a key
    reply = call("PutProviderKeyFunction", user, path={"provider": "openai"}, body={"api_key": "sk-abcdefgh-WXYZ"})
    # Then the answer shows the key masked, never in full
    assert reply.status == 200
    assert reply.json["configured"] is True
    assert reply.json["masked_key"] == "••••WXYZ"
    assert "sk-abcdefgh" not in reply.text
    assert reply.json["updated_at"].endswith("Z")


def test_a_saved_key_is_stored_only_as_kms_ciphertext(call, user, stack):
    # When a user saves a key
    call("PutProviderKeyFunction", user, path={"provider": "deepseek"}, body={"api_key": PROVIDER_KEY})
    # Then the item holds a ciphertext that KMS decrypts back to the key, and the key appears nowhere in clear
    item = _stored_item(stack.table_name, user, "deepseek")
    assert item is not None
    assert PROVIDER_KEY not in repr(item)
    plaintext = boto3.client("kms", region_name="us-east-1").decrypt(
        CiphertextBlob=item["ciphertext"]["B"],
        EncryptionContext={"purpose": "promptbank-provider-key", "user_id": user.id, "provider": "deepseek"},
    )["Plaintext"]
    assert plaintext.decode() == PROVIDER_KEY


def test_a_saved_key_is_listed_as_configured(call, user, save_key):
    # Given a saved anthropic key
    save_key(user, "anthropic", api_key="sk-ant-0123456789-LAST")
    # When the user lists their keys
    entries = {e["provider"]: e for e in call("ListProviderKeysFunction", user).json["data"]}
    # Then anthropic is configured and masked, the others are not configured
    assert entries["anthropic"]["configured"] is True
    assert entries["anthropic"]["masked_key"] == "••••LAST"
    assert entries["openai"]["configured"] is False


def test_another_users_keys_are_not_listed(call, user, another_user, save_key):
    # Given a key saved by someone else
    save_key(another_user, "openai")
    # When this user lists their keys
    entries = call("ListProviderKeysFunction", user).json["data"]
    # Then nothing is configured for them
    assert not any(entry["configured"] for entry in entries)


def test_deleting_a_key_makes_the_provider_unconfigured(call, user, save_key, stack):
    # Given a saved key
    save_key(user, "gemini")
    # When the user deletes it
    reply = call("DeleteProviderKeyFunction", user, path={"provider": "gemini"})
    # Then 204, and the key is gone
    assert reply.status == 204
    assert _stored_item(stack.table_name, user, "gemini") is None
    entries = {e["provider"]: e for e in call("ListProviderKeysFunction", user).json["data"]}
    assert entries["gemini"]["configured"] is False


def test_deleting_a_key_that_was_never_saved_is_a_204(call, user):
    # When the user deletes a key they never saved
    reply = call("DeleteProviderKeyFunction", user, path={"provider": "openai"})
    # Then it is a 204 as well (idempotent)
    assert reply.status == 204


@pytest.mark.parametrize("function_id", ["PutProviderKeyFunction", "DeleteProviderKeyFunction"])
def test_an_unknown_provider_is_a_400_naming_the_field(call, user, function_id, stack):
    # When the path names a provider that does not exist
    body = {"api_key": PROVIDER_KEY} if function_id == "PutProviderKeyFunction" else None
    reply = call(function_id, user, path={"provider": "mistral"}, body=body)
    # Then 400 on `provider`, and nothing is saved
    assert reply.status == 400
    assert reply.error_code == "VALIDATION_ERROR"
    assert reply.fields == ["provider"]
    assert _stored_item(stack.table_name, user, "mistral") is None


@pytest.mark.parametrize("api_key", ["short-key", "k" * 201, "sk-with space-123", "sk-newline\n-1234"])
def test_a_key_of_the_wrong_length_or_characters_is_a_400(call, user, api_key, stack):
    # When the key is shorter than 10, longer than 200, or not sendable in a header
    reply = call("PutProviderKeyFunction", user, path={"provider": "openai"}, body={"api_key": api_key})
    # Then 400 on `api_key`, and nothing is saved
    assert reply.status == 400
    assert reply.fields == ["api_key"]
    assert _stored_item(stack.table_name, user, "openai") is None


def test_an_unknown_body_field_is_a_400(call, user):
    # When the body carries a field the route does not take
    reply = call("PutProviderKeyFunction", user, path={"provider": "openai"},
                 body={"api_key": PROVIDER_KEY, "owner_id": "someone-else"})
    # Then 400 naming it
    assert reply.status == 400
    assert reply.fields == ["owner_id"]


@pytest.mark.parametrize("function_id", ["ListProviderKeysFunction", "PutProviderKeyFunction",
                                         "DeleteProviderKeyFunction"])
def test_api_keys_are_refused_on_these_session_only_routes(call, user, function_id):
    # When an API key (not a session) calls a provider-key route
    body = {"api_key": PROVIDER_KEY} if function_id == "PutProviderKeyFunction" else None
    path = None if function_id == "ListProviderKeysFunction" else {"provider": "openai"}
    reply = call(function_id, user.as_key(), path=path, body=body)
    # Then 403
    assert reply.status == 403
    assert reply.error_code == "FORBIDDEN"


@pytest.mark.parametrize("base_url", ["http://api.example.com/v1", "ftp://example.com", "https://user:pw@example.com",
                                      "https://example.com/v1?x=1", "not a url"])
def test_an_unsafe_base_url_is_a_400(call, user, base_url, stack):
    # When the base URL is not https (http is only for loopback, locally), or carries credentials or a query
    reply = call("PutProviderKeyFunction", user, path={"provider": "openai_compatible"},
                 body={"api_key": PROVIDER_KEY, "base_url": base_url})
    # Then 400 on `base_url`, nothing saved
    assert reply.status == 400
    assert reply.fields == ["base_url"]
    assert _stored_item(stack.table_name, user, "openai_compatible") is None


def test_plain_http_to_loopback_is_allowed_when_running_locally(call, user):
    # When a local user points openai_compatible at a server on 127.0.0.1 (Ollama, the fake provider)
    reply = call("PutProviderKeyFunction", user, path={"provider": "openai_compatible"},
                 body={"api_key": PROVIDER_KEY, "base_url": "http://127.0.0.1:11434/v1/"})
    # Then it is saved (without the trailing slash)
    assert reply.status == 200
    assert reply.json["base_url"] == "http://127.0.0.1:11434/v1"


def test_openai_compatible_needs_a_base_url(call, user, monkeypatch):
    # Given no deployment-wide base URL for openai_compatible
    monkeypatch.delenv("PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL")
    # When an openai_compatible key is saved without the server's URL
    reply = call("PutProviderKeyFunction", user, path={"provider": "openai_compatible"}, body={"api_key": PROVIDER_KEY})
    # Then 400 on base_url
    assert reply.status == 400
    assert reply.fields == ["base_url"]
