"""The Python client's cache (issue 12, "Measure"): a cached `compile` in process against an uncached one through
the local runtime.

Starts `python -m local`, registers a user with a production API key and a prompt, then times
`PromptbankClient.compile(ref, variables)`:

- a cache hit (the default 60 s TTL; one request fills it), over many calls: goal under 20 microseconds;
- the same call uncached (`cache_ttl_seconds=0`): GET /v1/prompts/{ref}/compiled over HTTP through the runtime
  (gateway, authorizer, the function's warm container), after a warm-up;
- and, for comparison, a hit of the asyncio client (`await client.compile(...)` inside one event loop).

The ratio is uncached / cached: goal at least 1,000x.

    python bench/bench_python_client.py            # about 45 s
    python bench/bench_python_client.py --quick    # a smoke test

Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from promptbank_client import AsyncPromptbankClient, PromptbankClient  # noqa: E402

from local.testing import LocalRuntime  # noqa: E402

REF = "greeting"
VARIABLES = {"name": "Ada", "company": "Acme"}


def prepare(base_url: str) -> str:
    """A production API key of a new user who owns the published prompt REF."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        session = client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "B"})
        headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
        key = client.post("/v1/keys", headers=headers, json={"name": "bench"}).json()["raw_key"]
        prompt = client.post(
            "/v1/prompts", headers=headers,
            json={"name": "Greeting", "content": "Hello {{name}}, welcome to {{company}}!"},
        )
        assert prompt.status_code == 201, prompt.text
        return str(key)


def per_call(function: object, calls: int, rounds: int) -> float:
    """Seconds per call: the median of `rounds` timings of `calls` calls."""
    assert callable(function)
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        timings.append((time.perf_counter() - start) / calls)
    return statistics.median(timings)


def async_hit(base_url: str, key: str, calls: int, rounds: int) -> float:
    async def timed() -> float:
        async with AsyncPromptbankClient(base_url, key) as client:
            await client.compile(REF, VARIABLES)
            timings = []
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(calls):
                    await client.compile(REF, VARIABLES)
                timings.append((time.perf_counter() - start) / calls)
            return statistics.median(timings)

    return asyncio.run(timed())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=100_000, help="cache hits per round")
    parser.add_argument("--requests", type=int, default=100, help="uncached compiles per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke test: few calls, one round")
    args = parser.parse_args()
    if args.quick:
        args.hits, args.requests, args.rounds = 2_000, 20, 1

    env = {"PROMPTBANK_RATE_LIMITS": "off", "PROMPTBANK_LOCAL_SCHEDULES": "off",
           "PROMPTBANK_EGRESS": os.environ.get("PROMPTBANK_EGRESS", "loopback")}
    with LocalRuntime(env=env) as runtime:
        key = prepare(runtime.base_url)
        with PromptbankClient(runtime.base_url, key) as cached, \
                PromptbankClient(runtime.base_url, key, cache_ttl_seconds=0) as uncached:
            expected = "Hello Ada, welcome to Acme!"
            assert cached.compile(REF, VARIABLES).compiled_prompt == expected
            for _ in range(20):  # the compiled route's and the authorizer's containers are warm
                assert uncached.compile(REF, VARIABLES).compiled_prompt == expected
            hit = per_call(lambda: cached.compile(REF, VARIABLES), args.hits, args.rounds)
            miss = per_call(lambda: uncached.compile(REF, VARIABLES), args.requests, args.rounds)
        hit_async = async_hit(runtime.base_url, key, args.hits, args.rounds)

    print(f"{'compile, Python client':44} {'per call':>12} {'goal':>10}")
    print(f"{'cache hit (PromptbankClient)':44} {hit * 1e6:9.2f} us {'< 20 us':>10}")
    print(f"{'cache hit (AsyncPromptbankClient, awaited)':44} {hit_async * 1e6:9.2f} us {'':>10}")
    print(f"{'uncached, through the local runtime':44} {miss * 1e3:9.2f} ms {'':>10}")
    print(f"{'ratio uncached / cache hit':44} {miss / hit:10.0f}x {'>= 1000x':>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
