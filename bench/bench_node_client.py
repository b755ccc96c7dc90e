"""The TypeScript client's size and its cache (issue 13, "Measure"; informative only).

    (a) the packed size of @promptbank/client: `npm pack` of sdk/node (goal: under 30 kB), and its unpacked size;
    (b) what compile() costs through the client against a local runtime (`python -m local`): uncached, every call
        a GET /v1/prompts/{ref}/compiled over HTTP, against a cache hit (a fresh entry: no request), and the
        same hit for getPrompt, timed by sdk/node/bench/cache_hit.mjs in one Node process.

    python bench/bench_node_client.py [--requests 200] [--hits 20000]

Needs node and npm (runs `npm ci` in sdk/node when node_modules is missing). Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from local.testing import LocalRuntime  # noqa: E402

SDK = ROOT / "sdk" / "node"
GOAL_BYTES = 30_000


def npm(*args: str) -> str:
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_audit": "false", "npm_config_fund": "false"}
    result = subprocess.run(["npm", *args], cwd=SDK, env=env, capture_output=True, text=True, check=True, timeout=600)
    return result.stdout


def packed() -> tuple[int, int, int]:
    """(packed bytes, unpacked bytes, files) of the tarball `npm pack` makes (its `prepare` builds dist/ first)."""
    with tempfile.TemporaryDirectory() as tmp:
        npm("pack", "--pack-destination", tmp)
        (tarball,) = Path(tmp).glob("promptbank-client-*.tgz")
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
        return tarball.stat().st_size, sum(m.size for m in members), len(members)


def prepare(client: httpx.Client) -> tuple[str, str]:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    session = client.post("/v1/auth/register", json={"email": email, "password": "password1", "name": "B"})
    headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
    key = client.post("/v1/keys", headers=headers, json={"name": "bench"}).json()["raw_key"]
    prompt = client.post("/v1/prompts", headers=headers, json={"name": "Greeting", "content": "Hello {{name}}!"})
    return key, prompt.json()["slug"]


def cache_costs(requests: int, hits: int) -> dict[str, float]:
    env = {"PROMPTBANK_RATE_LIMITS": "off", "PROMPTBANK_LOCAL_SCHEDULES": "off",
           "PROMPTBANK_EGRESS": os.environ.get("PROMPTBANK_EGRESS", "loopback")}
    with LocalRuntime(env=env) as runtime, httpx.Client(base_url=runtime.base_url, timeout=60) as client:
        key, slug = prepare(client)
        node_env = {**os.environ, "PROMPTBANK_BASE_URL": runtime.base_url, "PROMPTBANK_API_KEY": key,
                    "PROMPT": slug, "REQUESTS": str(requests), "HITS": str(hits)}
        result = subprocess.run(["node", "bench/cache_hit.mjs"], cwd=SDK, env=node_env, capture_output=True,
                                text=True, check=True, timeout=600)
    costs: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="uncached compiles, over 5 rounds")
    parser.add_argument("--hits", type=int, default=20_000, help="cache hits per round")
    args = parser.parse_args()
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("node and npm are not on PATH: nothing to measure")
        return 0
    if not (SDK / "node_modules").is_dir():
        npm("ci")
    size, unpacked, files = packed()
    print(f"{'@promptbank/client tarball':34} {size / 1000:8.1f} kB packed ({size / GOAL_BYTES:.2f} x the 30 kB goal), "
          f"{unpacked / 1000:.1f} kB unpacked, {files} files")
    costs = cache_costs(args.requests, args.hits)
    uncached = costs["uncached_us"]
    print(f"{'compile() through the client':34} {'us/call':>8} {'uncached / this':>16}")
    for name, key in [("uncached (GET .../compiled)", "uncached_us"), ("compile() cache hit", "hit_us"),
                      ("getPrompt() cache hit", "prompt_hit_us")]:
        print(f"{name:34} {costs[key]:8.1f} {uncached / costs[key]:16.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
