"""The AI limit (API.md §2): 10 requests per minute per user across run, chat, enhance and evaluate.

A sliding-window counter on DynamoDB, so it holds across every function and container, deployed and
locally: one counter item per user and minute (store/limits.py), incremented with a conditional `ADD`. The
previous minute's count, weighted by how much of it still overlaps the last 60 s, lowers what the current
minute may take, so a burst at a minute boundary cannot double the limit.
Cost: one GetItem and one UpdateItem per AI call. A refusal is a 429 `RATE_LIMITED` with `Retry-After`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from promptbank.errors import RateLimited
from promptbank.observability import count
from promptbank.settings import get_settings
from promptbank.store.limits import AiLimitStore

AI_LIMIT_PER_MINUTE = 10
WINDOW_S = 60
#: Counter items outlive the window that uses them as "previous" by a comfortable margin.
COUNTER_TTL_S = 3 * WINDOW_S


def _now() -> float:
    """The wall clock, looked up at each call (tests replace it to hold the time still)."""
    return time.time()


def _enabled() -> bool:
    """Always on when deployed; locally `PROMPTBANK_RATE_LIMITS=off` turns it off, as the gateway's."""
    settings = get_settings()
    return settings.deployed or settings.rate_limits


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
            count("AiRateLimited")
            raise RateLimited(
                f"AI request limit reached: {self.limit} per minute per user "
                "across run, chat, enhance and evaluate",
                retry_after=retry_after(self.limit, previous, current, elapsed, self.window_s),
            )
