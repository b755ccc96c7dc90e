"""API Gateway usage-plan keys: the usage identifier the authorizer returns for each credential."""

from __future__ import annotations

import contextlib
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from promptbank.settings import get_settings


@dataclass(frozen=True)
class UsageKey:
    id: str
    value: str


# API Gateway allows CreateApiKey 5 times a second per account and region (and its management API 10 calls a
# second, burst 40, in all); above that it answers 429 TooManyRequestsException. A burst of sign-ups shares those
# 5 a second, so a fixed number of retries is not enough for a large burst: `issue` retries the throttled call
# until CREATE_KEY_BUDGET_S has passed, sleeping rand(0, min(CAP, BASE * 2^n)) between attempts (full jitter),
# well inside the 29 s Lambda and API Gateway integration timeouts of register and create-key. Every other call
# gets botocore's standard retries (transient errors, a few attempts).
MAX_ATTEMPTS = 3
CREATE_KEY_BUDGET_S = 20.0
BACKOFF_BASE_S = 0.1
BACKOFF_CAP_S = 2.0


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("apigateway", config=Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS}))


def _throttled(err: Exception) -> bool:
    response = getattr(err, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "TooManyRequestsException")


def retry_throttled[T](call: Callable[[], T], budget_s: float = CREATE_KEY_BUDGET_S) -> T:
    """`call()`, again after a jittered backoff each time API Gateway throttles it, until `budget_s` is spent."""
    deadline = time.monotonic() + budget_s
    attempt = 0
    while True:
        try:
            return call()
        except Exception as err:
            left = deadline - time.monotonic()
            if not _throttled(err) or left <= 0:
                raise
            attempt += 1
            time.sleep(min(left, random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))))


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
        key = retry_throttled(lambda: self.client.create_api_key(name=label, enabled=True, value=value))
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
