"""`promptbank push` of unchanged files: requests made and wall time (issue 12, "Measure"; goal: no writes).

Through `python -m local` over HTTP: a user with N prompts (200 by default) pulls them with the CLI, then pushes
with nothing changed. Both commands run in process (typer's CliRunner) with every HTTP request the client sends
counted at httpx's transport, and the push once more as the installed console script in a subprocess, whose wall
time includes starting Python and importing the CLI (what a CI step pays).

A push compares each file's SHA-256 with the one recorded at pull (<dir>/.promptbank.json) and sends nothing for
an unchanged file, so the expected count is 0 requests, 0 writes; the wall time is reading and hashing N files
(the client, and its connection pool, is made only when a file has to be sent).

Measured on the 2-core machine that wrote this, shared with other test runs: pull 202 requests (2 list pages, 200
downloads, 0 writes) in 36-45 s (the local runtime answers one request at a time, ~0.2 s each under that load);
push with nothing changed 0 requests, 0 writes, 127 ms in process; 2.3-3.5 s as a subprocess, nearly all of it
importing the package (its generated pydantic models take ~1.5 s to build). Compare runs made side by side, never
against a number here.

    python bench/bench_cli_push.py [--prompts N]

Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

import promptbank_client.cli as cli  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from local.testing import LocalRuntime  # noqa: E402

PROMPTBANK = Path(sys.executable).parent / "promptbank"


class Counted:
    """Counts every request httpx's blocking transport sends, by method, while installed."""

    def __init__(self) -> None:
        self.methods: Counter[str] = Counter()
        original = httpx.HTTPTransport.handle_request

        def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            self.methods[request.method] += 1
            return original(transport, request)

        self._patch = mock.patch.object(httpx.HTTPTransport, "handle_request", handle_request)

    def __enter__(self) -> Counted:
        self._patch.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._patch.stop()

    def describe(self) -> str:
        total = sum(self.methods.values())
        writes = sum(n for method, n in self.methods.items() if method not in ("GET", "HEAD"))
        by_method = ", ".join(f"{method} {n}" for method, n in sorted(self.methods.items())) or "none"
        return f"{total} requests ({by_method}), {writes} writes"


def invoke(env: dict[str, str], *args: str) -> tuple[Any, float, Counted]:
    apart: dict[str, Any] = {"mix_stderr": False}  # click 8.1: keep stderr apart (8.2 always does)
    try:
        runner = CliRunner(**apart)
    except TypeError:
        runner = CliRunner()
    with Counted() as counted:
        start = time.perf_counter()
        result = runner.invoke(cli.app, list(args), env=env, catch_exceptions=False)
        wall = time.perf_counter() - start
    assert result.exit_code == 0, result.stderr
    return result, wall, counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=200)
    args = parser.parse_args()
    env = {
        "PROMPTBANK_RATE_LIMITS": "off",
        "PROMPTBANK_LOCAL_SCHEDULES": "off",
        "PROMPTBANK_EGRESS": os.environ.get("PROMPTBANK_EGRESS", "loopback"),
    }
    with (
        LocalRuntime(env=env) as runtime,
        httpx.Client(base_url=runtime.base_url, timeout=60) as client,
        tempfile.TemporaryDirectory(prefix="promptbank-bench-cli-") as work,
    ):
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        session = client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "B"})
        headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
        key = client.post("/v1/keys", headers=headers, json={"name": "bench"}).json()["raw_key"]
        for n in range(args.prompts):
            body = {"name": f"Bench {n}", "content": f"Prompt {n}: answer {{{{question}}}} briefly.\n",
                    "tags": ["bench"], "model_config": {"temperature": 0.2}}
            reply = client.post("/v1/prompts", headers=headers, json=body)
            assert reply.status_code == 201, reply.text
        cli_env = {
            "PROMPTBANK_BASE_URL": runtime.base_url,
            "PROMPTBANK_API_KEY": key,
            "PROMPTBANK_CONFIG": str(Path(work) / "config.json"),
        }
        directory = str(Path(work) / "prompts")
        _, pull_wall, pull_counted = invoke(cli_env, "pull", "--dir", directory)
        files = len(list(Path(directory).glob("*.md")))
        _, push_wall, push_counted = invoke(cli_env, "push", "--dir", directory)
        start = time.perf_counter()
        process = subprocess.run(
            [str(PROMPTBANK), "push", "--dir", directory], env={**os.environ, **cli_env},
            capture_output=True, text=True, timeout=600,
        )
        process_wall = time.perf_counter() - start
        assert process.returncode == 0, process.stderr
    print(f"{args.prompts} prompts; pull wrote {files} files: {pull_counted.describe()}, wall {pull_wall:.2f} s")
    print(f"push, nothing changed, in process: {push_counted.describe()}, wall {push_wall * 1000:.1f} ms")
    print(f"push, nothing changed, `promptbank` subprocess (Python start and imports included): wall "
          f"{process_wall * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
