"""The Python client covers every route of docs/openapi.json, and each method's result type is the route's schema.

Adding a route to the API without a client method, or changing a response schema without regenerating the
client's models (`make sdk-python`), fails here (and `make sdk-python-check` fails on stale generated files).
"""

from __future__ import annotations

import collections.abc
import inspect
import json
import typing
from pathlib import Path

import promptbank_client
import pytest
from promptbank_client import AsyncPromptbankClient, PromptbankClient, models

OPENAPI = json.loads((Path(__file__).resolve().parents[3] / "docs" / "openapi.json").read_text())

#: "METHOD /path" -> the client method that calls it
METHODS = {
    "GET /docs": "docs_page",
    "GET /llms.txt": "llms_txt",
    "GET /share/{token}": "share_page",
    "POST /v1/auth/login": "login",
    "POST /v1/auth/logout": "logout",
    "GET /v1/auth/me": "me",
    "POST /v1/auth/register": "register",
    "POST /v1/chat": "chat",
    "POST /v1/enhance": "enhance",
    "GET /v1/eval-runs/{run_id}": "get_eval_run",
    "GET /v1/eval-suites": "list_suites",
    "POST /v1/eval-suites": "create_suite",
    "DELETE /v1/eval-suites/{suite_id}": "delete_suite",
    "GET /v1/eval-suites/{suite_id}": "get_suite",
    "PATCH /v1/eval-suites/{suite_id}": "update_suite",
    "GET /v1/eval-suites/{suite_id}/runs": "list_suite_runs",
    "POST /v1/eval-suites/{suite_id}/runs": "start_suite_run",
    "POST /v1/evaluate": "evaluate",
    "GET /v1/health": "health",
    "GET /v1/keys": "list_keys",
    "POST /v1/keys": "create_key",
    "DELETE /v1/keys/{key_id}": "revoke_key",
    "GET /v1/models": "list_models",
    "GET /v1/openapi.json": "openapi",
    "GET /v1/profile": "get_profile",
    "PATCH /v1/profile": "update_profile",
    "GET /v1/prompts": "list_prompts",
    "POST /v1/prompts": "create_prompt",
    "DELETE /v1/prompts/{ref}": "delete_prompt",
    "GET /v1/prompts/{ref}": "get_prompt",
    "PATCH /v1/prompts/{ref}": "update_prompt",
    "POST /v1/prompts/{ref}/compile": "compile",  # variables too long for the compiled GET's query
    "GET /v1/prompts/{ref}/compiled": "compile",
    "GET /v1/prompts/{ref}/download": "download",
    "DELETE /v1/prompts/{ref}/labels/{label}": "delete_label",
    "PUT /v1/prompts/{ref}/labels/{label}": "set_label",
    "POST /v1/prompts/{ref}/publish": "publish",
    "POST /v1/prompts/{ref}/run": "run",
    "GET /v1/prompts/{ref}/shares": "list_prompt_shares",
    "POST /v1/prompts/{ref}/shares": "create_share",
    "DELETE /v1/prompts/{ref}/shares/{share_id}": "revoke_share",
    "PATCH /v1/prompts/{ref}/shares/{share_id}": "update_share",
    "GET /v1/prompts/{ref}/versions": "list_versions",
    "GET /v1/prompts/{ref}/versions/{n}": "get_version",
    "GET /v1/provider-keys": "list_provider_keys",
    "DELETE /v1/provider-keys/{provider}": "delete_provider_key",
    "PUT /v1/provider-keys/{provider}": "set_provider_key",
    "GET /v1/public/prompts": "list_public_prompts",
    "GET /v1/public/prompts/{prompt_id}": "get_public_prompt",
    "GET /v1/runs": "list_runs",
    "GET /v1/runs/stats": "run_stats",
    "GET /v1/runs/{run_id}": "get_run",
    "GET /v1/shares": "list_shares",
    "GET /v1/shares/{token}": "get_share",
    "POST /v1/shares/{token}/compile": "compile_share",
    "GET /v1/token-count": "count_tokens",  # the POST form: no 8,000-character limit of a query string
    "POST /v1/token-count": "count_tokens",
    "GET /v1/u/{username}": "get_user_by_username",
    "GET /v1/users/{user_id}": "get_user",
    "GET /v1/webhooks": "list_webhooks",
    "POST /v1/webhooks": "create_webhook",
    "DELETE /v1/webhooks/{webhook_id}": "delete_webhook",
    "GET /v1/webhooks/{webhook_id}": "get_webhook",
    "PATCH /v1/webhooks/{webhook_id}": "update_webhook",
    "GET /v1/webhooks/{webhook_id}/deliveries": "list_deliveries",
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry": "retry_delivery",
    "POST /v1/webhooks/{webhook_id}/rotate-secret": "rotate_webhook_secret",
    "POST /v1/webhooks/{webhook_id}/test": "test_webhook",
}


def operations() -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in OPENAPI["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_route_has_a_method_and_every_mapped_route_exists():
    assert set(operations()) == set(METHODS)


def success(operation: dict) -> tuple[str, dict]:
    status = next(code for code in operation["responses"] if code.startswith("2"))
    return status, operation["responses"][status].get("content", {})


def expected_type(operation: dict) -> tuple[str, str | None]:
    """("none" | "text" | "json" | "model" | "items", schema name)"""
    status, content = success(operation)
    if status == "204":
        return "none", None
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    if ref is None:
        return ("json", None) if "application/json" in content else ("text", None)
    name = ref.rsplit("/", 1)[1]
    if name.startswith("Page_"):
        return "items", name[len("Page_"):-1]
    if name == "CataloguePage":  # the public catalogue pages by number; the client iterates its pages too
        return "items", OPENAPI["components"]["schemas"][name]["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[1]
    return "model", name


def result_type(client: type, name: str) -> object:
    return typing.get_type_hints(getattr(client, name), vars(inspect.getmodule(client)))["return"]


@pytest.mark.parametrize("client", [PromptbankClient, AsyncPromptbankClient])
@pytest.mark.parametrize("route", sorted(METHODS))
def test_each_method_returns_the_routes_schema(client, route):
    kind, schema = expected_type(operations()[route])
    returned = result_type(client, METHODS[route])
    if kind == "none":
        assert returned is type(None)
    elif kind == "text":
        assert returned is str
    elif kind == "json":
        assert typing.get_origin(returned) is dict
    elif kind == "model":
        assert isinstance(returned, type) and issubclass(returned, getattr(models, schema)), returned
    else:  # a list: every item, as an iterator over the pages or as the whole (never paged) list
        assert typing.get_origin(returned) in {list, collections.abc.Iterator, collections.abc.AsyncIterator}
        (item,) = typing.get_args(returned)
        assert item is getattr(models, schema)


@pytest.mark.parametrize("name", sorted(OPENAPI["components"]["schemas"]))
def test_each_schema_has_a_model_with_its_fields(name):
    """Same names are not enough: a model must have the schema's fields (by their API names)."""
    schema = OPENAPI["components"]["schemas"][name]
    model = getattr(models, name.replace("_", ""))
    if "anyOf" in schema or "oneOf" in schema:
        return  # a request body with alternatives (EvaluateIn): a union of models, not sent as a model by the client
    fields = {field.alias or key for key, field in model.model_fields.items()}
    assert fields == set(schema.get("properties", {})), name


def test_the_paged_lists_iterate_and_the_unpaged_ones_are_lists():
    for route, name in METHODS.items():
        kind, _ = expected_type(operations()[route])
        if kind != "items":
            continue
        paged = any(p["name"] in {"cursor", "page"} for p in operations()[route].get("parameters", []))
        origin = typing.get_origin(result_type(PromptbankClient, name))
        assert (origin is collections.abc.Iterator) == paged, route


def test_both_clients_have_the_same_methods_and_signatures():
    def public(client: type) -> dict[str, inspect.Signature]:
        return {n: inspect.signature(f) for n, f in vars(client).items() if callable(f) and not n.startswith("_")}

    sync, asynchronous = public(PromptbankClient), public(AsyncPromptbankClient)
    assert set(sync) - {"close"} == set(asynchronous) - {"aclose"}
    for name in set(sync) & set(asynchronous):
        assert list(sync[name].parameters) == list(asynchronous[name].parameters), name


def test_the_errors_and_clients_are_importable_from_the_package():
    for name in ["PromptbankClient", "AsyncPromptbankClient", "PromptbankError", "APIConnectionError", "APIStatusError",
                 "BadRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError",
                 "RateLimitError", "InternalServerError"]:
        assert name in promptbank_client.__all__ and hasattr(promptbank_client, name)
    assert issubclass(promptbank_client.NotFoundError, promptbank_client.APIStatusError)
    assert issubclass(promptbank_client.APIStatusError, promptbank_client.PromptbankError)
