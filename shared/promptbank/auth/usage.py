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


# API Gateway allows CreateApiKey 5 times a second per account and region (and its management API 10 calls a
# second, burst 40, in all); above that it answers 429 TooManyRequestsException. botocore's standard retry mode
# retries that (and transient errors) with exponential backoff and full jitter: before attempt n+1 it sleeps
# rand(0, 2^(n-1)) seconds, so 5 attempts sleep at most 1 + 2 + 4 + 8 = 15 s, well inside the 29 s Lambda and
# API Gateway integration timeouts of register and create-key. docs/decisions.md (2026-12-02) has the numbers.
MAX_ATTEMPTS = 5


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("apigateway", config=Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS}))


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
