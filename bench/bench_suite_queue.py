"""A 1,000-case suite run through the queue, wall time against its ideal (issue 10, "Measure"; informative only).

Through `python -m local` over HTTP (schedules off, so only the manual run is in flight), against the fake provider
(tests/fakes) answering every call after a fixed latency: a suite of 1,000 cases, one manual run, timed from its
POST to `succeeded`. The run is `ceil(cases / CHUNK_CASES)` chunks on the queue; the worker runs a chunk's cases
`CHUNK_CONCURRENCY` at a time and the queue's source runs up to its ScalingConfig.MaximumConcurrency chunks at
once, so the ideal is latency x ceil(cases / (chunks at once x CHUNK_CONCURRENCY)) = 10 s at 1 s per call.

The first run meets cold worker containers (each one a process importing the code); `--runs 2` adds a run that
finds them warm, as a deployed queue under steady use would.

Measured on the 2-core machine that wrote this, shared with other test runs (load average 15-19): 1,000 cases at
1 s per call took 72-100 s cold and 125 s warm (ratio 7-12); at 0 ms per call, 123 s. So the provider's latency
is not what the time goes to: about 40 s pass before the first provider call (the stream delivers the run to the
outbox, ten worker processes start), then the cases take about 80 ms each of work that does not overlap, where
the provider waits do (probably the moto server process that every DynamoDB call goes through: each case's run
put and result put, and the run-stats stream consumer each run put wakes; not measured apart here), and the
chunks finish in two waves of ten. Compare runs made side by side, never against a number here.

    python bench/bench_suite_queue.py [--cases N] [--latency-ms N] [--runs N]

PROMPTBANK_BENCH_LATENCY_MS sets the default latency. Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from tests.fakes.fake_provider import FakeProviderServer  # noqa: E402

from local.events import SQS_DEFAULT_CONCURRENCY  # noqa: E402
from local.template import Template  # noqa: E402
from local.testing import LocalRuntime  # noqa: E402
from promptbank.evaluation.suites import CHUNK_CASES, CHUNK_CONCURRENCY  # noqa: E402

WORKER = "EvalWorkerFunction"
RUN_DEADLINE_S = 600.0
POLL_S = 0.1


def chunks_at_once() -> int:
    """The worker's SQS ScalingConfig.MaximumConcurrency in template.yaml: the chunks the local runtime runs at once."""
    events = Template(ROOT / "template.yaml").function_properties(WORKER).get("Events") or {}
    found = [
        int(((event.get("Properties") or {}).get("ScalingConfig") or {}).get("MaximumConcurrency") or 0)
        for event in events.values()
        if event.get("Type") == "SQS"
    ]
    return max(found, default=0) or SQS_DEFAULT_CONCURRENCY


def wait_for(client: httpx.Client, headers: dict[str, str], run_id: str) -> tuple[dict[str, Any], float]:
    """Poll the run (one result a page) until it has ended; the run and when it was first seen ended."""
    deadline = time.perf_counter() + RUN_DEADLINE_S
    while True:
        run = client.get(f"/v1/eval-runs/{run_id}", headers=headers, params={"limit": 1}).json()
        if run.get("status") in ("succeeded", "failed") or time.perf_counter() > deadline:
            return run, time.perf_counter()
        time.sleep(POLL_S)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=int(os.environ.get("PROMPTBANK_BENCH_LATENCY_MS", "1000")))
    parser.add_argument("--runs", type=int, default=1, help="runs of the suite, one after the other (first: cold)")
    args = parser.parse_args()
    at_once = chunks_at_once()
    env = {
        "PROMPTBANK_RATE_LIMITS": "off",
        "PROMPTBANK_LOCAL_SCHEDULES": "off",
        "PROMPTBANK_EGRESS": os.environ.get("PROMPTBANK_EGRESS", "loopback"),
    }
    lines: list[str] = []
    with (
        FakeProviderServer() as fake,
        LocalRuntime(env=env) as runtime,
        httpx.Client(base_url=runtime.base_url, timeout=120) as client,
    ):
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        session = client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "B"})
        headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
        reply = client.put(
            "/v1/provider-keys/deepseek",
            headers=headers,
            json={"api_key": "sk-bench-0123456789", "base_url": fake.deepseek_base},
        )
        assert reply.status_code == 200, reply.text
        prompt = client.post("/v1/prompts", headers=headers, json={"name": "Bench", "content": "Say {{text}}"})
        assert prompt.status_code == 201, prompt.text  # created published: `production` is version 1
        cases = [{"inputs": {"text": f"case {n}"}, "expected_output": f"case {n}"} for n in range(args.cases)]
        suite = client.post(
            "/v1/eval-suites",
            headers=headers,
            json={"name": "Bench", "prompt_ref": prompt.json()["id"], "model": "deepseek-chat", "test_cases": cases},
        )
        assert suite.status_code == 201, suite.text
        fake.set_latency(args.latency_ms)
        for n in range(args.runs):
            before = len(fake.requests)
            start = time.perf_counter()
            started = client.post(f"/v1/eval-suites/{suite.json()['id']}/runs", headers=headers)
            assert started.status_code == 202, started.text
            run, seen = wait_for(client, headers, started.json()["id"])
            wall = seen - start
            calls = len(fake.requests) - before
            ideal = args.latency_ms / 1000 * math.ceil(args.cases / (at_once * CHUNK_CONCURRENCY))
            summary = run.get("summary") or {}
            lines.append(
                f"run {n + 1} ({'cold' if n == 0 else 'warm'} workers): {run['status']}, "
                f"wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.2f}; "
                f"done {run['done_cases']}/{run['total_cases']} cases, passed {summary.get('passed_tests')}, "
                f"provider calls {calls}"
            )
        fake.set_latency(0)
    chunks = math.ceil(args.cases / CHUNK_CASES)
    print(
        f"{args.cases} cases, {args.latency_ms} ms per call: {chunks} chunks of {CHUNK_CASES}, "
        f"{at_once} chunks at once x {CHUNK_CONCURRENCY} cases each"
    )
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
