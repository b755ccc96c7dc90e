"""POST /v1/evaluate wall time against its ideal (issue 10, "Measure"; informative only).

Through `python -m local` over HTTP, against the fake provider (tests/fakes) answering every call after a fixed
latency: 100 cases at concurrency 10 with 1 s per call. The ideal is latency x ceil(cases / concurrency) = 10 s;
the goal is at most 1.2x. Also prints how many cases finished (none should be a `timeout`).

    python bench/bench_evaluate.py [--cases N] [--concurrency N] [--latency-ms N]

Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from tests.fakes.fake_provider import FakeProviderServer  # noqa: E402

from local.testing import LocalRuntime  # noqa: E402

GOAL = 1.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=1000)
    args = parser.parse_args()
    env = {"PROMPTBANK_RATE_LIMITS": "off", "PROMPTBANK_LOCAL_SCHEDULES": "off",
           "PROMPTBANK_EGRESS": os.environ.get("PROMPTBANK_EGRESS", "loopback")}
    with FakeProviderServer() as fake, LocalRuntime(env=env) as runtime, httpx.Client(
        base_url=runtime.base_url, timeout=60
    ) as client:
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        session = client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "B"})
        headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
        reply = client.put("/v1/provider-keys/deepseek", headers=headers,
                           json={"api_key": "sk-bench-0123456789", "base_url": fake.deepseek_base})
        assert reply.status_code == 200, reply.text
        body = {
            "prompt": "Say {{text}}",
            "model": "deepseek-chat",
            "concurrency": args.concurrency,
            "test_cases": [{"inputs": {"text": f"case {n}"}, "expected_output": f"case {n}"} for n in range(args.cases)],
        }
        client.post("/v1/evaluate", headers=headers, json={**body, "test_cases": body["test_cases"][:1]})  # warm
        fake.set_latency(args.latency_ms)
        start = time.perf_counter()
        answer = client.post("/v1/evaluate", headers=headers, json=body)
        wall = time.perf_counter() - start
        fake.set_latency(0)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    timeouts = sum(1 for r in results if r["error"] == "timeout")
    ideal = args.latency_ms / 1000 * math.ceil(args.cases / args.concurrency)
    print(f"{args.cases} cases at concurrency {args.concurrency}, {args.latency_ms} ms per call")
    print(f"wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.2f} (goal <= {GOAL}); "
          f"finished {len(results) - timeouts}, timeouts {timeouts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
