"""`redact_secrets`: what an idempotency record keeps of a response whose handler declares secret fields
(issue 8 item 5). The HTTP behaviour is in tests/e2e/test_idempotency_secrets.py; this covers the shapes no
route has yet (a nested secret, as webhook creation's will be, and a body that is not a JSON object)."""

from __future__ import annotations

import json

from promptbank.http import OMITTED_SECRETS, redact_secrets


def _response(body: str, **extra: object) -> dict[str, object]:
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Set-Cookie": ["pb_session=pbs_x; HttpOnly"], "X-Other": ["1"]},
        "body": body,
        "isBase64Encoded": False,
        **extra,
    }


def test_a_nested_secret_is_left_out_and_named():
    response = _response(json.dumps({"webhook": {"id": "w1", "secret": "whsec_abc"}, "other": 1}))
    stored = redact_secrets(response, ["webhook.secret"])
    assert json.loads(stored["body"]) == {"webhook": {"id": "w1"}, "other": 1, OMITTED_SECRETS: ["webhook.secret"]}
    assert "whsec_abc" not in json.dumps(stored)


def test_cookies_are_not_kept_and_other_headers_are():
    stored = redact_secrets(_response(json.dumps({"session_token": "pbs_x"})), ["session_token"])
    assert stored["multiValueHeaders"] == {"X-Other": ["1"]}
    assert stored["headers"] == {"Content-Type": "application/json"}
    assert "pbs_x" not in json.dumps(stored)


def test_the_first_response_is_not_changed():
    response = _response(json.dumps({"raw_key": "pb_live_x"}))
    before = json.dumps(response, sort_keys=True)
    redact_secrets(response, ["raw_key"])
    assert json.dumps(response, sort_keys=True) == before


def test_a_body_that_is_not_a_json_object_is_not_kept():
    for body, extra in (("pb_live_x", {}), ('["pb_live_x"]', {}), ("cGJfbGl2ZV94", {"isBase64Encoded": True})):
        stored = redact_secrets(_response(body, **extra), ["raw_key"])
        assert json.loads(stored["body"]) == {OMITTED_SECRETS: ["raw_key"]}
        assert stored["isBase64Encoded"] is False


def test_a_secret_absent_from_the_body_is_not_named():
    stored = redact_secrets(_response(json.dumps({"api_key": {"id": "k"}})), ["raw_key"])
    assert json.loads(stored["body"]) == {"api_key": {"id": "k"}}


def test_a_handler_without_secrets_stores_the_response_as_is():
    response = _response(json.dumps({"id": "p"}))
    assert redact_secrets(response, []) is response
