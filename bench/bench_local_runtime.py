"""What IAM checks and per-function isolation cost the local runtime (issue 15, "Measure"; informative only).

Starts `python -m local` four ways (containers as threads of one process or as processes of their own; IAM
checked or not), registers a user with an API key and a prompt, then times GET /v1/prompts/{ref}/compiled
through the whole runtime over HTTP (authorizer and usage-plan check included): the first request (a cold
container of the compiled route, after the authorizer's is warm), then requests per second, one client at a
time and four at a time. The before of this issue is "thread, IAM off"; the default now is "process, IAM on".

    python bench/bench_local_runtime.py [--requests N]

Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from local.testing import LocalRuntime  # noqa: E402

MODES = [("thread", "off"), ("thread", "on"), ("process", "off"), ("process", "on")]


def prepare(client: httpx.Client) -> tuple[dict[str, str], str]:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    session = client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "B"})
    headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
    key = client.post("/v1/keys", headers=headers, json={"name": "bench"}).json()["raw_key"]
    prompt = client.post("/v1/prompts", headers=headers, json={"name": "Greeting", "content": "Hello {{name}}!"})
    return {"X-API-Key": key}, prompt.json()["id"]


def run(isolation: str, iam: str, requests: int) -> dict[str, float]:
    env = {"PROMPTBANK_LOCAL_ISOLATION": isolation, "PROMPTBANK_LOCAL_IAM": iam, "PROMPTBANK_RATE_LIMITS": "off",
           "PROMPTBANK_LOCAL_SCHEDULES": "off", "PROMPTBANK_EGRESS": os.environ.get("PROMPTBANK_EGRESS", "loopback")}
    with LocalRuntime(env=env) as runtime, httpx.Client(base_url=runtime.base_url, timeout=60) as client:
        key, prompt_id = prepare(client)
        client.get("/v1/auth/me", headers=key)  # the authorizer's container is warm
        url = f"/v1/prompts/{prompt_id}/compiled?variables=%7B%22name%22%3A%22Ada%22%7D"
        start = time.perf_counter()
        assert client.get(url, headers=key).status_code == 200
        cold_ms = (time.perf_counter() - start) * 1000
        for _ in range(20):
            client.get(url, headers=key)
        start = time.perf_counter()
        for _ in range(requests):
            client.get(url, headers=key)
        serial = requests / (time.perf_counter() - start)

        def one(_: int) -> int:
            return client.get(url, headers=key).status_code

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(one, range(40)))  # four containers warm
            start = time.perf_counter()
            statuses = list(pool.map(one, range(requests)))
            parallel = requests / (time.perf_counter() - start)
        assert set(statuses) == {200}, statuses
    return {"cold_ms": cold_ms, "serial": serial, "parallel": parallel}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    results = {mode: [run(*mode, args.requests) for _ in range(args.rounds)] for mode in MODES}
    base = results[("thread", "off")]
    base_serial = statistics.median(r["serial"] for r in base)
    base_parallel = statistics.median(r["parallel"] for r in base)
    print(f"{'GET compiled through the runtime':34} {'cold ms':>8} {'req/s':>7} {'ratio':>6} {'4 at once':>10} {'ratio':>6}")
    for (isolation, iam), rows in results.items():
        cold = statistics.median(r["cold_ms"] for r in rows)
        serial = statistics.median(r["serial"] for r in rows)
        parallel = statistics.median(r["parallel"] for r in rows)
        name = f"containers: {isolation}, IAM {iam}"
        print(f"{name:34} {cold:8.0f} {serial:7.0f} {serial / base_serial:6.2f} {parallel:10.0f} "
              f"{parallel / base_parallel:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
