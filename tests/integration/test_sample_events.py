"""Every sample event in events/ for accounts and prompts, through its handler, against a seeded user and prompt."""

import json
import uuid

import pytest

from promptbank.auth.models import RegisterIn
from promptbank.auth.principal import Principal
from promptbank.auth.service import AccountService
from promptbank.prompts.models import PromptCreate
from promptbank.prompts.service import PromptService

USER = "11111111-1111-4111-8111-111111111111"
PROMPT = "22222222-2222-4222-8222-222222222222"

# (event, expected status) in an order where each step's precondition holds
SCENARIO = [
    ("HealthFunction", 200),
    ("MethodNotAllowedFunction", 405),
    ("OpenApiFunction", 200),
    ("RegisterFunction", 201),
    ("LoginFunction", 200),
    ("MeFunction", 200),
    ("CreateKeyFunction", 201),
    ("ListKeysFunction", 200),
    ("RevokeKeyFunction", 404),
    ("GetProfileFunction", 200),
    ("UpdateProfileFunction", 200),
    ("PublicUserFunction", 200),
    ("PublicUsernameFunction", 200),
    ("CreatePromptFunction", 201),
    ("ListPromptsFunction", 200),
    ("GetPromptFunction", 200),
    ("GetCompiledFunction", 200),
    ("CompilePromptFunction", 200),
    ("DownloadPromptFunction", 200),
    ("UpdatePromptFunction", 200),
    ("ListVersionsFunction", 200),
    ("GetVersionFunction", 200),
    ("SetLabelFunction", 200),
    ("DeleteLabelFunction", 204),
    ("PublishPromptFunction", 200),
    ("LogoutFunction", 204),
    ("DeletePromptFunction", 204),
]


@pytest.fixture
def seeded(aws, monkeypatch):
    """The user and prompt the sample events name, created through the services with fixed ids."""
    import types

    import promptbank.auth.service
    import promptbank.prompts.service

    def fixed(*ids):
        queue = iter(uuid.UUID(i) for i in ids)
        return types.SimpleNamespace(uuid4=lambda: next(queue, None) or uuid.UUID(int=uuid.getnode() + 7, version=4))

    monkeypatch.setattr(promptbank.auth.service, "uuid", fixed(USER, "33333333-3333-4333-8333-333333333333"))
    monkeypatch.setattr(promptbank.prompts.service, "uuid", fixed(PROMPT))
    AccountService().register(RegisterIn(email="owner@example.com", password="password1", name="Owner"))
    owner = Principal(user_id=USER, credential="session", environment="development", access="full", plan="free")
    PromptService().create(owner, PromptCreate(name="Welcome", slug="welcome", content="Hello {{customer}} about {{topic}}", variables={"topic": "x"}))
    monkeypatch.undo()


def test_every_sample_event_gets_its_documented_answer(seeded, invoke, load_event):
    for function, status in SCENARIO:
        response = invoke(function, load_event(function))
        assert response["statusCode"] == status, (function, response.get("body"))
        headers = response.get("multiValueHeaders") or response.get("headers") or {}
        assert "X-Request-Id" in headers, function
        if status >= 400 and function != "MethodNotAllowedFunction":
            assert set(json.loads(response["body"])["error"]) == {"code", "message", "details", "request_id"}


def test_authorizer_event_with_an_unknown_session_is_unauthorized(aws, invoke, load_event):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        invoke("AuthorizerFunction", load_event("AuthorizerFunction"))


def test_authorizer_rejects_an_expired_session(aws, invoke, load_event):
    # Given a session item whose expiry has passed but that TTL has not yet removed
    from promptbank.auth.secrets import token_hash
    from promptbank.store.accounts import AccountStore

    raw = "pbs_" + "ab" * 32
    AccountStore().put_session({"token_hash": token_hash(raw), "kind": "session", "user_id": USER,
                                "plan": "free", "environment": "development", "access": "full", "usage_key": "k",
                                "expires_at": 1_000_000, "ttl": 1_000_000})
    event = load_event("AuthorizerFunction")
    event["headers"]["Authorization"] = f"Bearer {raw}"
    # When the authorizer sees it / Then 401
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        invoke("AuthorizerFunction", event)


def test_authorizer_allows_a_live_session_with_its_usage_key(aws, invoke, load_event):
    user, token = AccountService().register(RegisterIn(email="live@example.com", password="password1", name="L"))
    event = load_event("AuthorizerFunction")
    event["headers"]["Authorization"] = f"Bearer {token}"
    policy = invoke("AuthorizerFunction", event)
    assert policy["principalId"] == user.id
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["context"]["credential"] == "session" and policy["usageIdentifierKey"]
