"""Generate docs/openapi.json from the typed routes of every function in template.yaml (`--check`: fail on drift)."""

from __future__ import annotations

import argparse
import importlib.util
import json
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
    "or `X-API-Key: <api key>`; see /llms.txt for a condensed reference."
)


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build() -> dict[str, Any]:
    template = Template(ROOT / "template.yaml")
    resolver = Resolver(template)
    specs = functions(template, resolver)
    routes = build_routes(specs, build_apis(apis(template, resolver), specs, resolver), resolver)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "promptbank API", "version": __version__, "description": DESCRIPTION},
        "servers": [{"url": "http://127.0.0.1:3000", "description": "local runtime"}],
        "paths": {},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "API key (pb_live_/pb_dev_) or session"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
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
        responses = operation.setdefault("responses", {})
        responses.pop("422", None)
        responses["400"] = _error("Validation failed")
        if route.authorizer:
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            responses["401"] = _error("Missing or invalid credentials")
            responses["403"] = _error("Not allowed for this credential")
            responses["429"] = _error("Rate limited or quota exceeded")
        else:
            operation["security"] = []
        document["paths"].setdefault(route.path, {})[route.method.lower()] = operation
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            if name not in {"HTTPValidationError", "ValidationError", "ResponseValidationError"}:
                document["components"]["schemas"][name] = component
    document["paths"] = dict(sorted(document["paths"].items()))
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
