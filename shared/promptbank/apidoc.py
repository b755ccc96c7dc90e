"""The committed OpenAPI document (docs/openapi.json, bundled into the layer) and what is derived from it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_BUNDLED = Path(__file__).parent / "data" / "openapi.json"
_REPO = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@lru_cache(maxsize=1)
def openapi_text() -> str:
    """The layer carries a copy; in the repository (local runtime, tests) docs/openapi.json is read directly."""
    return (_BUNDLED if _BUNDLED.exists() else _REPO).read_text()


@lru_cache(maxsize=1)
def openapi() -> dict[str, Any]:
    return json.loads(openapi_text())  # type: ignore[no-any-return, unused-ignore]


def allowed_methods(resource: str) -> list[str]:
    """Methods the API has for one resource path (template form, e.g. `/v1/keys/{key_id}`)."""
    operations = openapi().get("paths", {}).get(resource, {})
    return [method.upper() for method in METHODS if method in operations]


def llms_txt() -> str:
    """A condensed plain-text reference of the API for LLM agents, derived from the OpenAPI document."""
    doc = openapi()
    lines = [
        "# promptbank API",
        "",
        "> A self-hosted prompt registry and prompt runtime: keep prompts, version and publish them, fetch them",
        "> compiled with variables, share them, run them against LLM providers, and evaluate them.",
        "",
        "## Conventions",
        "- Paths are relative to the API's base URL: the URL of this file without `/llms.txt`. On an execute-api",
        "  host the base includes the stage, https://<id>.execute-api.<region>.amazonaws.com/v1, so GET /v1/prompts",
        "  is https://<id>.execute-api.<region>.amazonaws.com/v1/v1/prompts.",
        "- JSON in and out (snake_case); timestamps ISO 8601 UTC ending in Z; IDs are UUIDv4.",
        "- Auth: `Authorization: Bearer <token>` or `X-API-Key: <key>`; keys are pb_live_ (production label) or",
        "  pb_dev_ (latest) + 64 hex; sessions are pbs_ + 64 hex.",
        '- Errors: {"error": {"code", "message", "details", "request_id"}}; lists: {"data": [...], "next_cursor"}.',
        "- POST and PATCH accept `Idempotency-Key` (1-255 chars): the same key and request within 24 h replays "
        "the first response.",
        "- Full schema: /v1/openapi.json; interactive docs: /docs.",
        "",
        "## Routes",
    ]
    for path, operations in doc.get("paths", {}).items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            auth = "auth" if operation.get("security") else "no auth"
            lines.append(f"- {method.upper()} {path}: {operation.get('summary', '')} ({auth})")
    return "\n".join(lines) + "\n"
