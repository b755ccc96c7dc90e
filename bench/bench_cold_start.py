"""Cold start per function: a fresh interpreter imports the handler and serves its sample event, against a fresh
interpreter that only imports boto3 and creates a DynamoDB client. Prints ratios (goal: <= 1.5x).

For a SnapStart function (template.yaml: `SnapStart: ApplyOn: PublishedVersions`) it also runs, in another fresh
interpreter, what Lambda does: the import and the before-snapshot hooks (the snapshot's share, paid once per
published version), then the after-restore hooks and the first request (what a restored environment pays; goal:
<= 1.2x the baseline). Ratios over their goal are printed, never asserted (docs/operations.md, "Cold starts").

Time spent waiting on the local DynamoDB (moto, whose first calls are slow) is measured apart and left out of the
ratio: in Lambda that wait is a few milliseconds.

Also prints the authorizer's DynamoDB calls per uncached request (goal: one read).

    python bench/bench_cold_start.py [--quick] [--runs N] [FunctionLogicalId ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import types
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

USER = "11111111-1111-4111-8111-111111111111"
PROMPT = "22222222-2222-4222-8222-222222222222"
QUICK = ["HealthFunction", "MeFunction", "GetCompiledFunction", "CreatePromptFunction"]
GOAL = 1.5
#: Modules a function should import only if its endpoint uses them (DESIGN.md §2): listed per function when its
#: import alone loads them (httpx: provider and webhook calls; tiktoken: token counts; yaml: the raw download).
HEAVY = ("httpx", "tiktoken", "pydantic_settings", "yaml", "aws_xray_sdk")
RESTORE_GOAL = 1.2

CHILD = r"""
import time
t0 = time.perf_counter()
import importlib.util, json, sys
HEAVY = {heavy!r}
sys.path.insert(0, {shared!r})
waited = [0.0]
if {module!r}:
    # Time spent waiting on moto stands in for DynamoDB's few milliseconds in Lambda: measured apart.
    import boto3
    boto3.setup_default_session()
    started = {{}}
    boto3.DEFAULT_SESSION.events.register("before-send.dynamodb", lambda request, **_: started.__setitem__("t", time.perf_counter()))
    def _after(**_):
        waited[0] += time.perf_counter() - started.pop("t", time.perf_counter())
    boto3.DEFAULT_SESSION.events.register("needs-retry.dynamodb", _after)
    spec = importlib.util.spec_from_file_location("handler_under_test", {module!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    heavy = [name for name in HEAVY if name in sys.modules]  # what the import alone brought in
    if {snapstart!r}:
        from snapshot_restore_py import get_after_restore, get_before_snapshot
        for hook, args, kwargs in get_before_snapshot():
            hook(*args, **kwargs)
        snapshot_at = time.perf_counter()
        for hook, args, kwargs in get_after_restore():
            hook(*args, **kwargs)
    class Context:
        function_name = "bench"; memory_limit_in_mb = 1024; aws_request_id = "bench"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        def get_remaining_time_in_millis(self): return 29000
    event = json.load(open({event!r}))
    try:
        result = module.handler(event, Context())
        status = result.get("statusCode", "policy") if isinstance(result, dict) else "?"
    except Exception as err:
        status = type(err).__name__
else:
    import boto3
    boto3.client("dynamodb")
    status = "baseline"
    heavy = []
end = time.perf_counter()
split = {{"before_snapshot": snapshot_at - t0, "restored": end - snapshot_at - waited[0]}} if {snapstart!r} else {{}}
print(json.dumps({{"seconds": end - t0 - waited[0], "waited": waited[0], "status": status, "heavy": heavy, **split}}))
"""


def child(env: dict[str, str], module: str = "", event: str = "", snapstart: bool = False) -> dict:
    code = CHILD.format(shared=str(ROOT / "shared"), module=module, event=event, snapstart=snapstart, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def seed() -> None:
    """The user and prompt the sample events name (fixed ids), through the services."""
    import promptbank.auth.service
    import promptbank.prompts.service
    from promptbank.auth.models import RegisterIn
    from promptbank.auth.principal import Principal
    from promptbank.prompts.models import PromptCreate

    def fixed(*ids: str) -> types.SimpleNamespace:
        queue = iter(uuid.UUID(i) for i in ids)
        return types.SimpleNamespace(uuid4=lambda: next(queue, None) or uuid.uuid4())

    promptbank.auth.service.uuid = fixed(USER)  # type: ignore[assignment]
    promptbank.prompts.service.uuid = fixed(PROMPT)  # type: ignore[assignment]
    promptbank.auth.service.AccountService().register(
        RegisterIn(email="owner@example.com", password="password1", name="Owner")
    )
    owner = Principal(user_id=USER, credential="session", environment="development", access="full", plan="free")
    promptbank.prompts.service.PromptService().create(
        owner,
        PromptCreate.model_validate({
            "name": "Welcome", "slug": "welcome", "content": "Hello {{customer}} about {{topic}}",
            "variables": {"topic": "x"}, "model_config": {"model": "gpt-4o"},
        }),
    )


def authorizer_reads(env: dict[str, str]) -> list[str]:
    """DynamoDB calls one uncached authorizer request makes, for a session."""
    from promptbank.auth.authorizer import authorize
    from promptbank.auth.models import RegisterIn
    from promptbank.auth.service import AccountService
    from promptbank.store.accounts import AccountStore
    from promptbank.store.base import dynamodb_client

    _, token = AccountService().register(RegisterIn(email="reads@example.com", password="password1", name="R"))
    calls: list[str] = []
    dynamodb_client().meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    authorize({"headers": {"Authorization": f"Bearer {token}"}, "methodArn": "arn:x/v1/GET/v1/auth/me"}, AccountStore())
    return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("functions", nargs="*")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    from local.lambdas import snapstart
    from local.template import Resolver, Template, functions

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": "promptbank-bench",
        "PROMPTBANK_STACK_NAME": "promptbank-local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    os.environ.update(env)
    import boto3

    from local.resources import create_table_from_template

    create_table_from_template(boto3.client("dynamodb"), ROOT / "template.yaml")
    apigw = boto3.client("apigateway")
    for plan in ("free", "pro", "team", "sessions"):
        apigw.create_usage_plan(name=f"promptbank-local-{plan}")
    os.environ["TABLE_NAME"] = env["TABLE_NAME"] = boto3.client("dynamodb").list_tables()["TableNames"][0]
    seed()

    template = Template(ROOT / "template.yaml")
    specs = functions(template, Resolver(template))
    # Destructive events (delete, revoke, logout) last, so they do not remove what later events read.
    destructive = ("Delete", "Revoke", "Logout")
    chosen = args.functions or (QUICK if args.quick else sorted(specs, key=lambda n: (n.startswith(destructive), n)))
    runs = 1 if args.quick else args.runs
    baseline = statistics.median(child(env)["seconds"] for _ in range(max(runs, 3)))
    print(f"baseline (import boto3 + DynamoDB client): {baseline * 1000:.0f} ms")
    print(f"{'function':34} {'ms':>7} {'ddb ms':>7} {'ratio':>6} {'goal':>5}  status")
    restores: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            event_file = ROOT / "events" / f"{name}.json"
            if name not in specs or not event_file.exists():
                continue
            event_path = Path(tmp) / f"{name}.json"
            event_path.write_text(event_file.read_text())
            results = [child(env, str(specs[name].module_file), str(event_path)) for _ in range(runs)]
            seconds = statistics.median(r["seconds"] for r in results)
            waited = statistics.median(r["waited"] for r in results)
            ratio = seconds / baseline
            snap = snapstart(specs[name])
            # A SnapStart function's goal is its restore's; its full init is paid once per published version.
            flag = "" if snap or ratio <= GOAL else "  over goal"
            goal = "snap" if snap else f"{GOAL:.1f}"
            heavy = ", ".join(results[-1]["heavy"])
            imports = f"  imports {heavy}" if heavy else ""
            print(
                f"{name:34} {seconds * 1000:7.0f} {waited * 1000:7.0f} {ratio:6.2f} {goal:>5}  "
                f"{results[-1]['status']}{flag}{imports}"
            )
            if snap:
                split = [child(env, str(specs[name].module_file), str(event_path), snapstart=True) for _ in range(runs)]
                before = statistics.median(r["before_snapshot"] for r in split)
                restored = statistics.median(r["restored"] for r in split)
                over = "" if restored / baseline <= RESTORE_GOAL else "  over goal"
                restores.append(
                    f"{name:34} {before * 1000:9.0f} {restored * 1000:9.0f} {restored / baseline:6.2f} "
                    f"{RESTORE_GOAL:5.1f}  {split[-1]['status']}{over}"
                )
    if restores:
        print("SnapStart: before the snapshot (import + hooks, once per version) | after a restore (hooks + first request)")
        print(f"{'function':34} {'snap ms':>9} {'restore':>9} {'ratio':>6} {'goal':>5}  status")
        print("\n".join(restores))
    print(f"authorizer DynamoDB calls per uncached request: {authorizer_reads(env)}")
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
