"""What the served OpenAPI document says a body may hold is what the API accepts (issue 9, schemathesis ST202):
over HTTP through the local runtime, each value is judged by the document's own schema (jsonschema) and sent,
and the two agree. Variable names (`propertyNames`), whole-number integers (`3.0` is a JSON Schema integer) and
the values a compile takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest

# Not "a\n": the document's patterns are ECMA-262, whose `$` is the end of the string (the API refuses "a\n"),
# while the jsonschema library judges with Python's `re`, whose `$` also matches before a final newline.
NAMES = ["a", "_x", "Name_1", "a.b-c", "x" * 64, "x" * 65, "1a", "", "a b", "-a", "é", "{{a}}", ".a", "a\tb"]


@pytest.fixture(scope="module")
def document(runtime) -> dict[str, Any]:
    response = httpx.get(f"{runtime.base_url}/v1/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


def body_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The request body schema of an operation, optional bodies too, with the document's components."""
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def valid(schema: dict[str, Any], body: Any) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(body)


@pytest.fixture
def owner(new_user) -> dict[str, Any]:
    return new_user()


@pytest.fixture
def prompt(api, owner) -> dict[str, Any]:
    created = api.post("/v1/prompts", headers=owner["headers"], json={"name": "Agree", "content": "Hi {{who}}"})
    assert created.status_code == 201, created.text
    return created.json()


def _judged(
    document: dict[str, Any], method: str, path: str, send: Callable[[Any], httpx.Response], bodies: list[Any]
) -> dict[str, tuple[bool, int]]:
    schema = body_schema(document, method, path)
    return {repr(body): (valid(schema, body), send(body).status_code) for body in bodies}


def _assert_agree(judged: dict[str, tuple[bool, int]], ok: int) -> None:
    disagree = {body: v for body, v in judged.items() if v[0] != (v[1] == ok) or v[1] not in (ok, 400)}
    assert not disagree, disagree
    assert {v[0] for v in judged.values()} == {True, False}  # both kinds were tried


def test_variable_names_in_the_document_are_the_names_the_api_takes(api, document, owner, prompt):
    # Given names valid and invalid, judged by each body schema of the document and sent to the route
    ref, headers = prompt["id"], owner["headers"]
    share = api.post(f"/v1/prompts/{ref}/shares", headers=headers, json={})
    assert share.status_code == 201, share.text
    routes: list[tuple[str, str, Callable[[Any], httpx.Response], int, str]] = [
        ("post", "/v1/prompts", lambda b: api.post("/v1/prompts", headers=headers, json=b), 201, "variables"),
        (
            "patch",
            "/v1/prompts/{ref}",
            lambda b: api.patch(f"/v1/prompts/{ref}", headers=headers, json=b),
            200,
            "variables",
        ),
        (
            "post",
            "/v1/prompts/{ref}/shares",
            lambda b: api.post(f"/v1/prompts/{ref}/shares", headers=headers, json=b),
            201,
            "prefilled_variables",
        ),
        (
            "patch",
            "/v1/prompts/{ref}/shares/{share_id}",
            lambda b: api.patch(f"/v1/prompts/{ref}/shares/{share.json()['id']}", headers=headers, json=b),
            200,
            "prefilled_variables",
        ),
    ]
    for method, path, send, ok, field in routes:
        extra = {"name": "Named", "content": "Hi"} if path == "/v1/prompts" else {}
        # When each is sent
        judged = _judged(document, method, path, send, [{**extra, field: {name: "v"}} for name in NAMES])
        # Then the document and the API agree on every name
        _assert_agree(judged, ok)
        # And a name with a final newline is refused, as the ECMA-262 pattern's `$` means
        assert send({**extra, field: {"a\n": "v"}}).status_code == 400


def test_a_whole_number_is_an_integer_to_the_document_and_the_api(api, document, owner, prompt):
    # Given integers written as JSON Schema counts them (1, 1.0), and values that are not integers
    ref, headers = prompt["id"], owner["headers"]
    versions = [1, 1.0, 1.5, True, "1", 0, 0.0]
    # When they are a label's version, a publish version and a model_config.max_tokens
    labels = _judged(
        document,
        "put",
        "/v1/prompts/{ref}/labels/{label}",
        lambda b: api.put(f"/v1/prompts/{ref}/labels/staging", headers=headers, json=b),
        [{"version": v} for v in versions],
    )
    published = _judged(
        document,
        "post",
        "/v1/prompts/{ref}/publish",
        lambda b: api.post(f"/v1/prompts/{ref}/publish", headers=headers, json=b),
        [{"version": v} for v in versions],
    )
    created = _judged(
        document,
        "post",
        "/v1/prompts",
        lambda b: api.post("/v1/prompts", headers=headers, json=b),
        [{"name": "Tokens", "content": "Hi", "model_config": {"max_tokens": v}} for v in [50, 50.0, 50.5, "50", 0.0]],
    )
    # Then the document and the API agree on each
    _assert_agree(labels, 200)
    _assert_agree(published, 200)
    _assert_agree(created, 201)
    # And a whole number is kept as the integer it is
    settings = api.post(
        "/v1/prompts", headers=headers, json={"name": "Kept", "content": "Hi", "model_config": {"max_tokens": 7.0}}
    ).json()["model_config"]
    assert settings["max_tokens"] == 7 and isinstance(settings["max_tokens"], int)


VALUES: list[Any] = ["text", 3, 2.5, True, None, ["a", 1, False], [], {"a": 1}, [{"a": 1}], [["a"]], [None]]


def test_the_values_a_compile_takes_are_the_documented_ones(api, document, owner, prompt):
    # Given values of every JSON kind for a name the template does not use, by its owner and through a share link
    ref, headers = prompt["id"], owner["headers"]
    token = api.post(f"/v1/prompts/{ref}/shares", headers=headers, json={}).json()["token"]
    for method, path, send in [
        (
            "post",
            "/v1/prompts/{ref}/compile",
            lambda b: api.post(f"/v1/prompts/{ref}/compile", headers=headers, json=b),
        ),
        ("post", "/v1/shares/{token}/compile", lambda b: api.post(f"/v1/shares/{token}/compile", json=b)),
    ]:
        # When each is compiled
        judged = _judged(document, method, path, send, [{"variables": {"extra": v}} for v in VALUES])
        # Then the document and the API agree on each value
        _assert_agree(judged, 200)
