"""API Gateway usage-plan keys: the usage identifier the authorizer returns for each credential."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from promptbank.settings import get_settings


@dataclass(frozen=True)
class UsageKey:
    id: str
    value: str


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3

    return boto3.client("apigateway")


class UsagePlans:
    """Issues and deletes API Gateway API keys attached to the plans `<stack>-free|pro|team|sessions`."""

    def __init__(self, client: Any | None = None, stack_name: str | None = None) -> None:
        self._client = client
        self.stack_name = stack_name or get_settings().stack_name
        self._plan_ids: dict[str, str] = {}

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _client()
        return self._client

    def plan_id(self, plan: str) -> str:
        if not self._plan_ids:
            paginator = self.client.get_paginator("get_usage_plans")
            for page in paginator.paginate():
                for item in page.get("items", []):
                    self._plan_ids[item["name"]] = item["id"]
        name = f"{self.stack_name}-{plan}"
        if name not in self._plan_ids:
            raise RuntimeError(f"usage plan {name} does not exist")
        return self._plan_ids[name]

    def issue(self, plan: str, label: str) -> UsageKey:
        value = secrets.token_hex(20)
        key = self.client.create_api_key(name=label, enabled=True, value=value)
        try:
            self.client.create_usage_plan_key(usagePlanId=self.plan_id(plan), keyId=key["id"], keyType="API_KEY")
        except Exception:
            self.delete(key["id"])
            raise
        return UsageKey(id=key["id"], value=value)

    def delete(self, key_id: str) -> None:
        with contextlib.suppress(self.client.exceptions.NotFoundException):  # already gone is fine
            self.client.delete_api_key(apiKey=key_id)


@lru_cache(maxsize=1)
def usage_plans() -> UsagePlans:
    return UsagePlans()
