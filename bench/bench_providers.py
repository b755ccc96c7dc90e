"""Provider call overhead: promptbank.providers vs a bare httpx post, against the in-process fake server.

    python bench/bench_providers.py [--quick]

Both sides send the same JSON to the same URL on 127.0.0.1 (the fake server at 0 ms latency), in one
warm process with a pooled connection each; iterations alternate between them so drift hits both.
Prints the medians and the ratio provider/bare (goal <= 1.5). Measures, never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "shared", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import httpx  # noqa: E402
from tests.fakes.fake_provider import FakeProviderServer  # noqa: E402

from promptbank.providers import ChatMessage, ChatRequest, close_client, deadline_after, get_provider  # noqa: E402
from promptbank.providers.openai import chat_body  # noqa: E402

GOAL = 1.5
KEY = "sk-bench-0123456789"
REQUEST = ChatRequest(
    model="gpt-4o-mini",
    messages=[
        ChatMessage("system", "You are a concise assistant."),
        ChatMessage("user", "Summarise the plot of Hamlet in two sentences, please."),
    ],
    temperature=0.7,
    max_tokens=256,
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer iterations (under 10 s)")
    parser.add_argument("--iterations", type=int, default=None)
    args = parser.parse_args()
    iterations = args.iterations or (400 if args.quick else 3000)
    warmup = 50 if args.quick else 200

    with FakeProviderServer() as fake:
        provider = get_provider("openai", api_key=KEY, base_url=fake.openai_base)
        url = fake.openai_base + "/chat/completions"
        body = chat_body("openai", REQUEST)
        headers = {"Authorization": f"Bearer {KEY}"}
        bare_client = httpx.Client(trust_env=False)

        def bare() -> None:
            response = bare_client.post(url, json=body, headers=headers)
            response.raise_for_status()
            response.json()

        def ours() -> None:
            provider.chat(REQUEST, deadline=deadline_after())

        for _ in range(warmup):
            bare()
            ours()
        fake.reset()

        bare_times: list[float] = []
        ours_times: list[float] = []
        clock = time.perf_counter
        started = clock()
        for i in range(iterations):
            order = (
                ((bare, bare_times), (ours, ours_times))
                if i % 2
                else ((ours, ours_times), (bare, bare_times))
            )
            for call, times in order:
                t0 = clock()
                call()
                times.append(clock() - t0)
        wall = clock() - started
        bare_client.close()
        close_client()
        received = fake.request_count

    bare_median = statistics.median(bare_times)
    ours_median = statistics.median(ours_times)
    ratio = ours_median / bare_median
    print(f"provider call overhead, {iterations} iterations each, {received} requests served, {wall:.1f} s")
    for label, times, median in (
        ("bare httpx.Client.post", bare_times, bare_median),
        ("get_provider(...).chat", ours_times, ours_median),
    ):
        print(f"  {label:<24} median {median * 1e6:8.1f} us   p90 {percentile(times, 0.9) * 1e6:8.1f} us")
    print(f"  overhead per call        {(ours_median - bare_median) * 1e6:+8.1f} us")
    verdict = "within" if ratio <= GOAL else "OVER"
    print(f"  ratio provider/bare      {ratio:.3f}   (goal <= {GOAL}: {verdict})")


if __name__ == "__main__":
    main()
