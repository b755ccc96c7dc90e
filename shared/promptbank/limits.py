"""The AI limit (API.md §2): 10 requests per minute per user across run, chat, enhance and evaluate.

A sliding-window counter on DynamoDB, so it holds across every function and container, deployed and
locally: one counter item per user and minute (`AILIMIT#<user>`/`W#<minute>`, TTL), incremented with a
conditional `ADD`. The previous minute's count, weighted by how much of it still overlaps the last 60 s,
lowers what the current minute may take, so a burst at a minute boundary cannot double the limit.
Cost: one GetItem and one UpdateItem per AI call. A refusal is a 429 `RATE_LIMITED` with `Retry-After`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from promptbank.errors import RateLimited
from promptbank.settings import get_settings
from promptbank.store.base import TableStore, deserialize, serialize

AI_LIMIT_PER_MINUTE = 10
WINDOW_S = 60
#: Counter items outlive the window that uses them as "previous" by a comfortable margin.
COUNTER_TTL_S = 3 * WINDOW_S


def limit_pk(user_id: str) -> str:
    return f"AILIMIT#{user_id}"


def window_sk(window: int) -> str:
    return f"W#{window}"


class AiLimitStore(TableStore):
    def count(self, user_id: str, window: int) -> int:
        item = self.get(limit_pk(user_id), window_sk(window))
        return int(item.get("hits", 0)) if item else 0

    def try_add(self, user_id: str, window: int, cap: int, expires_at: int) -> tuple[bool, int]:
        """Add one hit if the window holds fewer than `cap`: (accepted, the window's hits before this one)."""
        try:
            response = self.client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": limit_pk(user_id), "sk": window_sk(window)}),
                UpdateExpression="ADD #hits :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#hits) OR #hits < :cap",
                ExpressionAttributeNames={"#hits": "hits", "#ttl": "ttl"},
                ExpressionAttributeValues=serialize({":one": 1, ":cap": cap, ":ttl": expires_at}),
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] = deserialize(err.response.get("Item") or {})  # type: ignore[arg-type]
            return False, int(old.get("hits", cap))
        new = deserialize(response.get("Attributes") or {})
        return True, int(new.get("hits", 1)) - 1


def _now() -> float:
    """The wall clock, looked up at each call (tests replace it to hold the time still)."""
    return time.time()


def _enabled() -> bool:
    """Always on when deployed; locally `PROMPTBANK_RATE_LIMITS=off` turns it off, as the gateway's."""
    if get_settings().deployed:
        return True
    return os.environ.get("PROMPTBANK_RATE_LIMITS", "on").strip().lower() != "off"


def retry_after(limit: int, previous: int, current: int, elapsed: float, window_s: int = WINDOW_S) -> int:
    """Whole seconds until a request would be admitted, given the counts and the time into the window."""
    wait: float
    if current < limit and previous > 0:
        # Still this window, once enough of the previous window's weight has slid out.
        wait = window_s - elapsed - (limit - current) * window_s / previous
    else:
        # Next window: the current count becomes the "previous" one and decays from there.
        decay = max(0.0, window_s * (1 - limit / current)) if current else 0.0
        wait = window_s - elapsed + decay
    return max(1, math.ceil(wait))


class AiLimiter:
    def __init__(
        self,
        store: AiLimitStore | None = None,
        *,
        limit: int = AI_LIMIT_PER_MINUTE,
        window_s: int = WINDOW_S,
        clock: Callable[[], float] | None = None,
        enabled: Callable[[], bool] = _enabled,
    ) -> None:
        self.store = store or AiLimitStore()
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.enabled = enabled

    def acquire(self, user_id: str) -> None:
        """Count one AI request for the user, or raise RateLimited (429) without counting it."""
        if not self.enabled():
            return
        moment = (self.clock or _now)()
        window = int(moment // self.window_s)
        elapsed = moment - window * self.window_s
        previous = self.store.count(user_id, window - 1)
        weight = previous * (self.window_s - elapsed) / self.window_s
        cap = math.ceil(self.limit - weight)
        if cap <= 0:
            current = self.store.count(user_id, window)
            accepted = False
        else:
            expires_at = (window + 1) * self.window_s + COUNTER_TTL_S
            accepted, current = self.store.try_add(user_id, window, cap, expires_at)
        if not accepted:
            raise RateLimited(
                f"AI request limit reached: {self.limit} per minute per user "
                "across run, chat, enhance and evaluate",
                retry_after=retry_after(self.limit, previous, current, elapsed, self.window_s),
            )
