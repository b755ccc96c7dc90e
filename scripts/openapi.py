"""Generate docs/openapi.json from the typed routes of every function in template.yaml (`--check`: fail on drift)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT))

from local.gateway import build_apis, build_routes  # noqa: E402
from local.template import Resolver, Template, apis, functions  # noqa: E402
from promptbank import __version__  # noqa: E402

OUTPUT = ROOT / "docs" / "openapi.json"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details", "request_id"],
            "properties": {
                "code": {"type": "string", "examples": ["NOT_FOUND"]},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
                "request_id": {"type": "string"},
            },
        }
    },
}
DESCRIPTION = (
    "promptbank: a self-hosted prompt registry and prompt runtime. Every error has the body "
    '`{"error": {"code", "message", "details", "request_id"}}`. Authenticate with `Authorization: Bearer <token>` '
    "(an API key or a session token), `X-API-Key: <api key>`, or the `pb_session` cookie; each operation lists the "
    "ones it takes. See /llms.txt for a condensed reference."
)
#: The auth marker that ends each handler module's docstring ("... (K-read).") -> the credentials it takes.
#: K and K-read: an API key (bearer or X-API-Key) or a session; S: a session only (bearer token or cookie).
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "N": [],
    "K": [{"bearer": []}, {"apiKey": []}, {"sessionCookie": []}],
    "K-read": [{"bearer": []}, {"apiKey": []}, {"sessionCookie": []}],
    "S": [{"bearer": []}, {"sessionCookie": []}],
}
MARKER = re.compile(r"\((K|K-read|S|N)\)\.?\s*$")
BODY_METHODS = {"POST", "PUT", "PATCH"}
NO_BODY = {"204", "304"}
#: The common error statuses: every operation may answer 400; one behind the authorizer 401, 403 and 429; one that
#: takes a body 413 and 415 (promptbank.http.serve checks size and media type before any route).
COMMON_ERRORS = {
    "400": "Validation failed: body, query or path (`VALIDATION_ERROR`)",
    "401": "Missing, malformed, unknown, revoked or expired credential (`UNAUTHORIZED`)",
    "403": "Not allowed for this credential (`FORBIDDEN`)",
    "429": "Throttled or monthly quota spent (`RATE_LIMITED` / `QUOTA_EXCEEDED`); see `Retry-After`",
    "413": "Body over 1 MiB (`PAYLOAD_TOO_LARGE`)",
    "415": "Content-Type is not application/json, or the charset is not UTF-8 (`UNSUPPORTED_MEDIA_TYPE`)",
}
HEADERS = {
    "X-Request-Id": {
        "description": "The request's id, also in an error's `request_id`",
        "schema": {"type": "string"},
    },
    "ETag": {"description": "The representation's entity tag (quoted)", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}},
}
POWERTOOLS_ONLY = {"HTTPValidationError", "ValidationError", "ResponseValidationError"}


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def auth_marker(module: Any, path: Path, *, authorized: bool) -> str:
    """The auth marker of a handler module: the "(K)", "(K-read)", "(S)" or "(N)" that ends its docstring's first
    line. A route the template serves without the authorizer is N by that declaration (a marker, if any, must
    say N too); one behind the authorizer must carry its marker, else this fails."""
    first = (module.__doc__ or "").strip().splitlines()[0] if (module.__doc__ or "").strip() else ""
    found = MARKER.search(first)
    if found is None:
        if not authorized:
            return "N"
        raise SystemExit(f"{path}: the docstring's first line must end with (K), (K-read), (S) or (N)")
    marker = found.group(1)
    if (marker == "N") == authorized:
        where = "behind the authorizer" if authorized else "without the authorizer"
        raise SystemExit(f"{path}: marked ({marker}) but template.yaml serves it {where}")
    return marker


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def complete(operation: dict[str, Any], method: str, marker: str) -> dict[str, Any]:
    """Add the common parts to one operation as its route declared it: error envelope on every error status,
    the common errors, headers, security. Declared success responses keep their content; 204/304 have none."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    common = ["400"]
    if marker != "N":
        common += ["401", "403", "429"]
    if method.upper() in BODY_METHODS:
        common += ["413", "415"]
    for status in common:
        responses.setdefault(status, {"description": COMMON_ERRORS[status]})
    for status, response in responses.items():
        headers = dict(response.get("headers") or {})
        if int(status) >= 400:
            # The error envelope, unless the route declared another media type (the share page's HTML errors).
            declared = {k: v for k, v in (response.get("content") or {}).items() if k != "application/json"}
            response.update(_error(response.get("description") or COMMON_ERRORS.get(status, "Error")))
            if declared:
                response["content"] = declared
            headers.update(response["headers"])
            if status == "429":
                headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        elif status in NO_BODY:
            response.pop("content", None)
        for name in list(headers):
            if name in HEADERS and "$ref" not in headers[name]:
                headers[name] = {"$ref": f"#/components/headers/{name}"}
        headers["X-Request-Id"] = {"$ref": "#/components/headers/X-Request-Id"}
        response["headers"] = headers
    operation["responses"] = dict(sorted(responses.items()))
    operation["security"] = SECURITY[marker]
    operation["x-promptbank-auth"] = marker
    return operation


def _merge_schemas(target: dict[str, Any], found: dict[str, Any], where: str) -> None:
    for name, component in found.items():
        if name in POWERTOOLS_ONLY:
            continue
        if name in target and target[name] != component:
            raise SystemExit(f"{where}: two different schemas are named {name}; rename one of the models")
        target[name] = component


def build() -> dict[str, Any]:
    template = Template(ROOT / "template.yaml")
    resolver = Resolver(template)
    specs = functions(template, resolver)
    routes = build_routes(specs, build_apis(apis(template, resolver), specs, resolver), resolver)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "promptbank API", "version": __version__, "description": DESCRIPTION},
        "servers": [{"url": "/", "description": "the host this document was fetched from"}],
        "paths": {},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "headers": HEADERS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key (pb_live_/pb_dev_) or a session token",
                },
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An API key"},
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "pb_session",
                    "description": "The session cookie set by register and login",
                },
            },
        },
    }
    loaded: dict[str, Any] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        if route.method == "ANY":
            continue
        handler_file = specs[route.function].module_file
        module = loaded.get(str(handler_file))
        if module is None:
            module = loaded[str(handler_file)] = _load(handler_file, f"openapi_{route.function}")
        schema = json.loads(
            module.app.get_openapi_schema(title="promptbank", version=__version__).model_dump_json(
                by_alias=True, exclude_none=True
            )
        )
        operation = schema["paths"][route.path][route.method.lower()]
        marker = auth_marker(module, handler_file, authorized=bool(route.authorizer))
        document["paths"].setdefault(route.path, {})[route.method.lower()] = complete(operation, route.method, marker)
        _merge_schemas(document["components"]["schemas"], schema.get("components", {}).get("schemas", {}), route.path)
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/openapi.json is stale")
    args = parser.parse_args()
    text = json.dumps(build(), indent=2, sort_keys=False) + "\n"
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print("docs/openapi.json is stale: run `make openapi`", file=sys.stderr)
            return 1
        print("docs/openapi.json is up to date")
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(document_paths(text))} paths)")
    return 0


def document_paths(text: str) -> list[str]:
    return list(json.loads(text)["paths"])


if __name__ == "__main__":
    raise SystemExit(main())
