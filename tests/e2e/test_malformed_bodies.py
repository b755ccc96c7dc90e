"""No malformed request body costs a 500 (issue 8 item 3): over HTTP, on every POST/PUT/PATCH route template.yaml
declares (tests/e2e/template_routes.py), a body that is not JSON, not UTF-8 or nested too deep is a 4xx in the
error envelope, and changes nothing.

A body must be `application/json` (any letter case, parameters allowed, `charset` UTF-8 if given); a missing
`Content-Type` is read as JSON (docs/http.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tests.e2e.template_routes import body_routes, concrete_path, route_id

from local.gateway import Route
from promptbank.jsontext import MAX_JSON_DEPTH

ROUTES = body_routes()
VALID_JSON = b'{"name": "x"}'
JSON_TYPE = "application/json"


def _nested(depth: int) -> bytes:
    """`depth` objects inside one another: {"a": {"a": ... {} ...}}."""
    return (b'{"a": ' * (depth - 1)) + b"{}" + (b"}" * (depth - 1))


# (what it is, Content-Type or None, body, status, code)
MALFORMED: list[tuple[str, str | None, bytes, int, str]] = [
    ("JSON sent as text/plain", "text/plain", VALID_JSON, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("JSON sent form-encoded", "application/x-www-form-urlencoded", VALID_JSON, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("a form", "application/x-www-form-urlencoded", b"name=x&content=y", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("multipart", "multipart/form-data; boundary=b", b"--b\r\n\r\nx\r\n--b--\r\n", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("a charset other than UTF-8", "application/json; charset=iso-8859-1", VALID_JSON, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("not a media type", "json", VALID_JSON, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("bytes that are not UTF-8", "application/json", b'{"name": "\xff\xfe\xc3"}', 400, "VALIDATION_ERROR"),
    ("not UTF-8, no Content-Type", None, b'{"name": "\x80"}', 400, "VALIDATION_ERROR"),
    ("arrays nested 5,000 deep", "application/json", b"[" * 5000 + b"]" * 5000, 400, "VALIDATION_ERROR"),
    ("objects nested 3,000 deep", "application/json", _nested(3000), 400, "VALIDATION_ERROR"),
    ("one level past the limit", "application/json", _nested(MAX_JSON_DEPTH + 1), 400, "VALIDATION_ERROR"),
    ("an unpaired surrogate", "application/json", b'{"variables": {"a": "\\ud800"}}', 400, "VALIDATION_ERROR"),
    ("an unpaired surrogate key", "application/json", b'{"\\udc00": 1}', 400, "VALIDATION_ERROR"),
    ("truncated JSON", "application/json", b'{"name": ', 400, "VALIDATION_ERROR"),
    ("NaN", "application/json", b'{"name": NaN}', 400, "VALIDATION_ERROR"),
    ("a number out of range", "application/json", b'{"name": 1e999}', 400, "VALIDATION_ERROR"),
    ("an integer of 5,000 digits", "application/json", b'{"name": ' + b"9" * 5000 + b"}", 400, "VALIDATION_ERROR"),
]


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    """The status, and the error envelope (API.md §1) with the code and the response's request id."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    assert error["request_id"] == response.headers["X-Request-Id"]


def _send(api: httpx.Client, route: Route, headers: dict[str, str], content_type: str | None, body: bytes) -> Any:
    sent = dict(headers)
    if content_type is not None:
        sent["Content-Type"] = content_type
    return api.request(route.method, concrete_path(route), content=body, headers=sent)


def _caller(route: Route, new_user: Callable[..., dict[str, Any]]) -> dict[str, str]:
    return dict(new_user()["headers"]) if route.authorizer else {}


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_a_malformed_body_is_a_4xx_in_the_envelope(api, new_user, route):
    # Given a caller the route admits (a session for a route with an authorizer)
    headers = _caller(route, new_user)
    for what, content_type, body, status, code in MALFORMED:
        # When the route gets the malformed body
        response = _send(api, route, headers, content_type, body)
        # Then it is the 4xx in the error envelope, whatever the route
        assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
        assert_error(response, status, code)
    # And the caller's session still works (a malformed logout logged nobody out)
    if headers:
        assert api.get("/v1/auth/me", headers=headers).status_code == 200


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_json_is_accepted_in_any_letter_case_and_without_a_content_type(api, new_user, route):
    # Given the same JSON body sent as application/json, as `Application/JSON; charset=UTF-8`, and with no
    # Content-Type, each by a fresh caller (the first may change state, e.g. log out)
    statuses = {}
    for content_type in ("application/json", "Application/JSON; charset=UTF-8", "APPLICATION/JSON", None):
        response = _send(api, route, _caller(route, new_user), content_type, b"{}")
        statuses[content_type] = response.status_code
    # Then the route answers each as the plain application/json one, never 415 nor 5xx
    assert len(set(statuses.values())) == 1, statuses
    assert statuses["application/json"] not in (415,) and statuses["application/json"] < 500, statuses


NOT_OBJECTS: list[bytes] = [b"[null, null]", b"[]", b'[{"name": "x"}]', b'"x"', b"1", b"true"]


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_a_body_that_is_not_a_json_object_is_refused(api, new_user, route):
    # Given a caller the route admits
    headers = _caller(route, new_user)
    for body in NOT_OBJECTS:
        # When the route gets JSON that is not an object (an optional body too: `[null, null]` is no "no body")
        response = _send(api, route, headers, "application/json", body)
        # Then it is a 400 on `body` saying it must be a JSON object, whatever the route
        assert_error(response, 400, "VALIDATION_ERROR")
        assert response.json()["error"]["details"] == [{"field": "body", "message": "must be a JSON object"}], (
            body,
            response.text,
        )
    # And the caller's session still works (a refused logout logged nobody out)
    if headers:
        assert api.get("/v1/auth/me", headers=headers).status_code == 200


def test_an_array_body_does_not_publish_or_share(api, new_user):
    # Given a user's prompt that is not published
    user = new_user()
    created = api.post(
        "/v1/prompts", headers=user["headers"], json={"name": "Arrays", "content": "Hi", "publish": False}
    )
    assert created.status_code == 201, created.text
    ref = created.json()["id"]
    # When its optional-body routes get a JSON array
    for path in (f"/v1/prompts/{ref}/publish", f"/v1/prompts/{ref}/shares", f"/v1/prompts/{ref}/compile"):
        response = api.post(path, content=b"[null, null]", headers={**user["headers"], "Content-Type": JSON_TYPE})
        assert_error(response, 400, "VALIDATION_ERROR")
    # Then nothing was published and no share link made
    assert api.get(f"/v1/prompts/{ref}", headers=user["headers"]).json()["published_version"] is None
    assert api.get(f"/v1/prompts/{ref}/shares", headers=user["headers"]).json()["data"] == []


def test_a_null_body_is_no_body(api, new_user):
    # Given a user's prompt that is not published
    user = new_user()
    created = api.post(
        "/v1/prompts", headers=user["headers"], json={"name": "Null", "content": "Hi", "publish": False}
    )
    assert created.status_code == 201, created.text
    ref = created.json()["id"]
    headers = {**user["headers"], "Content-Type": JSON_TYPE}
    # When an optional-body route gets `null` (its schema is the body or null)
    published = api.post(f"/v1/prompts/{ref}/publish", content=b"null", headers=headers)
    compiled = api.post(f"/v1/prompts/{ref}/compile", content=b"null", headers=headers)
    # Then that is the route without a body: the latest version is published, the prompt compiles
    assert published.status_code == 200, published.text
    assert published.json()["published_version"] == 1
    assert compiled.status_code == 200, compiled.text
    # And a route that needs a body answers 400, as it does to an empty one
    assert_error(api.post("/v1/prompts", content=b"null", headers=headers), 400, "VALIDATION_ERROR")


def test_a_prompt_sent_as_text_is_not_created(api, new_user):
    # Given a user
    user = new_user()
    body = b'{"name": "Greeting", "content": "Hello"}'
    # When they create a prompt with a valid JSON body under text/plain, then under a form Content-Type
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = api.post("/v1/prompts", content=body, headers={**user["headers"], "Content-Type": content_type})
        assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    # Then no prompt exists
    assert api.get("/v1/prompts", headers=user["headers"]).json()["data"] == []


def test_mixed_case_json_and_no_content_type_create_a_prompt(api, new_user):
    # Given a user
    user = new_user()
    # When they create prompts as `Application/JSON; charset=UTF-8` and with no Content-Type at all
    mixed = api.post(
        "/v1/prompts",
        content=b'{"name": "Mixed", "content": "Hello"}',
        headers={**user["headers"], "Content-Type": "Application/JSON; charset=UTF-8"},
    )
    bare = api.post("/v1/prompts", content=b'{"name": "Bare", "content": "Hello"}', headers=user["headers"])
    # Then both are created
    assert mixed.status_code == 201, mixed.text
    assert bare.status_code == 201, bare.text
    names = {p["name"] for p in api.get("/v1/prompts", headers=user["headers"]).json()["data"]}
    assert names == {"Mixed", "Bare"}


def test_a_rejected_registration_creates_no_account(api):
    # Given a registration body sent as a form, and one with a byte that is not UTF-8 in the name
    email = "malformed-register@example.com"
    password = "pw-malformed-register-1"
    body = f'{{"email": "{email}", "password": "{password}", "name": "X"}}'.encode()
    form = api.post("/v1/auth/register", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    binary = api.post(
        "/v1/auth/register",
        content=body.replace(b'"X"', b'"\xff"'),
        headers={"Content-Type": "application/json"},
    )
    # Then they are a 415 and a 400 (which never repeat the body, so never the password)
    assert_error(form, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert_error(binary, 400, "VALIDATION_ERROR")
    assert password not in form.text and password not in binary.text
    # And no account exists: logging in fails, and registering properly succeeds
    login = api.post("/v1/auth/login", json={"email": email, "password": password})
    assert_error(login, 401, "INVALID_CREDENTIALS")
    assert api.post("/v1/auth/register", json={"email": email, "password": password, "name": "X"}).status_code == 201


def test_an_empty_body_has_no_media_type_to_check(api, new_user):
    # Given a session
    user = new_user()
    # When it logs out with a text/plain Content-Type and no body
    response = api.post("/v1/auth/logout", headers={**user["headers"], "Content-Type": "text/plain"})
    # Then that is an ordinary logout
    assert response.status_code == 204, response.text
    assert api.get("/v1/auth/me", headers=user["headers"]).status_code == 401


def test_nesting_up_to_the_limit_is_read(api, new_user):
    # Given a user, and a compile body whose variables nest to exactly the limit (the body itself is level 1)
    user = new_user()
    created = api.post("/v1/prompts", headers=user["headers"], json={"name": "Deep", "content": "Hi"})
    assert created.status_code == 201, created.text
    body = b'{"variables": {"x": ' + _nested(MAX_JSON_DEPTH - 2) + b"}}"
    # When it is compiled
    response = api.post(
        f"/v1/prompts/{created.json()['id']}/compile",
        content=body,
        headers={**user["headers"], "Content-Type": "application/json"},
    )
    # Then the body was read (the template decides about the value), not refused for its depth
    assert response.status_code < 500, response.text
    assert "nested deeper" not in response.text


@pytest.mark.parametrize(
    ("what", "variables"),
    [
        ("an unpaired surrogate", '{"a": "\\ud800"}'),
        ("nesting past the limit", '{"a": ' + _nested(MAX_JSON_DEPTH + 1).decode() + "}"),
        ("NaN", '{"a": NaN}'),
        ("not JSON", '{"a": '),
    ],
)
def test_query_string_variables_get_the_same_checks_as_a_body(api, new_user, what, variables):
    # Given a user's prompt
    user = new_user()
    created = api.post("/v1/prompts", headers=user["headers"], json={"name": "Query", "content": "Hi {{a}}"})
    assert created.status_code == 201, created.text
    # When it is delivered with `variables` in the query string holding `what`
    response = api.get(
        f"/v1/prompts/{created.json()['id']}/compiled", params={"variables": variables}, headers=user["headers"]
    )
    # Then that is a 400 on `variables`, never a 500
    assert_error(response, 400, "VALIDATION_ERROR")
    assert response.json()["error"]["details"][0]["field"] == "variables"
