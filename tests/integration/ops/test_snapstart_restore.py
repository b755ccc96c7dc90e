"""SnapStart end to end, in process: a delivery function's container warmed, snapshotted and restored serves its first
request from what the snapshot holds, with a client of its own (docs/operations.md, "Cold starts")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from snapshot_restore_py import get_after_restore, get_before_snapshot

from promptbank.auth.principal import Principal
from promptbank.prompts.models import PromptCreate
from promptbank.prompts.service import PromptService
from promptbank.store import base
from promptbank.tokens import bundle

OWNER = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def prompt(aws: Any) -> Any:
    owner = Principal(user_id=OWNER, credential="session", environment="development", access="full", plan="free")
    return PromptService().create(
        owner,
        PromptCreate.model_validate(
            {"name": "Greeting", "content": "Hello {{name|text:20}}!", "model_config": {"model": "gpt-4o"}}
        ),
    )


def _compiled_event(load_event: Any, ref: str) -> dict[str, Any]:
    event = load_event("GetCompiledFunction")
    event["path"] = f"/v1/prompts/{ref}/compiled"
    event["pathParameters"] = {"ref": ref}
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    event["requestContext"]["authorizer"]["user_id"] = OWNER
    return event


def test_a_restored_compiled_function_serves_its_first_request_from_the_snapshot(
    prompt: Any, invoke: Any, load_event: Any, aws: Any
) -> None:
    # Given GET compiled imported in a fresh container, and its before-snapshot hooks run (the "publish")
    from local.lambdas import load_module

    registered = len(get_before_snapshot())
    bundle._encodings.clear()
    load_module(aws.stack.functions["GetCompiledFunction"])
    for hook, args, kwargs in get_before_snapshot()[registered:]:
        hook(*args, **kwargs)
    snapshot_encoding = bundle.get_encoding("o200k_base")
    snapshot_client = base.dynamodb_client()

    # When the environment is restored and serves a compile
    for hook, args, kwargs in get_after_restore():
        hook(*args, **kwargs)
    response = invoke("GetCompiledFunction", _compiled_event(load_event, prompt.slug))

    # Then the compile succeeds with its token count, from the encoding built before the snapshot, over a new client
    assert response["statusCode"] == 200, response["body"]
    body = json.loads(response["body"])
    assert body["compiled_prompt"] == "Hello [name]!" and body["tokens"] > 0
    assert bundle.get_encoding("o200k_base") is snapshot_encoding
    assert base.dynamodb_client() is not snapshot_client
