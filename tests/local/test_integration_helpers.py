"""The helpers behind tests/integration/conftest.py: mocked_aws, HandlerInvoker, load_event, caches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3

from local.testing import HandlerInvoker, clear_promptbank_caches, load_event, mocked_aws

FIXTURE = Path(__file__).parent / "fixture_app" / "template.yaml"


def test_mocked_aws_creates_the_templates_resources_and_environment() -> None:
    # Given the fixture template
    # When it is mocked
    with mocked_aws(FIXTURE) as mocked:
        tables = boto3.client("dynamodb").list_tables()["TableNames"]
        plans = {p["name"] for p in boto3.client("apigateway").get_usage_plans()["items"]}
        env = dict(os.environ)
    # Then its table and usage plans exist, and the functions' environment was set (and is gone after)
    assert tables == [mocked.table_name]
    assert plans == {"promptbank-local-burst", "promptbank-local-quota"}
    assert env["TABLE_NAME"] == mocked.table_name
    assert env["PROMPTBANK_STAGE"] == "local"
    assert "AWS_ENDPOINT_URL" not in env
    assert os.environ.get("FIXTURE_STAGE") is None


def test_invoker_runs_the_templates_handler_inside_the_mock() -> None:
    # Given the mocked fixture app and an API Gateway event for the items function
    with mocked_aws(FIXTURE) as mocked:
        invoke = HandlerInvoker(mocked.stack)
        event = {
            "httpMethod": "PUT",
            "resource": "/v1/items/{item_id}",
            "pathParameters": {"item_id": "i1"},
            "body": json.dumps({"a": 1}),
        }
        # When the handler named by the template (CodeUri + Handler) is invoked
        response = invoke("ItemsFunction", event)
        stored = boto3.client("dynamodb").get_item(
            TableName=mocked.table_name, Key={"pk": {"S": "ITEM#i1"}, "sk": {"S": "-"}}
        )
    # Then it ran against moto's table
    assert response["statusCode"] == 200
    assert json.loads(stored["Item"]["data"]["S"]) == {"a": 1}


def test_promptbank_caches_are_cleared() -> None:
    # Given promptbank's settings read once (lru_cache) under one environment
    from promptbank.settings import get_settings

    os.environ["TABLE_NAME"] = "first"
    try:
        clear_promptbank_caches()
        assert get_settings().table_name == "first"
        os.environ["TABLE_NAME"] = "second"
        # When the caches are cleared
        clear_promptbank_caches()
        # Then the next read sees the new environment
        assert get_settings().table_name == "second"
    finally:
        os.environ.pop("TABLE_NAME", None)
        clear_promptbank_caches()


def test_load_event_reads_a_fresh_copy(tmp_path: Path) -> None:
    # Given an event file
    (tmp_path / "sample.json").write_text('{"a": [1]}')
    # When it is loaded twice and one copy is changed
    first = load_event("sample", tmp_path)
    first["a"].append(2)
    # Then the other copy is untouched
    assert load_event("sample.json", tmp_path) == {"a": [1]}
