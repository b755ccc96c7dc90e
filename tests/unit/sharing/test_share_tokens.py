"""Share tokens: they name a prompt and a share, carry >= 128 secret bits, and malformed ones are rejected."""

from __future__ import annotations

import uuid

import pytest

from promptbank.sharing.tokens import SECRET_BYTES, TOKEN_LENGTH, new_token, parse_token

PROMPT_ID = str(uuid.uuid4())
SHARE_ID = str(uuid.uuid4())


def test_a_token_names_its_prompt_and_share() -> None:
    # Given a new token / When parsed / Then it gives back both ids
    parsed = parse_token(new_token(PROMPT_ID, SHARE_ID))
    assert parsed is not None
    assert (parsed.prompt_id, parsed.share_id) == (PROMPT_ID, SHARE_ID)


def test_a_token_carries_at_least_128_secret_bits() -> None:
    # Given two tokens for the same share / Then their secret parts differ and are >= 128 bits long
    first, second = new_token(PROMPT_ID, SHARE_ID), new_token(PROMPT_ID, SHARE_ID)
    assert SECRET_BYTES * 8 >= 128
    assert first[44:] != second[44:]
    assert len(first) == TOKEN_LENGTH


def test_a_token_is_url_safe() -> None:
    token = new_token(PROMPT_ID, SHARE_ID)
    assert all(c.isalnum() or c in "-_" for c in token)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "short",
        "x" * (TOKEN_LENGTH + 1),
        "!" * TOKEN_LENGTH,
        "../" + "a" * (TOKEN_LENGTH - 3),
        # the right length and alphabet, but the id parts are not canonical base64 of 16 bytes
        "_" * TOKEN_LENGTH,
    ],
)
def test_a_malformed_token_is_rejected(raw: str) -> None:
    assert parse_token(raw) is None
