"""Compiled delivery handler time per request, warm and in process (issue 9, "Measure"): GET
/v1/prompts/{ref}/compiled served by its Lambda handler inside moto, its one DynamoDB read served from memory
after the first (in Lambda that read is a few milliseconds whatever the code does), timed as process CPU time
so that other work on the machine moves the numbers less.

The handler serves `Compiled` as pre-serialised bytes (the frozen shape; the model documents it). The ratio
compares it with the same handler made to go through the pydantic model (validate + dump) on every request,
which is what typed outputs would cost on this path: goal <= 1.05 for what is served.

Before and after typed outputs, measured with this script run from a worktree of commit 3cfd711 (the served
rows only) and from HEAD, three interleaved runs of 5 rounds each, on the 2-core machine that wrote this:
before 430/459/447 us (median 447), after 460/424/426 us (median 426): ratio 0.95, within noise. The machine's
absolute numbers move by ±30% with its load, so compare runs made side by side, never against a number here.

    python bench/bench_delivery.py [--requests N] [--rounds N]

Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from local.testing import HandlerInvoker, load_event, mocked_aws  # noqa: E402

OWNER = "11111111-1111-4111-8111-111111111111"


def measure(serve: Callable[[dict[str, Any]], Any], event: dict[str, Any], n: int) -> float:
    """CPU microseconds per request."""
    events = [copy.deepcopy(event) for _ in range(n)]
    start = time.process_time()
    for e in events:
        serve(e)
    return (time.process_time() - start) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    with mocked_aws() as stack:
        import warnings

        from promptbank.auth.principal import Principal
        from promptbank.prompts.models import Compiled, PromptCreate
        from promptbank.prompts.service import PromptService
        from promptbank.store.prompts import PromptStore

        warnings.simplefilter("ignore")
        owner = Principal(user_id=OWNER, credential="session", environment="development", access="full", plan="free")
        prompt = PromptService().create(
            owner,
            PromptCreate(
                name="Greeting",
                content="Hello {{customer|text:20}}! " * 20,
                system_prompt="Be kind to {{customer|text:20}}.",
                model_config={"model": "gpt-4o"},
            ),
        )
        prompt_id = prompt.id
        read, memo = PromptStore.label_by_id, {}

        def label_by_id(self: PromptStore, ref: str, label: str) -> Any:
            if (ref, label) not in memo:
                memo[(ref, label)] = read(self, ref, label)
            return copy.deepcopy(memo[(ref, label)])

        PromptStore.label_by_id = label_by_id  # type: ignore[method-assign]
        invoke = HandlerInvoker(stack.stack)
        event = load_event("GetCompiledFunction")
        event["path"] = f"/v1/prompts/{prompt_id}/compiled"
        event["pathParameters"] = {"ref": prompt_id}
        event["requestContext"]["authorizer"]["user_id"] = OWNER

        def served(e: dict[str, Any]) -> Any:
            return invoke("GetCompiledFunction", e)

        def through_model(e: dict[str, Any]) -> Any:
            response = invoke("GetCompiledFunction", e)
            body = Compiled.model_validate(json.loads(response["body"])).model_dump(by_alias=True)
            response["body"] = json.dumps(body, ensure_ascii=False)
            return response

        assert served(copy.deepcopy(event))["statusCode"] == 200
        for _ in range(100):  # warm: imports, caches, the first slow moto calls
            served(copy.deepcopy(event))
        rows: dict[str, list[float]] = {"served (pre-serialised)": [], "+ pydantic validate and dump": []}
        for _ in range(args.rounds):
            rows["served (pre-serialised)"].append(measure(served, event, args.requests))
            rows["+ pydantic validate and dump"].append(measure(through_model, event, args.requests))
    base = statistics.median(rows["served (pre-serialised)"])
    print(f"{'GET /v1/prompts/{ref}/compiled':40} {'CPU us/req':>11} {'ratio':>7}")
    for name, samples in rows.items():
        median = statistics.median(samples)
        print(f"{name:40} {median:11.0f} {median / base:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
