"""Cursors are opaque, tamper-evident and bound to the caller's scope."""

import pytest

from promptbank.cursor import decode_cursor, encode_cursor
from promptbank.errors import ValidationFailed

KEY = {"pk": {"S": "PROMPT#1"}, "sk": {"S": "V#00000003"}}


def test_round_trip_returns_the_same_key():
    # Given a cursor for one scope / When it is decoded in that scope / Then the key comes back
    assert decode_cursor(encode_cursor(KEY, "prompts:alice"), "prompts:alice") == KEY


def test_no_last_key_means_no_cursor():
    assert encode_cursor(None, "prompts:alice") is None
    assert decode_cursor(None, "prompts:alice") is None


def test_another_users_scope_is_rejected():
    # Given Alice's cursor / When Bob presents it / Then 400, never Alice's page
    cursor = encode_cursor(KEY, "prompts:alice")
    with pytest.raises(ValidationFailed) as err:
        decode_cursor(cursor, "prompts:bob")
    assert err.value.details == [{"field": "cursor", "message": "Invalid cursor"}]


@pytest.mark.parametrize("mutate", [lambda c: c[:-2] + ("AA" if c[-2:] != "AA" else "BB"), lambda c: "x" + c, lambda c: "!!!"])
def test_tampered_cursor_is_rejected(mutate):
    cursor = encode_cursor(KEY, "prompts:alice")
    with pytest.raises(ValidationFailed):
        decode_cursor(mutate(cursor), "prompts:alice")
