"""Run-service overhead: RunService.call (route, key, limit, call, record) vs a bare httpx post to the fake server.

    python bench/bench_runs.py [--quick]

The storage sides (run store, AI-limit counter, key lookup) are in-memory stand-ins, so this measures
promptbank's own per-call work on top of the HTTP exchange, not DynamoDB's latency (a deployed run adds
about three DynamoDB round trips: the key read, the limit update and the run put). Iterations alternate
between the two sides so that drift hits both. Prints medians, p90s and the ratio (goal <= 1.5). Measures,
never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "shared", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import httpx  # noqa: E402
from tests.fakes.fake_provider import FakeProviderServer  # noqa: E402

from promptbank.auth.principal import Principal  # noqa: E402
from promptbank.limits import AiLimiter  # noqa: E402
from promptbank.provider_keys.service import ProviderCredentials  # noqa: E402
from promptbank.providers import ChatMessage, close_client  # noqa: E402
from promptbank.runs.service import Call, RunService  # noqa: E402
from promptbank.store.runs import run_item  # noqa: E402

GOAL = 1.5
KEY = "sk-bench-0123456789"
MESSAGES = [
    ChatMessage("system", "You are a concise assistant."),
    ChatMessage("user", "Summarise the plot of Hamlet in two sentences, please."),
]


class MemoryRuns:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_run(self, record: Any) -> None:
        self.items.append(run_item(record))


class MemoryLimit:
    def count(self, user_id: str, window: int) -> int:
        return 0

    def try_add(self, user_id: str, window: int, cap: int, expires_at: int) -> tuple[bool, int]:
        return True, 0


class StaticKeys:
    def __init__(self, base_url: str) -> None:
        self.credentials = ProviderCredentials("openai", KEY, base_url, "user")

    def resolve_key(self, user_id: str, provider: str) -> ProviderCredentials:
        return self.credentials


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a few seconds)")
    args = parser.parse_args()
    iterations = 300 if args.quick else 2000
    warmup = 30 if args.quick else 200
    principal = Principal("u-bench", "session", "development", "full", "free")

    with FakeProviderServer() as fake:
        runs = MemoryRuns()
        service = RunService(
            runs=runs,  # type: ignore[arg-type]
            keys=StaticKeys(fake.openai_base),  # type: ignore[arg-type]
            limiter=AiLimiter(MemoryLimit(), enabled=lambda: True),  # type: ignore[arg-type]
        )
        call = Call(source="chat", model="gpt-4o-mini", messages=MESSAGES, temperature=0.7, max_tokens=256)
        url = fake.openai_base + "/chat/completions"
        body = {"model": "gpt-4o-mini", "messages": [{"role": m.role, "content": m.content} for m in MESSAGES],
                "temperature": 0.7, "max_tokens": 256}
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client() as bare:
            service_times: list[float] = []
            bare_times: list[float] = []
            for i in range(warmup + iterations):
                started = time.perf_counter()
                service.call(principal, call)
                middle = time.perf_counter()
                bare.post(url, json=body, headers=headers).json()
                ended = time.perf_counter()
                if i >= warmup:
                    service_times.append(middle - started)
                    bare_times.append(ended - middle)
        close_client()

    service_median = statistics.median(service_times) * 1e6
    bare_median = statistics.median(bare_times) * 1e6
    ratio = service_median / bare_median
    print(f"iterations: {iterations} (after {warmup} warm-up), runs recorded: {len(runs.items)}")
    print(f"RunService.call : median {service_median:8.0f} us   p90 {percentile(service_times, 0.9) * 1e6:8.0f} us")
    print(f"bare httpx post : median {bare_median:8.0f} us   p90 {percentile(bare_times, 0.9) * 1e6:8.0f} us")
    print(f"ratio service/bare: {ratio:.2f} (goal <= {GOAL}) {'OK' if ratio <= GOAL else 'over goal'}")


if __name__ == "__main__":
    main()
