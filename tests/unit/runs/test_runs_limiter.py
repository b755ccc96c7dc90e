"""The AI limiter's sliding window: admission, Retry-After, and that a refusal is not counted."""

from __future__ import annotations

import pytest

from promptbank.errors import RateLimited
from promptbank.limits import AiLimiter, retry_after


class MemoryLimitStore:
    """AiLimitStore's interface over a dict, with the same conditional-add semantics."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, int], int] = {}

    def count(self, user_id: str, window: int) -> int:
        return self.hits.get((user_id, window), 0)

    def try_add(self, user_id: str, window: int, cap: int, expires_at: int) -> tuple[bool, int]:
        current = self.hits.get((user_id, window), 0)
        if current >= cap:
            return False, current
        self.hits[(user_id, window)] = current + 1
        return True, current


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _limiter(clock: Clock, store: MemoryLimitStore | None = None) -> AiLimiter:
    return AiLimiter(store or MemoryLimitStore(), clock=clock, enabled=lambda: True)  # type: ignore[arg-type]


def _admitted(limiter: AiLimiter, n: int, user: str = "u") -> int:
    count = 0
    for _ in range(n):
        try:
            limiter.acquire(user)
            count += 1
        except RateLimited:
            pass
    return count


def test_ten_requests_in_a_fresh_minute_are_admitted_and_the_eleventh_is_not():
    # Given a limiter at the start of a minute with no history
    limiter = _limiter(Clock(6000.0))
    # When 11 requests arrive
    admitted = _admitted(limiter, 11)
    # Then 10 pass
    assert admitted == 10


def test_a_refusal_carries_retry_after_until_the_window_turns():
    # Given a user who used 10 requests 15 s into a minute
    clock = Clock(6015.0)
    limiter = _limiter(clock)
    _admitted(limiter, 10)
    # When the 11th arrives
    with pytest.raises(RateLimited) as refused:
        limiter.acquire("u")
    # Then Retry-After is the 45 s left in the minute
    assert refused.value.headers["Retry-After"] == "45"
    assert refused.value.status == 429


def test_a_full_previous_minute_weighs_on_the_current_one():
    # Given 10 requests in the previous minute and a clock 30 s into the next one
    store = MemoryLimitStore()
    clock = Clock(6000.0)
    limiter = _limiter(clock, store)
    _admitted(limiter, 10)
    clock.now = 6090.0
    # When requests arrive now
    admitted = _admitted(limiter, 10)
    # Then only half the limit is free (the previous minute still half overlaps the last 60 s)
    assert admitted == 5


def test_a_burst_at_the_minute_boundary_cannot_double_the_limit():
    # Given 10 requests in the last second of a minute
    clock = Clock(6059.0)
    limiter = _limiter(clock)
    _admitted(limiter, 10)
    # When 10 more arrive one second later, in the next minute
    clock.now = 6060.5
    admitted = _admitted(limiter, 10)
    # Then at most one passes: the previous minute still weighs 59.5/60 of its 10
    assert admitted <= 1


def test_refused_requests_are_not_counted():
    # Given a user at the limit who keeps retrying during the minute
    store = MemoryLimitStore()
    clock = Clock(6000.0)
    limiter = _limiter(clock, store)
    _admitted(limiter, 30)
    # Then the window holds exactly the 10 admitted
    assert store.count("u", 100) == 10


def test_users_have_separate_limits():
    # Given one user at the limit
    limiter = _limiter(Clock(6000.0))
    _admitted(limiter, 10, user="a")
    # When another user asks
    # Then they are admitted
    assert _admitted(limiter, 1, user="b") == 1


def test_a_disabled_limiter_admits_everything():
    # Given a limiter switched off (PROMPTBANK_RATE_LIMITS=off, locally)
    limiter = AiLimiter(MemoryLimitStore(), clock=Clock(6000.0), enabled=lambda: False)  # type: ignore[arg-type]
    # Then any number of requests pass
    assert _admitted(limiter, 50) == 50


@pytest.mark.parametrize(("previous", "current", "elapsed", "expected"), [
    (0, 10, 15.0, 45),   # blocked by this minute: wait for it to end
    (10, 5, 30.0, 1),    # blocked by the previous minute's weight: it slides out within a second
    (10, 0, 0.0, 1),     # a full previous minute at second 0: the first slot frees almost at once
    (20, 10, 59.5, 1),   # at the very end of a full minute
])
def test_retry_after_is_the_wait_until_a_request_would_pass(previous, current, elapsed, expected):
    # When the wait is computed from the counts
    # Then it is the expected number of whole seconds
    assert retry_after(10, previous, current, elapsed) == expected
