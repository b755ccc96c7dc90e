"""Helpers (no tests here) for the sharing and catalogue integration tests: proxy events through the handlers."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

BASE_EVENT = "SharePageFunction"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error_code(self) -> str:
        return str(self.json()["error"]["code"])


@dataclass(frozen=True)
class Caller:
    """Whose authorizer context a request carries."""

    user_id: str
    credential: str = "session"
    access: str = "full"

    def api_key(self, access: str = "full") -> Caller:
        return Caller(self.user_id, "api_key", access)


class Api:
    """Calls handlers the way API Gateway would: a REST proxy event (payload 1.0) from events/, adapted."""

    def __init__(self, invoke: Callable[[str, Any], Any], load_event: Callable[[str], Any]) -> None:
        self._invoke = invoke
        self._load_event = load_event

    def call(
        self,
        function: str,
        method: str,
        resource: str,
        *,
        params: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
        raw_body: str | None = None,
        caller: Caller | None = None,
    ) -> Reply:
        path = resource
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", value)
        event = self._load_event(BASE_EVENT)
        event.update(
            resource=resource,
            path=path,
            httpMethod=method,
            pathParameters=params,
            queryStringParameters=query,
            multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
            body=raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
        )
        event["headers"]["Content-Type"] = "application/json"
        event["multiValueHeaders"]["Content-Type"] = ["application/json"]
        context = event["requestContext"]
        context.update(resourcePath=resource, httpMethod=method, path=path, requestId=str(uuid.uuid4()))
        if caller is None:
            context.pop("authorizer", None)
        else:
            context["authorizer"] = {
                "principalId": caller.user_id,
                "user_id": caller.user_id,
                "credential": caller.credential,
                "environment": "development" if caller.credential == "session" else "production",
                "access": caller.access,
                "plan": "free",
            }
        raw = self._invoke(function, event)
        headers = {k: v for k, v in (raw.get("headers") or {}).items()}
        for name, values in (raw.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        return Reply(raw["statusCode"], headers, raw.get("body") or "")

    # accounts and prompts ---------------------------------------------------------------------------------
    def register(self, name: str = "Ada Lovelace") -> Caller:
        reply = self.call(
            "RegisterFunction",
            "POST",
            "/v1/auth/register",
            body={"email": f"{uuid.uuid4().hex[:12]}@example.com", "password": "correct horse battery", "name": name},
        )
        assert reply.status == 201, reply.text
        return Caller(reply.json()["user"]["id"])

    def create_prompt(self, caller: Caller, **fields: Any) -> dict[str, Any]:
        body = {"name": "Support reply", "content": "Hi {{customer}}, about {{issue|textarea}}", **fields}
        reply = self.call("CreatePromptFunction", "POST", "/v1/prompts", body=body, caller=caller)
        assert reply.status == 201, reply.text
        return dict(reply.json())

    def update_prompt(self, caller: Caller, ref: str, **fields: Any) -> Reply:
        return self.call("UpdatePromptFunction", "PATCH", "/v1/prompts/{ref}", params={"ref": ref}, body=fields,
                         caller=caller)

    def delete_prompt(self, caller: Caller, ref: str) -> Reply:
        return self.call("DeletePromptFunction", "DELETE", "/v1/prompts/{ref}", params={"ref": ref}, caller=caller)

    # shares -----------------------------------------------------------------------------------------------
    def create_share(self, caller: Caller, ref: str, body: Any = None, raw_body: str | None = None) -> Reply:
        return self.call("CreateShareFunction", "POST", "/v1/prompts/{ref}/shares", params={"ref": ref}, body=body,
                         raw_body=raw_body, caller=caller)

    def prompt_shares(self, caller: Caller, ref: str) -> Reply:
        return self.call("ListPromptSharesFunction", "GET", "/v1/prompts/{ref}/shares", params={"ref": ref},
                         caller=caller)

    def update_share(self, caller: Caller, ref: str, share_id: str, body: Any) -> Reply:
        return self.call("UpdateShareFunction", "PATCH", "/v1/prompts/{ref}/shares/{share_id}",
                         params={"ref": ref, "share_id": share_id}, body=body, caller=caller)

    def revoke_share(self, caller: Caller, ref: str, share_id: str) -> Reply:
        return self.call("RevokeShareFunction", "DELETE", "/v1/prompts/{ref}/shares/{share_id}",
                         params={"ref": ref, "share_id": share_id}, caller=caller)

    def all_shares(self, caller: Caller, prompt_id: str | None = None) -> Reply:
        return self.call("ListSharesFunction", "GET", "/v1/shares", query={"prompt_id": prompt_id} if prompt_id else None,
                         caller=caller)

    def resolve(self, token: str) -> Reply:
        return self.call("ResolveShareFunction", "GET", "/v1/shares/{token}", params={"token": token})

    def compile(self, token: str, body: Any = None) -> Reply:
        return self.call("CompileShareFunction", "POST", "/v1/shares/{token}/compile", params={"token": token},
                         body=body)

    def page(self, token: str) -> Reply:
        return self.call("SharePageFunction", "GET", "/share/{token}", params={"token": token})

    # catalogue --------------------------------------------------------------------------------------------
    def explore(self, **query: Any) -> Reply:
        return self.call("ListPublicPromptsFunction", "GET", "/v1/public/prompts",
                         query={k: str(v) for k, v in query.items()} or None)

    def public_prompt(self, prompt_id: str) -> Reply:
        return self.call("GetPublicPromptFunction", "GET", "/v1/public/prompts/{prompt_id}",
                         params={"prompt_id": prompt_id})

    def profile(self, user_id: str) -> Reply:
        return self.call("PublicUserFunction", "GET", "/v1/users/{user_id}", params={"user_id": user_id})


@contextlib.contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB operations made through the shared client while inside (botocore's before-call events)."""
    from promptbank.store.base import dynamodb_client

    client = dynamodb_client()
    calls: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    client.meta.events.register("before-call.dynamodb.*", record)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb.*", record)


def table_items(ddb: Any, table: str, pk_prefix: str = "") -> list[dict[str, Any]]:
    """Every item whose pk starts with `pk_prefix`, deserialised (a scan: fine for a test's tiny table)."""
    from promptbank.store.base import deserialize

    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        items += [deserialize(i) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [i for i in items if str(i["pk"]).startswith(pk_prefix)]
