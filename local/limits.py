"""Usage plans as API Gateway applies them: which plan a key is on, per-key token buckets, monthly quotas."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger("local.limits")


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    rate_limit: float | None  # requests per second, None = no throttle
    burst_limit: int | None
    quota_limit: int | None
    quota_period: str  # DAY | WEEK | MONTH


@dataclass(frozen=True)
class KeyInfo:
    id: str
    value: str
    plan: Plan


class UsagePlanKeys:
    """Enabled API keys attached to a usage plan of one API stage, read from moto's API Gateway.

    Cached for `ttl` seconds and re-read on a miss, since handlers create keys at run time.
    """

    def __init__(self, client: Any, ttl: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._by_stage: dict[tuple[str, str], dict[str, KeyInfo]] = {}
        self._loaded_at = -math.inf
        self._lock = threading.Lock()

    def lookup(self, api_id: str, stage: str, value: str | None) -> KeyInfo | None:
        if not value:
            return None
        now = self.clock()
        if now - self._loaded_at > self.ttl:
            self.refresh()
        found = self._by_stage.get((api_id, stage), {}).get(value)
        if found is None and self._loaded_at < now:
            self.refresh()
            found = self._by_stage.get((api_id, stage), {}).get(value)
        return found

    def refresh(self) -> None:
        with self._lock:
            started = self.clock()
            keys, plans = self._read()
            by_stage: dict[tuple[str, str], dict[str, KeyInfo]] = {}
            for item, key_ids in plans:
                plan = _plan(item)
                stages = [(s["apiId"], s["stage"]) for s in item.get("apiStages") or []]
                for key_id in key_ids:
                    value, enabled = keys.get(key_id, ("", False))
                    if not enabled or not value:
                        continue
                    for stage in stages:
                        by_stage.setdefault(stage, {}).setdefault(value, KeyInfo(key_id, value, plan))
            self._by_stage = by_stage
            self._loaded_at = started

    def _read(self) -> tuple[dict[str, tuple[str, bool]], list[tuple[dict[str, Any], list[str]]]]:
        """({key id: (value, enabled)}, [(usage plan as the API returns it, [key ids])]) via the API."""
        keys: dict[str, tuple[str, bool]] = {}
        for page in self.client.get_paginator("get_api_keys").paginate(includeValues=True):
            for item in page.get("items", []):
                keys[item["id"]] = (item.get("value", ""), bool(item.get("enabled")))
        plans = []
        for page in self.client.get_paginator("get_usage_plans").paginate():
            for item in page.get("items", []):
                key_ids = [
                    plan_key["id"]
                    for key_page in self.client.get_paginator("get_usage_plan_keys").paginate(usagePlanId=item["id"])
                    for plan_key in key_page.get("items", [])
                ]
                plans.append((item, key_ids))
        return keys, plans


class MotoUsagePlanKeys(UsagePlanKeys):
    """The same, read from moto's API Gateway backend in process: a refresh costs microseconds, not six HTTP
    round trips, so a key a handler just created (or revoked) is seen on the next request."""

    def __init__(
        self, account_id: str, region: str, lock: Any, ttl: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(None, ttl, clock)
        self.account_id = account_id
        self.region = region
        self.moto_lock = lock

    def _read(self) -> tuple[dict[str, tuple[str, bool]], list[tuple[dict[str, Any], list[str]]]]:
        from moto.apigateway.models import apigateway_backends

        with self.moto_lock:
            backend = apigateway_backends[self.account_id][self.region]
            keys = {key.id: (key.value or "", bool(key.enabled)) for key in backend.keys.values()}
            plans = [
                (plan.to_json(), list(backend.usage_plan_keys.get(plan.id, {})))
                for plan in backend.usage_plans.values()
            ]
        return keys, plans


def _plan(item: dict[str, Any]) -> Plan:
    throttle = item.get("throttle") or {}
    quota = item.get("quota") or {}
    return Plan(
        id=item["id"],
        name=item.get("name", ""),
        rate_limit=float(throttle["rateLimit"]) if "rateLimit" in throttle else None,
        burst_limit=int(throttle["burstLimit"]) if "burstLimit" in throttle else None,
        quota_limit=int(quota["limit"]) if "limit" in quota else None,
        quota_period=str(quota.get("period", "MONTH")),
    )


class TokenBucket:
    """`rate` tokens a second up to `capacity`; starts full (API Gateway's burst)."""

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = max(rate, 0.0)
        self.capacity = max(capacity, 1)
        self.tokens = float(self.capacity)
        self.updated = now

    def take(self, now: float) -> float:
        """Take one token. Returns 0 when admitted, otherwise the seconds until a token will be there."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (1 - self.tokens) / self.rate


def quota_period_key(period: str, moment: datetime) -> str:
    """The calendar period (UTC) a request falls in: quotas reset at the start of each."""
    if period == "DAY":
        return moment.strftime("%Y-%m-%d")
    if period == "WEEK":
        monday = moment - timedelta(days=moment.weekday())
        return "W" + monday.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m")


class Verdict:
    ADMITTED = "ADMITTED"
    THROTTLED = "THROTTLED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"


class UsageLimiter:
    """Per-key throttling and quotas. The quota counters are part of the runtime's saved state."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.monotonic = monotonic
        self.wall = wall
        self._buckets: dict[str, TokenBucket] = {}
        self.quota_counts: dict[str, dict[str, int]] = {}  # key id -> {period key: admitted requests}
        self._lock = threading.Lock()
        self.changed = False

    def check(self, key: KeyInfo) -> tuple[str, float]:
        """Admit (counting it in the quota) or refuse one request; returns (verdict, retry-after seconds)."""
        plan = key.plan
        with self._lock:
            period_key = None
            if plan.quota_limit is not None:
                period_key = quota_period_key(plan.quota_period, self.wall())
                used = self.quota_counts.get(key.id, {}).get(period_key, 0)
                if used >= plan.quota_limit:
                    return Verdict.QUOTA_EXCEEDED, 0.0
            if plan.rate_limit is not None or plan.burst_limit is not None:
                now = self.monotonic()
                bucket = self._buckets.get(key.id)
                rate = plan.rate_limit if plan.rate_limit is not None else math.inf
                capacity = plan.burst_limit if plan.burst_limit is not None else max(1, math.ceil(rate))
                if bucket is None or bucket.rate != rate or bucket.capacity != capacity:
                    bucket = self._buckets[key.id] = TokenBucket(rate, capacity, now)
                wait = bucket.take(now)
                if wait > 0:
                    return Verdict.THROTTLED, wait
            if period_key is not None:
                counts = self.quota_counts.setdefault(key.id, {})
                # Only the current period matters; older ones are dropped as they end.
                for old in [k for k in counts if k != period_key]:
                    del counts[old]
                counts[period_key] = counts.get(period_key, 0) + 1
                self.changed = True
            return Verdict.ADMITTED, 0.0

    def export(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {key: dict(counts) for key, counts in self.quota_counts.items()}

    def load(self, counts: dict[str, dict[str, int]]) -> None:
        with self._lock:
            self.quota_counts = {key: {p: int(n) for p, n in periods.items()} for key, periods in counts.items()}
