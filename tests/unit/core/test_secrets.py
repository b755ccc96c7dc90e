"""Credential shapes, extraction from headers, and password hashing."""

import pytest

from promptbank.auth.secrets import (
    credential_from_headers,
    hash_password,
    new_api_key,
    new_session_token,
    token_hash,
    verify_password,
)


def test_api_keys_and_sessions_have_the_documented_shapes():
    assert new_api_key("production").startswith("pb_live_") and len(new_api_key("production")) == 8 + 64
    assert new_api_key("development").startswith("pb_dev_") and len(new_api_key("development")) == 7 + 64
    assert new_session_token().startswith("pbs_") and len(new_session_token()) == 4 + 64


def test_tokens_are_random():
    assert len({new_session_token() for _ in range(50)}) == 50


def test_bearer_header_wins_over_x_api_key_and_cookie():
    key, session = new_api_key("production"), new_session_token()
    headers = {"authorization": f"Bearer {session}", "X-API-Key": key, "Cookie": f"pb_session={key}"}
    assert credential_from_headers(headers) == session


def test_x_api_key_and_cookie_are_accepted():
    key, session = new_api_key("development"), new_session_token()
    assert credential_from_headers({"X-Api-Key": key}) == key
    assert credential_from_headers({"cookie": f"theme=dark; pb_session={session}"}) == session


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer pb_live_123"},
        {"Authorization": "Bearer " + "pb_live_" + "G" * 64},
        {"X-API-Key": "sk-something"},
    ],
)
def test_malformed_credentials_are_empty_not_none(headers):
    # "" means "present but malformed" (401), None means "absent"
    assert credential_from_headers(headers) == ""


def test_no_credential_is_none():
    assert credential_from_headers({"Content-Type": "application/json"}) is None
    assert credential_from_headers(None) is None


def test_token_hash_is_sha256_hex():
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_password_verifies_only_with_the_right_password():
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)


def test_same_password_hashes_differently():
    assert hash_password("password1") != hash_password("password1")


def test_garbage_hash_does_not_verify():
    assert not verify_password("x", "md5$abc")
    assert not verify_password("x", "nonsense")
