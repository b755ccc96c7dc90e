"""The routes template.yaml declares, read as the local gateway reads them, so a new route is covered by the
tests that loop over them without editing a list."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from local.gateway import Route, build_apis, build_routes
from local.template import Resolver, Template, apis, functions

ROOT = Path(__file__).resolve().parents[2]
BODY_METHODS = ("POST", "PUT", "PATCH")
_PARAM = re.compile(r"\{([^}+]+)\+?\}")
# A well-formed value for any path parameter: no route looks it up before the body is checked.
PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


@lru_cache(maxsize=1)
def template_routes() -> tuple[Route, ...]:
    """Every route with an explicit method (ANY is the 405/CORS catch-all, which takes no body)."""
    template = Template(ROOT / "template.yaml")
    resolver = Resolver(template)
    specs = functions(template, resolver)
    runtime_apis = build_apis(apis(template, resolver), specs, resolver)
    routes = [r for r in build_routes(specs, runtime_apis, resolver) if r.method != "ANY"]
    return tuple(sorted(routes, key=lambda r: (r.path, r.method)))


def body_routes() -> list[Route]:
    """The POST/PUT/PATCH routes."""
    return [r for r in template_routes() if r.method in BODY_METHODS]


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def concrete_path(route: Route) -> str:
    return _PARAM.sub(PLACEHOLDER, route.path)
