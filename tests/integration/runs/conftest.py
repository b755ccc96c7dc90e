"""Fixtures of the running-prompts integration tests: one moto stack for the package with a fresh table per
test, a fake provider server, API events built from events/, and delivery of the table stream to the stats
processor (as Lambda's event source mapping would).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from local.testing import REPO_ROOT, HandlerInvoker, MockedStack, StreamDelivery, load_event, mocked_aws
from promptbank.providers import _http

BASE_URL_VARS = (
    "PROMPTBANK_OPENAI_BASE_URL",
    "PROMPTBANK_DEEPSEEK_BASE_URL",
    "PROMPTBANK_ANTHROPIC_BASE_URL",
    "PROMPTBANK_GEMINI_BASE_URL",
    "PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL",
)
#: A closed local port: a test that forgot the `fake` fixture fails fast and never reaches the internet.
NOWHERE = "http://127.0.0.1:9"
PROVIDER_KEY = "sk-test-0123456789abcdef"


@pytest.fixture(scope="package")
def stack() -> Iterator[MockedStack]:
    """template.yaml's resources in moto, shared by this package's tests (setting it up takes 1-4 s)."""
    with mocked_aws() as mocked:
        yield mocked


@pytest.fixture(scope="package")
def invoker(stack: MockedStack) -> HandlerInvoker:
    return HandlerInvoker(stack.stack)


@functools.cache
def _table_properties() -> tuple[dict[str, Any], ...]:
    """The template's table properties, resolved once (parsing template.yaml takes ~0.2 s)."""
    from local.resources import Physical, SecretSource
    from local.template import Resolver, Template

    template = Template(REPO_ROOT / "template.yaml")
    resolver = Resolver(template, secret_source=SecretSource(Physical()))
    return tuple(resolver.resolve(template.properties(lid)) for lid in template.of_type("AWS::DynamoDB::Table"))


@pytest.fixture(autouse=True)
def _fresh_table(stack: MockedStack) -> None:
    """An empty table (and stream) per test: moto copies the whole table for every transaction item, so a
    table shared by a module's tests would make each test slower than the last."""
    from local.resources import _create_table

    client = boto3.client("dynamodb", region_name="us-east-1")
    client.delete_table(TableName=stack.table_name)
    [props] = _table_properties()
    _create_table(client, props, stack.table_name)


@pytest.fixture(autouse=True)
def _isolation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No stray provider traffic, no real backoff sleeps, and no cached default-key secret between tests."""
    from aws_lambda_powertools.utilities import parameters

    for name in BASE_URL_VARS:
        monkeypatch.setenv(name, NOWHERE)
    monkeypatch.setattr(_http, "_sleep", lambda seconds: None)
    parameters.clear_caches()
    yield
    parameters.clear_caches()


@pytest.fixture
def frozen_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the AI limiter's clock 30 s into a minute, so a burst of requests never straddles two minutes."""
    from promptbank import limits

    monkeypatch.setattr(limits, "_now", lambda: 1_800_000_030.0)


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake(_fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    """The fake provider server, reset, with every PROMPTBANK_<PROVIDER>_BASE_URL pointing at it."""
    _fake_server.reset()
    for name, value in _fake_server.env().items():
        monkeypatch.setenv(name, value)
    yield _fake_server
    _fake_server.reset()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def error_code(self) -> str | None:
        body = self.json
        return body["error"]["code"] if isinstance(body, dict) and "error" in body else None

    @property
    def fields(self) -> list[str]:
        return [d.get("field") for d in self.json["error"]["details"]]


@dataclass
class User:
    """A caller: `credential` session or api_key, `access` full or read."""

    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    credential: str = "session"
    access: str = "full"

    def as_key(self, access: str = "full") -> User:
        return User(self.id, "api_key", access)


ROUTES = {
    # function logical id -> (method, resource)
    "ListProviderKeysFunction": ("GET", "/v1/provider-keys"),
    "PutProviderKeyFunction": ("PUT", "/v1/provider-keys/{provider}"),
    "DeleteProviderKeyFunction": ("DELETE", "/v1/provider-keys/{provider}"),
    "ListModelsFunction": ("GET", "/v1/models"),
    "RunPromptFunction": ("POST", "/v1/prompts/{ref}/run"),
    "ChatFunction": ("POST", "/v1/chat"),
    "EnhanceFunction": ("POST", "/v1/enhance"),
    "ListRunsFunction": ("GET", "/v1/runs"),
    "GetRunFunction": ("GET", "/v1/runs/{run_id}"),
    "RunStatsFunction": ("GET", "/v1/runs/stats"),
    "CountTokensGetFunction": ("GET", "/v1/token-count"),
    "CountTokensPostFunction": ("POST", "/v1/token-count"),
    "CreatePromptFunction": ("POST", "/v1/prompts"),
}


def api_event(
    function_id: str,
    user: User | None,
    *,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST proxy event for the function's route, built from a sample event in events/."""
    method, resource = ROUTES[function_id]
    event = load_event("ChatFunction")
    concrete = resource
    for name, value in (path or {}).items():
        concrete = concrete.replace("{" + name + "}", value)
    event["resource"], event["path"], event["httpMethod"] = resource, concrete, method
    event["requestContext"].update(
        {"resourcePath": resource, "httpMethod": method, "path": "/v1" + concrete, "requestId": str(uuid.uuid4())}
    )
    event["pathParameters"] = path or None
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    if raw_body is not None:
        event["body"] = raw_body
    else:
        event["body"] = json.dumps(body) if body is not None else None
    all_headers = {k: v for k, v in event["headers"].items() if k not in ("Authorization",)}
    all_headers.update(headers or {})
    event["headers"] = all_headers
    event["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
    if user is None:
        event["requestContext"].pop("authorizer", None)
    else:
        event["requestContext"]["authorizer"] = {
            "principalId": user.id,
            "user_id": user.id,
            "credential": user.credential,
            "environment": "development",
            "access": user.access,
            "plan": "free",
        }
    return event


Call = Callable[..., Reply]


@pytest.fixture
def call(invoker: HandlerInvoker) -> Call:
    """call("ChatFunction", user, body={...}) -> Reply(status, headers, text)."""

    def run(function_id: str, user: User | None, **kwargs: Any) -> Reply:
        response = invoker(function_id, api_event(function_id, user, **kwargs))
        headers = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers.setdefault(name, str(values[-1]))
        return Reply(response["statusCode"], headers, response.get("body") or "")

    return run


@pytest.fixture
def user() -> User:
    """A fresh user acting with a full-access session."""
    return User()


@pytest.fixture
def another_user() -> User:
    return User()


@pytest.fixture
def save_key(call: Call) -> Callable[..., Reply]:
    """save_key(user, "deepseek", api_key=..., base_url=...): PUT /v1/provider-keys/{provider}, asserted 200."""

    def save(user: User, provider: str = "deepseek", api_key: str = PROVIDER_KEY, **extra: Any) -> Reply:
        reply = call("PutProviderKeyFunction", user, path={"provider": provider}, body={"api_key": api_key, **extra})
        assert reply.status == 200, reply.text
        return reply

    return save


@pytest.fixture
def create_prompt(call: Call) -> Callable[..., dict[str, Any]]:
    """create_prompt(user, content=..., system_prompt=..., model_config=...) -> the created Prompt."""

    def create(user: User, **fields: Any) -> dict[str, Any]:
        body = {"name": f"Prompt {uuid.uuid4().hex[:8]}", "content": "Classify: {{email}}", **fields}
        reply = call("CreatePromptFunction", user, body=body)
        assert reply.status == 201, reply.text
        return dict(reply.json)

    return create


@pytest.fixture
def stream(stack: MockedStack, invoker: HandlerInvoker, _fresh_table: None) -> StreamDelivery:
    return StreamDelivery(stack, invoker, "RunStatsStreamFunction")
