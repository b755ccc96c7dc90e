"""Schemathesis over every operation of the served /v1/openapi.json, against the local runtime.

    python -m tests.contract.schemathesis_run            # short, deterministic: `make test-schemathesis`
    python -m tests.contract.schemathesis_run --long     # long and random: `make test-schemathesis-long`

It starts the fake LLM provider and `python -m local` (rate limits off, every outbound call limited to
loopback), registers a user, gives it provider keys that point at the fake provider, an API key, a public
prompt with a known slug, a version label, a share link, an evaluation suite with two finished runs and a
webhook with two test deliveries, and
runs `schemathesis run` with every check (its default; see ACCEPTED) twice: once as the session (`Authorization: Bearer pbs_...`) and once as the API key (`Authorization: Bearer
pb_live_...`). Path parameters are those fixtures (schemathesis config `[parameters]`), so operations reach
real resources; operations that would destroy a fixture or the credential itself (logout, deleting the key,
the prompt, a label or a share, changing the profile or the provider keys) get fresh resources per case from
tests/contract/schemathesis_hooks.py, and deleting a suite or a webhook gets a spare one of its own. Exit status: non-zero when either run has a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx

from local.testing import LocalRuntime
from tests.fakes.fake_provider import FakeProviderServer

ROOT = Path(__file__).resolve().parents[2]
HOOKS = "tests.contract.schemathesis_hooks"
FIXTURE_SLUG = "schemathesis-fixture"
#: Where the fixture webhooks point: loopback (all the runtime's egress policy allows) and a closed port.
WEBHOOK_URL = "http://127.0.0.1:9/hook"
PROVIDERS = {  # provider -> the fake provider's base URL attribute
    "openai": "openai_base",
    "deepseek": "deepseek_base",
    "anthropic": "anthropic_base",
    "gemini": "gemini_base",
    "openai_compatible": "openai_compatible_base",
}

SHORT = {"max_examples": 10, "seed": None, "deterministic": True}  # deterministic mode uses no seed
LONG = {"max_examples": 200, "seed": None, "deterministic": False}


def _ok(response: httpx.Response, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise SystemExit(
            f"fixture request {response.request.method} {response.request.url} failed: "
            f"{response.status_code} {response.text[:500]}"
        )
    return response.json() if response.content else None


def register(client: httpx.Client, prefix: str = "st") -> dict[str, Any]:
    """A fresh user: {user, session_token, email, password}."""
    email = f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"
    password = f"pw-{uuid.uuid4().hex}"
    body = _ok(
        client.post("/v1/auth/register", json={"email": email, "password": password, "name": "Schemathesis"}), 201
    )
    return {**body, "email": email, "password": password}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_for_eval_run(client: httpx.Client, session: Mapping[str, str], run_id: str, timeout_s: float = 120) -> None:
    """Delivers what is pending (the run's chunks) until the suite run has succeeded."""
    deadline = time.monotonic() + timeout_s
    while True:
        _ok(client.post("/__local/drain"), 200)
        status = _ok(client.get(f"/v1/eval-runs/{run_id}", headers=session), 200)["status"]
        if status == "succeeded":
            return
        if status == "failed" or time.monotonic() > deadline:
            raise SystemExit(f"fixture eval run {run_id} did not succeed: {status}")
        time.sleep(0.2)


def create_fixtures(client: httpx.Client, fake: FakeProviderServer) -> dict[str, Any]:
    """The resources the path parameters point at, all owned by one user."""
    owner = register(client, "st-owner")
    session = bearer(owner["session_token"])
    for provider, attribute in PROVIDERS.items():
        _ok(
            client.put(
                f"/v1/provider-keys/{provider}",
                headers=session,
                json={"api_key": "sk-schemathesis-0123456789", "base_url": getattr(fake, attribute)},
            ),
            200,
        )
    key = _ok(client.post("/v1/keys", headers=session, json={"name": "schemathesis", "environment": "production"}), 201)
    spare_key = _ok(client.post("/v1/keys", headers=session, json={"name": "schemathesis spare"}), 201)
    username = f"st_{uuid.uuid4().hex[:12]}"
    _ok(client.patch("/v1/profile", headers=session, json={"username": username}), 200)
    prompt = _ok(
        client.post(
            "/v1/prompts",
            headers=session,
            json={
                "name": "Schemathesis fixture",
                "slug": FIXTURE_SLUG,
                "content": "Hello {{name}}, one two three.",
                "system_prompt": "Be brief.",
                "variables": {"name": "Ada"},
                "is_public": True,
                "publish": True,
                "tags": ["fixture"],
                "model_config": {"model": "deepseek-chat", "max_tokens": 50},
            },
        ),
        201,
    )
    _ok(client.patch(f"/v1/prompts/{prompt['id']}", headers=session, json={"content": "Hi {{name}}, two."}), 200)
    _ok(client.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=session, json={"version": 1}), 200)
    share = _ok(client.post(f"/v1/prompts/{prompt['id']}/shares", headers=session, json={}), 201)
    run = _ok(client.post(f"/v1/prompts/{prompt['id']}/run", headers=session, json={"variables": {"name": "Ada"}}), 200)
    # Second items, so that every listing has a next page and a real cursor to it.
    _ok(client.post("/v1/prompts", headers=session, json={"name": "Schemathesis second", "content": "Second."}), 201)
    _ok(client.post(f"/v1/prompts/{prompt['id']}/run", headers=session, json={"variables": {"name": "Bo"}}), 200)

    # An evaluation suite of the fixture prompt with two finished runs of two cases each: the suites, a suite's
    # runs and a run's results all have a next page. The spare suite is the one DELETE cases remove, so the
    # fixture suite stays for every other operation of both runs.
    cases = [{"inputs": {"name": "Ada"}, "expected_output": "Ada"}, {"inputs": {"name": "Bo"}, "expected_output": "Bo"}]
    suite_body = {"prompt_ref": prompt["id"], "label": "staging", "test_cases": cases}
    suite = _ok(client.post("/v1/eval-suites", headers=session, json={"name": "Schemathesis suite", **suite_body}), 201)
    _ok(client.post("/v1/eval-suites", headers=session, json={"name": "Schemathesis second", **suite_body}), 201)
    spare_suite = _ok(
        client.post("/v1/eval-suites", headers=session, json={"name": "Schemathesis spare", **suite_body}), 201
    )
    eval_runs = [_ok(client.post(f"/v1/eval-suites/{suite['id']}/runs", headers=session), 202) for _ in range(2)]
    for eval_run in eval_runs:
        wait_for_eval_run(client, session, eval_run["id"])

    # Webhooks of the owner (session only) at a closed loopback port: each attempt fails at once and stays
    # pending for its retries, which is all a delivery log needs. Two test deliveries give the log a second page;
    # the spare webhook is the one DELETE cases remove. They subscribe to the rarest event, so the fuzzing's own
    # changes queue few deliveries. The owner may have 20 webhooks: these are its only ones when the fuzzing
    # starts, and a full count would refuse only new ones (POST /v1/webhooks), never use these.
    hook_body = {"url": WEBHOOK_URL, "events": ["eval_run.regressed"]}
    webhook = _ok(client.post("/v1/webhooks", headers=session, json={**hook_body, "description": "Schemathesis"}), 201)
    spare_webhook = _ok(client.post("/v1/webhooks", headers=session, json=hook_body), 201)
    webhook_id = webhook["webhook"]["id"]
    deliveries = [_ok(client.post(f"/v1/webhooks/{webhook_id}/test", headers=session), 202) for _ in range(2)]

    def cursor(path: str, **params: Any) -> str:
        page = _ok(client.get(path, headers=session, params={"limit": 1, **params}), 200)
        assert page["next_cursor"], f"{path} has no second page"
        return str(page["next_cursor"])

    runs_filter = {"prompt_id": prompt["id"], "source": "run"}
    return {
        "owner": owner,
        "session_token": owner["session_token"],
        "api_key": key["raw_key"],
        "parameters": {
            "path.ref": FIXTURE_SLUG,
            "path.prompt_id": prompt["id"],
            "path.label": "staging",
            "path.n": 1,
            "path.share_id": share["id"],
            "path.token": share["token"],
            "path.run_id": run["run_id"],
            "path.key_id": spare_key["api_key"]["id"],
            "path.provider": "deepseek",
            "path.user_id": owner["user"]["id"],
            "path.username": username,
            "path.suite_id": suite["id"],
            "path.webhook_id": webhook_id,
            "path.delivery_id": deliveries[0]["id"],
        },
        # A cursor is an opaque, signed server token (like an id): a random string is rightly a 400, so each
        # listing pages with a real one. Run cursors are scoped to their filters, which are fixed with them.
        "operations": {
            "GET /v1/prompts": {"query.cursor": cursor("/v1/prompts")},
            "GET /v1/prompts/{ref}/versions": {"query.cursor": cursor(f"/v1/prompts/{prompt['id']}/versions")},
            "GET /v1/runs": {
                **{f"query.{name}": value for name, value in runs_filter.items()},
                "query.cursor": cursor("/v1/runs", **runs_filter),
            },
            "GET /v1/eval-suites": {"query.cursor": cursor("/v1/eval-suites")},
            "DELETE /v1/eval-suites/{suite_id}": {"path.suite_id": spare_suite["id"]},
            "GET /v1/eval-suites/{suite_id}/runs": {"query.cursor": cursor(f"/v1/eval-suites/{suite['id']}/runs")},
            # `path.run_id` is a prompt run's (GET /v1/runs/{run_id}); this one is a suite run's, paged by results.
            "GET /v1/eval-runs/{run_id}": {
                "path.run_id": eval_runs[0]["id"],
                "query.cursor": cursor(f"/v1/eval-runs/{eval_runs[0]['id']}"),
            },
            "DELETE /v1/webhooks/{webhook_id}": {"path.webhook_id": spare_webhook["webhook"]["id"]},
            # Scoped to the status filter as well: both deliveries stay pending while their retries are due.
            "GET /v1/webhooks/{webhook_id}/deliveries": {
                "query.status": "pending",
                "query.cursor": cursor(f"/v1/webhooks/{webhook_id}/deliveries", status="pending"),
            },
        },
    }


#: Checks turned off for one operation, each a failure accepted with its reason written in docs/decisions.md
#: ("Schemathesis may flag ..."); nothing else is excluded. Every other check runs on every operation (no
#: `--checks` option: schemathesis runs them all, and a command-line `--checks` would override these).
ACCEPTED: dict[str, tuple[str, ...]] = {
    # No schema can say that a string must parse as JSON or as base64 of JSON: `variables=000` is "valid".
    "GET /v1/prompts/{ref}/compiled": ("positive_data_acceptance",),
    "GET /v1/prompts/{ref}/download": ("positive_data_acceptance",),
    # JSON Schema cannot relate two query parameters: `from` after `to` is a 400.
    "GET /v1/runs/stats": ("positive_data_acceptance",),
    # No schema can say that a text must parse as a template, a regex compile or an object be a valid JSON
    # schema, nor which `value` kind and `threshold` each assertion type takes: all are 400s (decisions.md).
    "POST /v1/evaluate": ("positive_data_acceptance",),
    # The same for a suite's cases, and no schema can say that a text is a schedule expression or an IANA zone.
    "POST /v1/eval-suites": ("positive_data_acceptance",),
    "PATCH /v1/eval-suites/{suite_id}": ("positive_data_acceptance",),
    # No schema can say that a URL's host resolves to public addresses (loopback only, under this run's egress).
    "POST /v1/webhooks": ("positive_data_acceptance",),
    "PATCH /v1/webhooks/{webhook_id}": ("positive_data_acceptance",),
}
#: schemathesis' default statuses for a refused invalid request, and 413: a body over 1 MiB is refused before it
#: is read, whatever else is wrong with the request (docs/decisions.md).
NEGATIVE_DATA_REJECTED = ("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx")


def toml_value(value: Any) -> str:
    return json.dumps(value)  # a JSON string or number is a TOML basic string or integer


def auth_config(document: Mapping[str, Any], credential: str, token: str) -> dict[str, dict[str, str]]:
    """schemathesis `[auth.openapi.<scheme>]` for each security scheme of the served document that this
    credential fits: HTTP bearer always; the `X-API-Key` header for an API key; the cookie for a session."""
    config: dict[str, dict[str, str]] = {}
    for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer":
            config[name] = {"bearer": token}
        elif scheme.get("type") == "apiKey" and (scheme.get("in") == "cookie") == (credential == "session"):
            config[name] = {"api_key": token}
    return config


def write_config(
    path: Path,
    parameters: Mapping[str, Any],
    operations: Mapping[str, Mapping[str, Any]],
    auth: Mapping[str, Mapping[str, str]],
) -> None:
    lines = [f"hooks = {toml_value(HOOKS)}", "", "[parameters]"]
    lines += [f"{toml_value(name)} = {toml_value(value)}" for name, value in parameters.items()]
    statuses = ", ".join(toml_value(status) for status in NEGATIVE_DATA_REJECTED)
    lines += ["", "[checks.negative_data_rejection]", f"expected-statuses = [{statuses}]"]
    for operation in sorted(set(operations) | set(ACCEPTED)):
        lines += ["", "[[operations]]", f"include-name = {toml_value(operation)}"]
        values = operations.get(operation)
        if values:
            inline = ", ".join(f"{toml_value(name)} = {toml_value(value)}" for name, value in values.items())
            lines += [f"parameters = {{ {inline} }}"]
        for check in ACCEPTED.get(operation, ()):
            lines += [f"checks.{check}.enabled = false"]
    for scheme, values in auth.items():
        lines += ["", f"[auth.openapi.{toml_value(scheme)}]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def start_schemathesis(
    base_url: str,
    config: Path,
    credential: str,
    token: str,
    options: Mapping[str, Any],
    report_dir: Path,
    env: Mapping[str, str],
) -> subprocess.Popen[bytes]:
    """`schemathesis run` in the background, its output in <report_dir>/<credential>.log."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/v1/openapi.json",
        "--url",
        base_url,
        "--max-examples",
        str(options["max_examples"]),
        "--workers",
        "1",
        "--request-timeout",
        "60",  # a loaded CI machine is slow, not broken: the default 10 s made a listing a "network error"
        "--report",
        "junit",
        "--report-dir",
        str(report_dir / credential),
        "--no-color",
    ]
    if options["seed"] is not None:
        command += ["--seed", str(options["seed"])]
    # deterministic: the same cases every run (it implies no example database); otherwise none is kept either
    command += ["--generation-deterministic"] if options["deterministic"] else ["--generation-database", "none"]
    print(f"== schemathesis as the {credential}: {' '.join(command[2:])}", flush=True)
    with open(report_dir / f"{credential}.log", "wb") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "PB_ST_CREDENTIAL": credential, "PB_ST_TOKEN": token, "COLUMNS": "120"},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _grouped_failures(report_dir: Path, credentials: list[str]) -> list[str]:
    """One line per (check, operation) that failed, with the credentials it failed with (from the JUnit files)."""
    found: dict[tuple[str, str], set[str]] = {}
    for credential in credentials:
        for junit in sorted((report_dir / credential).glob("junit*.xml")):
            for case in ElementTree.parse(junit).getroot().iter("testcase"):
                for failure in [*case.findall("failure"), *case.findall("error")]:
                    text = f"{failure.text or ''}\n{failure.get('message') or ''}"
                    for check in set(re.findall(r"ST\d{3} [^\n]*|Network Error", text)) or {"error"}:
                        found.setdefault((check.strip(), case.get("name") or "?"), set()).add(credential)
    return [f"{check:42} {operation:44} {', '.join(sorted(c))}" for (check, operation), c in sorted(found.items())]


def _summary(log: Path) -> str:
    """The run's own counts: operations tested, cases generated, failures."""
    text = log.read_text(encoding="utf-8", errors="replace")
    tested = re.search(r"Tested: (\d+)", text)
    cases = re.search(r"(\d+) generated(?:, (\d+) found (\d+) unique failures?)?", text)
    if not (tested and cases):
        return "no summary (see the log above)"
    failures = cases.group(3) or "0"
    return f"{tested.group(1)} operations, {cases.group(1)} cases, {failures} failures"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="many random examples (make test-slow)")
    parser.add_argument("--max-examples", type=int, help="examples per operation (default 10, or 200 with --long)")
    parser.add_argument(
        "--credential",
        choices=("session", "api-key"),
        action="append",
        help="run with this credential only (default: both)",
    )
    parser.add_argument("--report-dir", type=Path, help="where the JUnit reports go (default: a temporary dir)")
    args = parser.parse_args(argv)
    options = dict(LONG if args.long else SHORT)
    if args.max_examples:
        options["max_examples"] = args.max_examples
    os.environ["PROMPTBANK_EGRESS"] = "loopback"  # whatever the shell set: nothing leaves this machine
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the runtime and the fake provider are stopped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    report_dir = args.report_dir or Path(tempfile.mkdtemp(prefix="promptbank-schemathesis-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    with (
        FakeProviderServer() as fake,
        LocalRuntime(
            env={
                "PROMPTBANK_EGRESS": "loopback",
                "PROMPTBANK_RATE_LIMITS": "off",
                "PROMPTBANK_LOCAL_SCHEDULES": "off",
                **fake.env(),
            }
        ) as runtime,
        httpx.Client(base_url=runtime.base_url, timeout=60) as client,
    ):
        fixtures = create_fixtures(client, fake)
        document = _ok(client.get("/v1/openapi.json"), 200)
        env = {
            **os.environ,
            "PB_ST_BASE_URL": runtime.base_url,
            "PB_ST_OWNER_SESSION": fixtures["session_token"],
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        tokens = {"session": fixtures["session_token"], "api-key": fixtures["api_key"]}
        # Both runs at once (on two cores the runtime and the generators overlap); each has its own log.
        started, runs = time.monotonic(), {}
        for credential in args.credential or ["session", "api-key"]:
            config = report_dir / f"schemathesis-{credential}.toml"  # holds the run's credentials: a temporary dir
            write_config(
                config,
                fixtures["parameters"],
                fixtures["operations"],
                auth_config(document, credential, tokens[credential]),
            )
            runs[credential] = start_schemathesis(
                runtime.base_url, config, credential, tokens[credential], options, report_dir, env
            )
        try:
            codes = {credential: process.wait() for credential, process in runs.items()}
        finally:  # interrupted (Ctrl-C, SIGTERM): no run outlives the runtime it tests
            for process in runs.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        for credential, code in codes.items():
            print(f"== schemathesis as the {credential}: exit {code}", flush=True)
            sys.stdout.write((report_dir / f"{credential}.log").read_text(encoding="utf-8", errors="replace"))
        print(f"== both runs took {time.monotonic() - started:.0f}s", flush=True)
        for credential, code in codes.items():
            summary = _summary(report_dir / f"{credential}.log")
            print(f"== {credential}: {'passed' if code == 0 else 'FAILED'}: {summary}", flush=True)
        grouped = _grouped_failures(report_dir, list(runs))
        if grouped:
            print("== failures by check and operation:", *grouped, sep="\n", flush=True)
        (report_dir / "runtime-stderr.log").write_text(runtime.stderr(), encoding="utf-8")
        print(f"reports, logs and the runtime's stderr in {report_dir}", flush=True)
    return 1 if any(codes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
