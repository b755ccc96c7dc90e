"""SnapStart runtime hooks for the functions on the delivery path (template.yaml: `SnapStart: ApplyOn:
PublishedVersions`): what runs before Lambda snapshots an initialised environment, and after it restores one.

A handler module calls `prepare_snapshot(...)` once at import with the warmers its first request needs. Lambda
runs them (through `snapshot_restore_py`, which the python3.12 runtime provides) when it publishes a version:
their work (the tiktoken encodings built from their rank files, the templates' parser, the resolver's route and
validation models, the botocore service model behind the DynamoDB client) is then in the snapshot and costs a
restored environment nothing.

After a restore, `restore()` runs: the snapshot is shared by every environment restored from it, so anything
that must differ between them is made again. The `random` module's state is re-seeded from the OS (the
webhook and API Gateway retry jitter draws from it); every client factory forgets its client, so the next call
makes a new one, with its own connections and credentials: a connection open in the snapshot is dead in the
restored copy, and the credentials of the publishing environment expire. The clients' service models stay
loaded in botocore's session, so re-making one is quick.

A warmer must not hand a client to a long-lived object (a store keeps the client it is given): it calls the
factories, whose caches `restore()` clears. Warmers do no I/O. See docs/operations.md.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from typing import Any

from snapshot_restore_py import register_after_restore, register_before_snapshot

Warmer = Callable[[], object]

#: Module, attribute: the cached factories of the clients a container keeps (lru_cache'd), forgotten on restore.
CLIENT_FACTORIES: tuple[tuple[str, str], ...] = (
    ("promptbank.store.base", "dynamodb_client"),
    ("promptbank.provider_keys.crypto", "kms_client"),
    ("promptbank.queues", "sqs_client"),
    ("promptbank.auth.usage", "_client"),
    ("promptbank.http", "_idempotent_runner"),  # holds a DynamoDB client in its persistence layer
    ("promptbank.webhooks.sender", "http_client"),
)

_restore_registered = False


def prepare_snapshot(*warmers: Warmer) -> None:
    """Run `warmers` before the snapshot (in order) and `restore` after each restore."""
    global _restore_registered
    for warmer in warmers:
        register_before_snapshot(warmer)
    if not _restore_registered:
        register_after_restore(restore)
        _restore_registered = True


def restore() -> None:
    """After a restore: a fresh seed for `random`, and no client carried over from the snapshot."""
    random.seed()
    for module_name, attribute in CLIENT_FACTORIES:
        module = sys.modules.get(module_name)  # a module never imported has no client to forget
        factory = getattr(module, attribute, None) if module is not None else None
        if factory is not None:
            factory.cache_clear()
    providers = sys.modules.get("promptbank.providers._http")
    if providers is not None:
        providers.close_client()


# Warmers -----------------------------------------------------------------------------------------------------
def warm_dynamodb() -> None:
    """The DynamoDB client (the botocore service model and endpoint rules loaded; no request sent)."""
    from promptbank.settings import get_settings
    from promptbank.store.base import dynamodb_client

    get_settings()
    dynamodb_client()


def warm_encodings() -> None:
    """Every tiktoken encoding a compile may count with, built from the bundled rank files."""
    from promptbank.tokens import SUPPORTED_ENCODINGS, count_exact_openai

    for name in SUPPORTED_ENCODINGS:
        count_exact_openai("Hello {{name}}, about <|endoftext|> things", name)


def warm_templates() -> None:
    """The template language: parse and render one template using its constructs."""
    from promptbank.templates import compile_parts, parse

    template = parse(
        "Hello {{name}} about {{topic|textarea:400|The topic}}.\n{{#items}}Items: {{items|list}}{{/items}}"
        "{{^count}}none{{/count}} {{count|number}} {{email|email}}"
    )
    compile_parts(
        [template, parse("You answer {{name}}.")],
        {"name": "a", "topic": "b", "items": ["c", "d"], "count": 2, "email": "a@example.com"},
        defaults={},
        strict=False,
        resolve_include=lambda ref: None,
        self_slug=None,
    )


def warm_route(
    handler_app: Any,
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    **path_parameters: str,
) -> Warmer:
    """A warmer that sends the resolver one request for its route without credentials: routing, the body check
    and the parameters' validation models are built, and the route answers 401 before any I/O. `query` and
    `body` are a valid request's, for a route whose validation would refuse an empty one first."""

    def warm() -> None:
        from promptbank.http import serve

        resource = path
        concrete = path
        for name, value in path_parameters.items():
            concrete = concrete.replace("{" + name + "}", value)
        event = {
            "resource": resource,
            "path": concrete,
            "httpMethod": method,
            "headers": {"Accept": "application/json"},
            "multiValueHeaders": {"Accept": ["application/json"]},
            "queryStringParameters": dict(query) if query else None,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "requestId": "snapstart-warm",
                "resourcePath": resource,
                "httpMethod": method,
                "path": "/v1" + concrete,
                "stage": "v1",
            },
            "body": json.dumps(body or {}) if method in ("POST", "PUT", "PATCH") else None,
            "isBase64Encoded": False,
        }
        response = serve(handler_app, event, None)
        if response.get("statusCode") != 401:  # anything else means the warm request reached past the checks
            raise RuntimeError(f"warming {method} {path} answered {response.get('statusCode')}, not 401")

    return warm
