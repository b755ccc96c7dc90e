"""The principal's rules and the validation-error mapping every route shares."""

import pytest

from promptbank.auth.principal import Principal
from promptbank.errors import Forbidden, Unauthorized
from promptbank.http import validation_error


def principal(**kw):
    base = {"user_id": "u1", "credential": "api_key", "environment": "production", "access": "full", "plan": "free"}
    return Principal.from_context({**base, **kw})


def test_production_keys_resolve_to_production_and_others_to_latest():
    assert principal().default_label == "production"
    assert principal(environment="development").default_label == "latest"
    assert principal(credential="session", environment="development").default_label == "latest"


def test_read_keys_cannot_write():
    with pytest.raises(Forbidden):
        principal(access="read").require_write()
    assert principal().require_write().user_id == "u1"


def test_api_keys_are_refused_on_session_routes():
    with pytest.raises(Forbidden):
        principal().require_session()


def test_missing_context_is_unauthorized():
    with pytest.raises(Unauthorized):
        Principal.from_context({})


def test_context_round_trips():
    p = principal(credential="session", session_id="s1", environment="development")
    assert Principal.from_context(p.to_context()) == p


def test_pydantic_errors_become_one_detail_per_field():
    err = validation_error(
        [
            {"type": "string_too_long", "loc": ("body", "name"), "msg": "String should have at most 3 characters"},
            {"type": "extra_forbidden", "loc": ("body", "owner_id"), "msg": "Extra inputs are not permitted"},
            {"type": "greater_than_equal", "loc": ("query", "limit"), "msg": "Input should be >= 1"},
        ]
    )
    assert err.status == 400 and err.code == "VALIDATION_ERROR"
    assert err.details == [
        {"field": "name", "message": "String should have at most 3 characters"},
        {"field": "owner_id", "message": "Unknown field"},
        {"field": "limit", "message": "Input should be >= 1"},
    ]


def test_malformed_json_is_named_as_such():
    err = validation_error([{"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error"}])
    assert err.message == "Malformed JSON body"
