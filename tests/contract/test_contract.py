"""The template, the OpenAPI document, the 405 catch-alls and events/ describe the same API."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from local.gateway import build_apis, build_routes
from local.template import Resolver, Template, functions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def routes():
    template = Template(ROOT / "template.yaml")
    resolver = Resolver(template)
    specs = functions(template, resolver)
    return specs, _routes(template)


def _routes(template):
    from local.template import apis

    resolver = Resolver(template)
    specs = functions(template, resolver)
    return build_routes(specs, build_apis(apis(template, resolver), specs, resolver), resolver)


def test_openapi_document_is_generated_from_the_current_routes():
    result = subprocess.run([sys.executable, "scripts/openapi.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_path_has_a_405_catch_all():
    result = subprocess.run([sys.executable, "scripts/sync_405.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_openapi_has_exactly_the_templates_routes(routes):
    _, table = routes
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    in_template = {(r.path, r.method.lower()) for r in table if r.method != "ANY"}
    in_document = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert in_template == in_document


def test_every_route_but_the_public_ones_needs_a_credential(routes):
    public = {
        "/v1/health", "/v1/openapi.json", "/docs", "/llms.txt", "/v1/auth/register", "/v1/auth/login",
        "/v1/users/{user_id}", "/v1/u/{username}", "/v1/models", "/v1/public/prompts", "/v1/public/prompts/{prompt_id}",
        "/v1/shares/{token}", "/v1/shares/{token}/compile", "/share/{token}",
    }
    _, table = routes
    for route in table:
        if route.method == "ANY":
            continue
        assert (route.authorizer is None) == (route.path in public), (route.method, route.path)
        assert route.api_key_required == (route.path not in public), (route.method, route.path)


def test_every_function_has_a_sample_event(routes):
    specs, _ = routes
    missing = [name for name in specs if not (ROOT / "events" / f"{name}.json").exists()]
    assert missing == []
