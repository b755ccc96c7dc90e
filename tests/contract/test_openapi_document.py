"""The generated OpenAPI document's common parts (scripts/openapi.py): servers, security per auth marker, the
error envelope on every error status, the common errors, and the headers every response carries."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest
from scripts.openapi import auth_marker, build

ERROR_REF = {"$ref": "#/components/schemas/Error"}
CREDENTIALS = {"N": set(), "K": {"bearer", "apiKey", "sessionCookie"}, "S": {"bearer", "sessionCookie"}}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_servers_is_relative_and_the_three_credentials_are_schemes(document):
    assert document["servers"] == [{"url": "/", "description": "the host this document was fetched from"}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    assert {k: schemes["apiKey"][k] for k in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert {k: schemes["sessionCookie"][k] for k in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "cookie",
        "name": "pb_session",
    }


@pytest.mark.parametrize(
    ("method", "path", "marker"),
    [
        ("GET", "/v1/prompts", "K"),  # K-read
        ("POST", "/v1/prompts", "K"),
        ("GET", "/v1/prompts/{ref}/compiled", "K"),
        ("GET", "/v1/shares", "S"),
        ("GET", "/v1/shares/{token}", "N"),
        ("GET", "/share/{token}", "N"),
        ("GET", "/v1/public/prompts", "N"),
        ("GET", "/v1/u/{username}", "N"),
    ],
)
def test_each_operation_takes_the_credentials_api_md_marks(document, method, path, marker):
    operation = document["paths"][path][method.lower()]
    assert {name for option in operation["security"] for name in option} == CREDENTIALS[marker]
    assert all(len(option) == 1 for option in operation["security"])  # any one of them, not all together


def test_every_error_status_has_the_envelope_and_the_common_ones_are_there(document):
    for method, path, operation in operations(document):
        responses = operation["responses"]
        expected = {"400"}
        if operation["security"]:
            expected |= {"401", "403", "429"}
        if method in {"POST", "PUT", "PATCH"}:
            expected |= {"413", "415"}
        assert expected <= set(responses), f"{method} {path} lacks {expected - set(responses)}"
        assert "422" not in responses
        for status, response in responses.items():
            if int(status) < 400:
                continue
            content = response["content"]
            assert content.get("application/json", {}).get("schema") == ERROR_REF or "text/html" in content, (
                f"{method} {path} {status}"
            )


def test_every_response_names_its_headers(document):
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            headers = response["headers"]
            assert headers["X-Request-Id"] == {"$ref": "#/components/headers/X-Request-Id"}, f"{method} {path}"
            if status == "429":
                assert headers["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}
            if status in {"204", "304"}:
                assert "content" not in response, f"{method} {path} {status} has no body"


@pytest.mark.parametrize(
    ("method", "path", "status", "media_types", "schema"),
    [
        ("POST", "/v1/prompts", "201", ["application/json"], "Prompt"),
        ("GET", "/v1/prompts/{ref}", "200", ["application/json", "text/plain"], "Prompt"),
        ("GET", "/v1/prompts", "200", ["application/json"], "Page_PromptSummary_"),
        ("GET", "/v1/prompts/{ref}/versions/{n}", "200", ["application/json"], "Version"),
        ("GET", "/v1/prompts/{ref}/compiled", "200", ["application/json", "text/plain"], "Compiled"),
        ("POST", "/v1/shares/{token}/compile", "200", ["application/json"], "Compiled"),
        ("GET", "/v1/prompts/{ref}/download", "200", ["text/markdown"], None),
        ("GET", "/share/{token}", "200", ["text/html"], None),
        ("POST", "/v1/prompts/{ref}/shares", "201", ["application/json"], "Share"),
        ("GET", "/v1/shares", "200", ["application/json"], "Page_OwnedShare_"),
        ("GET", "/v1/public/prompts", "200", ["application/json"], "CataloguePage"),
        ("GET", "/v1/users/{user_id}", "200", ["application/json"], "ProfilePage"),
    ],
)
def test_success_answers_are_typed(document, method, path, status, media_types, schema):
    response = document["paths"][path][method.lower()]["responses"][status]
    assert list(response["content"]) == media_types
    if schema is not None:
        assert response["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
        assert document["components"]["schemas"][schema]["additionalProperties"] is False


def test_conditional_and_guarded_statuses_are_declared(document):
    compiled = document["paths"]["/v1/prompts/{ref}/compiled"]["get"]["responses"]
    assert "ETag" in compiled["200"]["headers"] and "ETag" in compiled["304"]["headers"]
    assert "412" in document["paths"]["/v1/prompts/{ref}"]["patch"]["responses"]
    assert {"404", "410"} <= set(document["paths"]["/v1/shares/{token}"]["get"]["responses"])
    assert "204" in document["paths"]["/v1/prompts/{ref}"]["delete"]["responses"]


def test_a_handler_without_its_auth_marker_fails_loudly():
    bare = types.ModuleType("bare", "GET /v1/thing: a thing.")
    assert auth_marker(types.ModuleType("m", "GET /v1/x: x (K-read)."), Path("m.py"), authorized=True) == "K-read"
    with pytest.raises(SystemExit, match="must end with"):
        auth_marker(bare, Path("bare.py"), authorized=True)
    with pytest.raises(SystemExit, match="marked"):
        auth_marker(types.ModuleType("m", "GET /v1/x: x (N)."), Path("m.py"), authorized=True)
    with pytest.raises(SystemExit, match="marked"):
        auth_marker(types.ModuleType("m", "GET /v1/x: x (K)."), Path("m.py"), authorized=False)
