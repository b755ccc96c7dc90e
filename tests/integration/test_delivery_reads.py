"""Compiled delivery costs exactly one DynamoDB read after the authorizer (DESIGN.md §3)."""

import pytest

from promptbank.auth.principal import Principal
from promptbank.prompts.models import PromptCreate
from promptbank.prompts.service import PromptService
from promptbank.store.base import dynamodb_client

OWNER = "11111111-1111-4111-8111-111111111111"
STRANGER = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def prompt(aws):
    owner = Principal(user_id=OWNER, credential="session", environment="development", access="full", plan="free")
    return PromptService().create(
        owner, PromptCreate(name="Greeting", content="Hello {{name|text:20}}!", model_config={"model": "gpt-4o"})
    )


@pytest.fixture
def dynamodb_calls():
    calls: list[str] = []
    client = dynamodb_client()
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return calls


@pytest.mark.parametrize("by", ["id", "slug"])
def test_compiled_delivery_is_one_get_item(prompt, invoke, load_event, dynamodb_calls, by):
    # Given a compiled-delivery event for the prompt by id or by slug
    ref = prompt.id if by == "id" else prompt.slug
    event = load_event("GetCompiledFunction")
    event["path"] = f"/v1/prompts/{ref}/compiled"
    event["pathParameters"] = {"ref": ref}
    event["requestContext"]["authorizer"]["user_id"] = OWNER
    # When it is served
    response = invoke("GetCompiledFunction", event)
    # Then it succeeds, counted its tokens, and read DynamoDB exactly once
    assert response["statusCode"] == 200, response["body"]
    assert '"tokens": ' in response["body"] or '"tokens":' in response["body"]
    assert dynamodb_calls == ["GetItem"]


@pytest.fixture
def public_prompt(aws):
    owner = Principal(user_id=OWNER, credential="session", environment="development", access="full", plan="free")
    return PromptService().create(
        owner, PromptCreate(name="Open", content="Hello {{name|text:20}}!", is_public=True)
    )


@pytest.mark.parametrize(
    ("credential", "environment", "label"),
    [("api_key", "production", None), ("session", "development", "production")],
    ids=["live-key-default", "session-by-production"],
)
def test_another_users_published_version_is_one_get_item(
    public_prompt, invoke, load_event, dynamodb_calls, credential, environment, label
):
    # Given another user asking for a public prompt's production version (their default, or by name)
    event = load_event("GetCompiledFunction")
    event["path"] = f"/v1/prompts/{public_prompt.id}/compiled"
    event["pathParameters"] = {"ref": public_prompt.id}
    context = event["requestContext"]["authorizer"]
    context.update(user_id=STRANGER, principalId=STRANGER, credential=credential, environment=environment)
    if label:
        event["queryStringParameters"]["label"] = label
        event["multiValueQueryStringParameters"]["label"] = [label]
    # When it is served
    response = invoke("GetCompiledFunction", event)
    # Then it is the production version, read with exactly one GetItem
    assert response["statusCode"] == 200, response["body"]
    assert '"label": "production"' in response["body"] or '"label":"production"' in response["body"]
    assert dynamodb_calls == ["GetItem"]
