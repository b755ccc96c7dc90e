"""Each function runs alone, as in Lambda: its own environment, its own module state, its own IAM role."""

from __future__ import annotations

from pathlib import Path

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from local import iam
from local.lambdas import FunctionError, FunctionPool
from local.runtime import lambda_environment
from local.template import Resolver, Template, functions, own_environment

from .conftest import FIXTURE_TEMPLATE

REPO_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/promptbank-local-Table"


# ---------------------------------------------------------------------------------------------- over HTTP
def test_a_function_sees_its_own_variables_and_no_one_elses(client: httpx.Client) -> None:
    # When the function with its own variable and another function answer
    mine = client.get("/v1/isolated")
    other = client.get("/v1/things/1")
    # Then the variable is there for its function only, and the Globals are there for both
    assert mine.status_code == 200, mine.text
    assert mine.json()["mine"] == "mine"
    assert other.json()["env"]["ISOLATED_ONLY"] is None
    assert other.json()["env"]["TABLE_NAME"]


def test_module_state_of_one_function_never_serves_another(client: httpx.Client) -> None:
    # Given a function that has left a mark on the layer's module
    marked = client.get("/v1/isolated").json()
    # When another function reads that module
    other = client.get("/v1/things/1").json()
    # Then it does not see the mark: it runs in a process of its own
    assert other["layer_mark"] is None
    assert other["pid"] != marked["pid"]


def test_a_call_the_role_does_not_allow_fails_as_aws_fails_it(client: httpx.Client) -> None:
    # When a function whose role only reads the table tries to write to it
    reply = client.post("/v1/isolated")
    # Then botocore raised AWS's AccessDeniedException, naming the role, the action and the table
    assert reply.status_code == 403, reply.text
    body = reply.json()
    assert body["code"] == "AccessDeniedException"
    assert "is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:" in body["message"]
    assert "IsolatedFunction" in body["message"]
    # And nothing was written
    assert client.get("/v1/items/ISOLATED%23write").status_code == 404


# ------------------------------------------------------------------------- a function with another's environment
def test_a_function_started_with_another_functions_environment_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the fixture's functions and the environment the runtime gives the echo function
    template = Template(FIXTURE_TEMPLATE)
    resolver = Resolver(template, secret_source=lambda *_: "secret")
    specs = functions(template, resolver)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    echo_env = lambda_environment(specs["EchoFunction"], own_environment(specs["EchoFunction"], resolver))
    own_env = lambda_environment(specs["IsolatedFunction"], own_environment(specs["IsolatedFunction"], resolver))
    layer = [str(FIXTURE_TEMPLATE.parent / "shared")]
    event = {"httpMethod": "GET", "path": "/v1/isolated"}
    # When the isolated function runs with its own environment, it answers
    pool = FunctionPool(specs["IsolatedFunction"], 1, isolation="process", env=own_env, layer_paths=layer)
    try:
        assert pool.invoke(event)["statusCode"] == 200
    finally:
        pool.stop()
    # But started with the echo function's environment, it fails on the variable it lacks
    pool = FunctionPool(specs["IsolatedFunction"], 1, isolation="process", env=echo_env, layer_paths=layer)
    try:
        with pytest.raises(FunctionError) as failure:
            pool.invoke(event)
    finally:
        pool.stop()
    assert failure.value.error_type == "KeyError"
    assert "ISOLATED_ONLY" in failure.value.error_message


# ----------------------------------------------------------------------------------- the real template's roles
@pytest.fixture(scope="module")
def roles() -> dict[str, iam.RolePolicy]:
    template = Template(REPO_TEMPLATE)
    resolver = Resolver(template)
    return iam.role_policies(template, resolver)


def _allows(role: iam.RolePolicy, action: str, resource: str = TABLE, **context: object) -> bool:
    return role.allows(iam.Request(action, resource, context))


def test_the_authorizer_may_touch_a_keys_last_use_and_nothing_else(roles: dict[str, iam.RolePolicy]) -> None:
    authorizer = roles["AuthorizerFunction"]
    # It reads, and updates items of a user's partition (an API key's last_used_at)
    assert _allows(authorizer, "dynamodb:GetItem")
    assert _allows(authorizer, "dynamodb:UpdateItem", **{"dynamodb:LeadingKeys": ["USER#u1"]})
    # But it may not update another partition, nor put or delete anything
    assert not _allows(authorizer, "dynamodb:UpdateItem", **{"dynamodb:LeadingKeys": ["PROMPT#p1"]})
    assert not _allows(authorizer, "dynamodb:PutItem", **{"dynamodb:LeadingKeys": ["USER#u1"]})
    assert not _allows(authorizer, "dynamodb:DeleteItem", **{"dynamodb:LeadingKeys": ["USER#u1"]})


@pytest.mark.parametrize("function", ["CompilePromptFunction", "CompileShareFunction"])
def test_the_compile_routes_write_idempotency_records_only(roles: dict[str, iam.RolePolicy], function: str) -> None:
    role = roles[function]
    # They may keep Idempotency-Key records
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
        assert _allows(role, f"dynamodb:{action}", **{"dynamodb:LeadingKeys": ["IDEMPOTENCY"]})
    # And write nothing else
    assert not _allows(role, "dynamodb:PutItem", **{"dynamodb:LeadingKeys": ["PROMPT#p1"]})
    assert not _allows(role, "dynamodb:UpdateItem", **{"dynamodb:LeadingKeys": ["USER#u1"]})


@pytest.mark.parametrize("function", ["RegisterFunction", "CreateKeyFunction"])
def test_sign_up_and_key_creation_may_delete_the_key_they_made(roles: dict[str, iam.RolePolicy], function: str) -> None:
    key = "arn:aws:apigateway:us-east-1::/apikeys/abc123"
    assert _allows(roles[function], "apigateway:DELETE", key)
    # But not the usage plans
    assert not _allows(roles[function], "apigateway:DELETE", "arn:aws:apigateway:us-east-1::/usageplans/p1")


def test_a_read_only_route_may_not_write(roles: dict[str, iam.RolePolicy]) -> None:
    get_prompt = roles["GetPromptFunction"]
    assert _allows(get_prompt, "dynamodb:Query", TABLE + "/index/gsi1")
    assert not _allows(get_prompt, "dynamodb:PutItem")
    assert not _allows(get_prompt, "dynamodb:GetItem", TABLE.replace("Table", "Other"))


# ------------------------------------------------------------------------------------------------ evaluation
def test_an_explicit_deny_wins_and_unknown_operators_never_grant() -> None:
    statements = [
        iam.Statement.parse({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}),
        iam.Statement.parse({"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}),
        iam.Statement.parse({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
                             "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}}),
    ]
    role = iam.RolePolicy("F", "role", statements)
    assert _allows(role, "dynamodb:PutItem")
    assert not _allows(role, "dynamodb:DeleteItem")
    assert not _allows(role, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")


def test_a_transaction_needs_every_item_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a role that may put and check, but not delete
    role = iam.RolePolicy("F", "role", [iam.Statement.parse(
        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"], "Resource": TABLE})])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    iam.install()
    token = iam.ACTIVE.set(role)
    try:
        # When a transaction puts one item and deletes another
        with pytest.raises(ClientError) as denied:
            dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "promptbank-local-Table", "Item": {"pk": {"S": "A"}, "sk": {"S": "-"}}}},
                {"Delete": {"TableName": "promptbank-local-Table", "Key": {"pk": {"S": "B"}, "sk": {"S": "-"}}}},
            ])
    finally:
        iam.ACTIVE.reset(token)
    # Then it is refused before anything is sent (nothing listens on port 9), for the delete
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "dynamodb:DeleteItem" in denied.value.response["Error"]["Message"]
