"""The TypeScript client, @promptbank/client (issue 13, "Done when"), as a user gets it: `npm pack` of sdk/node,
the tarball installed into an empty project, and a plain Node ESM script using it against the local runtime.

The script compiles a prompt and gets it from the cache on the second call (a counting `fetch` proves no second
request), revalidates stale entries with If-None-Match (304) and sees an updated prompt (200), gets a
NotFoundError with status, code and requestId, an APIConnectionError from a dead port, a fallback result with
`is_fallback: true`, and iterates every prompt with listPrompts across pages. It prints JSON; the test asserts.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.testing import LocalRuntime

SDK = Path(__file__).resolve().parents[2] / "sdk" / "node"
PROMPTS = 12
PAGE = 5

SCRIPT = r"""
import { APIConnectionError, APIStatusError, NotFoundError, PromptbankClient, PromptbankError, VERSION }
  from "@promptbank/client";

const requests = [];
const counting = async (url, init) => {
  const response = await fetch(url, init);
  const { pathname } = new URL(url);
  requests.push({ method: init.method, path: pathname, status: response.status,
                  ifNoneMatch: new Headers(init.headers).get("if-none-match") });
  return response;
};
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const failure = (error) => ({
  class: error.constructor.name, promptbank: error instanceof PromptbankError,
  connection: error instanceof APIConnectionError, notFound: error instanceof NotFoundError,
  statusError: error instanceof APIStatusError, status: error.status ?? null, code: error.code ?? null,
  requestId: error.requestId ?? null, message: error.message,
});
const out = { version: VERSION };
const prefix = process.env.PREFIX;
const client = new PromptbankClient({ fetch: counting }); // PROMPTBANK_BASE_URL, PROMPTBANK_API_KEY

for (let n = 0; n < Number(process.env.PROMPTS); n++) {
  await client.createPrompt({ name: `Greeting ${n}`, slug: `${prefix}-${n}`, content: `Hello {{name}}! (${n})` });
}
const slug = `${prefix}-0`;

let before = requests.length;
const first = await client.compile(slug, { variables: { name: "Ada" } });
out.first = { text: first.compiled_prompt, is_fallback: first.is_fallback, requests: requests.length - before };
before = requests.length;
const second = await client.compile(slug, { variables: { name: "Ada" } });
out.second = { text: second.compiled_prompt, is_fallback: second.is_fallback, requests: requests.length - before };
before = requests.length;
const prompt = await client.getPrompt(slug);
await client.getPrompt(slug);
out.prompt = { content: prompt.content, version: prompt.version, is_fallback: prompt.is_fallback,
               requests: requests.length - before };

// A client whose entries go stale at once: each call returns the cached value and revalidates it.
const eager = new PromptbankClient({ fetch: counting, cacheTtlSeconds: 0.001 });
before = requests.length;
await eager.compile(slug, { variables: { name: "Ada" } });
await eager.getPrompt(slug);
await pause(5);
await eager.compile(slug, { variables: { name: "Ada" } });
await eager.getPrompt(slug);
await eager.settled();
out.revalidated = requests.slice(before);
await client.updatePrompt(slug, { content: "Hi {{name}}!" });
await pause(5);
const stale = await eager.compile(slug, { variables: { name: "Ada" } });
await eager.settled();
const fresh = await eager.compile(slug, { variables: { name: "Ada" } });
await eager.settled();
out.updated = { stale: stale.compiled_prompt, fresh: fresh.compiled_prompt, version: fresh.version };

try {
  await client.getPrompt(`${prefix}-missing`);
  out.notFound = null;
} catch (error) {
  out.notFound = failure(error);
}

const dead = new PromptbankClient({ baseUrl: process.env.DEAD_URL, maxRetries: 0 });
try {
  await dead.health();
  out.dead = null;
} catch (error) {
  out.dead = failure(error);
}
const fallback = await dead.compile(slug, { variables: { name: "Ada" }, fallback: "Hello, whoever you are!" });
out.fallback = { text: fallback.compiled_prompt, is_fallback: fallback.is_fallback, slug: fallback.slug };

before = requests.length;
const slugs = [];
for await (const summary of client.listPrompts({ limit: Number(process.env.PAGE) })) slugs.push(summary.slug);
out.list = { slugs, pages: requests.slice(before).filter((r) => r.path === "/v1/prompts").length };

console.log(JSON.stringify(out));
"""


ROUTES_SCRIPT = r"""
import { AuthenticationError, PromptbankClient } from "@promptbank/client";

// A session token as the credential: the session-only routes (keys, webhooks, logout) work too.
const client = new PromptbankClient();
const all = async (iterator) => { const items = []; for await (const item of iterator) items.push(item); return items; };
const slug = process.env.PREFIX;
const out = {};
out.health = (await client.health()).status;
out.me = (await client.me()).email;
out.llms = (await client.llmsTxt()).length > 0;
out.openapi = (await client.openapi()).openapi;
out.models = (await all(client.listModels())).length > 0;
out.keys = (await all(client.listKeys())).map((key) => key.name);
const created = await client.createPrompt({ name: "Routes", slug, content: "Dear {{name}}," });
await client.updatePrompt(slug, { content: "Dear {{name}}!" }, { ifMatch: created.etag });
out.versions = (await all(client.listVersions(slug, { limit: 1 }))).map((v) => v.version);
out.version1 = (await client.getVersion(slug, 1)).content;
out.staging = (await client.setLabel(slug, "staging", 1)).labels.staging;
out.stagingCompiled = (await client.compile(slug, { label: "staging", variables: { name: "Bo" } })).compiled_prompt;
await client.deleteLabel(slug, "staging");
out.published = (await client.publish(slug, { version: 1 })).published_version;
out.download = await client.download(slug, { format: "compiled", label: "latest", variables: { name: "Zoë" } });
const share = await client.createShare(slug, { prefilled_variables: { name: "Cy" } });
out.shares = (await all(client.listPromptShares(slug))).length;
out.resolved = (await client.resolveShare(share.token)).prefilled_variables;
out.shareCompiled = (await client.compileShare(share.token, {})).compiled_prompt;
out.sharePage = (await client.sharePage(share.token)).includes("<html");
out.tokens = (await client.countTokens({ prompt: "hello world", model: "gpt-4o" })).token_count;
const hook = await client.createWebhook({ url: process.env.HOOK_URL, events: ["prompt.created"] });
out.secret = hook.secret.startsWith("whsec_");
out.webhooks = (await all(client.listWebhooks())).map((w) => w.url);
out.rotated = (await client.rotateWebhookSecret(hook.webhook.id)).secret !== hook.secret;
await client.deleteWebhook(hook.webhook.id);
await client.deletePrompt(slug);
await client.logout();
try {
  await client.me();
  out.afterLogout = null;
} catch (error) {
  out.afterLogout = error instanceof AuthenticationError ? error.status : String(error);
}
console.log(JSON.stringify(out));
"""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def npm_env() -> dict[str, str]:
    """npm without its update check, audit or funding calls: installing a local tarball needs no registry."""
    return {**os.environ, "npm_config_update_notifier": "false", "npm_config_audit": "false",
            "npm_config_fund": "false"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty ESM project with the packed tarball installed, as a user of the package would have it."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("node and npm are needed for the TypeScript client")
    if not (SDK / "node_modules").is_dir():
        run([npm, "ci"], SDK, npm_env())
    packed = tmp_path_factory.mktemp("npm-pack")
    run([npm, "pack", "--pack-destination", str(packed)], SDK, npm_env())  # `prepare` builds dist/ first
    (tarball,) = packed.glob("promptbank-client-*.tgz")
    project = tmp_path_factory.mktemp("node-project")
    (project / "package.json").write_text(json.dumps({"name": "uses-promptbank", "private": True, "type": "module"}))
    run([npm, "install", "--offline", str(tarball)], project, npm_env())
    return project


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_plain_node_script_uses_the_packed_client(
    installed: Path, runtime: LocalRuntime, api: httpx.Client, new_user: Callable[..., dict[str, Any]]
) -> None:
    user = new_user()
    created = api.post("/v1/keys", headers=user["headers"], json={"name": "node client"})
    assert created.status_code == 201, created.text
    prefix = f"node-{uuid.uuid4().hex[:8]}"
    (installed / "use.mjs").write_text(SCRIPT)
    env = {**os.environ, "PROMPTBANK_BASE_URL": runtime.base_url, "PROMPTBANK_API_KEY": created.json()["raw_key"],
           "DEAD_URL": f"http://127.0.0.1:{closed_port()}", "PREFIX": prefix, "PROMPTS": str(PROMPTS),
           "PAGE": str(PAGE)}
    out = json.loads(run(["node", "use.mjs"], installed, env).strip().splitlines()[-1])

    assert out["version"] == json.loads((SDK / "package.json").read_text())["version"]
    assert out["first"] == {"text": "Hello Ada! (0)", "is_fallback": False, "requests": 1}
    assert out["second"] == {"text": "Hello Ada! (0)", "is_fallback": False, "requests": 0}
    assert out["prompt"] == {"content": "Hello {{name}}! (0)", "version": 1, "is_fallback": False, "requests": 1}

    # the stale client: one fetch each, then a revalidation each with the ETag, answered 304 by the API
    first_compile, first_get, *revalidations = out["revalidated"]
    assert (first_compile["path"], first_compile["status"], first_compile["ifNoneMatch"]) == (
        f"/v1/prompts/{prefix}-0/compiled", 200, None)
    assert (first_get["path"], first_get["status"], first_get["ifNoneMatch"]) == (f"/v1/prompts/{prefix}-0", 200, None)
    assert sorted((r["path"], r["status"]) for r in revalidations) == [
        (f"/v1/prompts/{prefix}-0", 304), (f"/v1/prompts/{prefix}-0/compiled", 304)]
    assert all(r["ifNoneMatch"] and r["ifNoneMatch"].startswith('"') for r in revalidations)
    # after an update the stale value is served once while the revalidation's 200 replaces it
    assert out["updated"] == {"stale": "Hello Ada! (0)", "fresh": "Hi Ada!", "version": 2}

    not_found = out["notFound"]
    assert not_found["class"] == "NotFoundError" and not_found["notFound"] and not_found["statusError"]
    assert not_found["promptbank"] and not not_found["connection"]
    assert not_found["status"] == 404 and not_found["code"] == "NOT_FOUND"
    assert not_found["requestId"]

    dead = out["dead"]
    assert dead["class"] == "APIConnectionError" and dead["connection"] and dead["promptbank"]
    assert not dead["statusError"] and dead["status"] is None
    assert out["fallback"] == {"text": "Hello, whoever you are!", "is_fallback": True, "slug": f"{prefix}-0"}

    expected = {f"{prefix}-{n}" for n in range(PROMPTS)}
    assert sorted(out["list"]["slugs"]) == sorted(expected)  # every prompt once, none twice
    assert out["list"]["pages"] == -(-PROMPTS // PAGE)


def test_the_packed_client_reaches_the_other_route_families_with_a_session(
    installed: Path, runtime: LocalRuntime, new_user: Callable[..., dict[str, Any]]
) -> None:
    user = new_user()
    slug = f"routes-{uuid.uuid4().hex[:8]}"
    hook = f"http://127.0.0.1:{closed_port()}/hook"
    (installed / "routes.mjs").write_text(ROUTES_SCRIPT)
    env = {**os.environ, "PROMPTBANK_BASE_URL": runtime.base_url, "PROMPTBANK_API_KEY": user["session_token"],
           "PREFIX": slug, "HOOK_URL": hook}
    out = json.loads(run(["node", "routes.mjs"], installed, env).strip().splitlines()[-1])

    assert out["health"] == "ok" and out["me"] == user["email"]
    assert out["llms"] and out["openapi"].startswith("3.1") and out["models"]
    assert out["keys"] == []
    assert out["versions"] == [2, 1]  # newest first, one per page
    assert out["version1"] == "Dear {{name}},"
    assert out["staging"] == 1 and out["stagingCompiled"] == "Dear Bo,"
    assert out["published"] == 1
    assert out["download"] == "Dear Zoë!"
    assert out["shares"] == 1 and out["resolved"] == {"name": "Cy"}
    assert out["shareCompiled"] == "Dear Cy,"
    assert out["sharePage"]
    assert out["tokens"] == 2
    assert out["secret"] and out["rotated"] and out["webhooks"] == [hook]
    assert out["afterLogout"] == 401
