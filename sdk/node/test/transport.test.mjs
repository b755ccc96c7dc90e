import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { APIConnectionError, APITimeoutError, PromptbankClient, VERSION } from "../dist/index.js";
import { KEY, TestClient, compiled, json, mockFetch } from "./helpers.mjs";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const ok = () => json(200, { status: "ok", version: "1" });

/** A fetch that answers only when its request is aborted (by a timeout or the caller), with an AbortError. */
function hanging(call) {
  return new Promise((_, reject) => {
    call.signal.addEventListener("abort", () => reject(new DOMException("This operation was aborted", "AbortError")));
  });
}

async function until(condition) {
  for (let n = 0; n < 1000 && !condition(); n++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), "condition never held");
}

function withEnv(values, body) {
  const saved = {};
  for (const [name, value] of Object.entries(values)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

test("base URL and key come from PROMPTBANK_BASE_URL and PROMPTBANK_API_KEY; a stage path is kept", async () => {
  const { fetch, calls } = mockFetch([ok()]);
  const client = withEnv(
    { PROMPTBANK_BASE_URL: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/", PROMPTBANK_API_KEY: KEY },
    () => new PromptbankClient({ fetch }),
  );
  assert.equal(client.baseUrl, "https://abc.execute-api.eu-west-1.amazonaws.com/prod");
  await client.health();
  assert.equal(calls[0].url.href, "https://abc.execute-api.eu-west-1.amazonaws.com/prod/v1/health");
  assert.equal(calls[0].headers.get("authorization"), `Bearer ${KEY}`);
});

test("arguments win over the environment; the default base URL is the local runtime's", () => {
  withEnv({ PROMPTBANK_BASE_URL: "http://127.0.0.1:9/", PROMPTBANK_API_KEY: "env-key" }, () => {
    assert.equal(new PromptbankClient({ baseUrl: "http://127.0.0.1:4000" }).baseUrl, "http://127.0.0.1:4000");
  });
  withEnv({ PROMPTBANK_BASE_URL: undefined }, () => {
    assert.equal(new PromptbankClient().baseUrl, "http://127.0.0.1:3000");
  });
});

test("requests say who sends them; no key, no Authorization header", async () => {
  assert.equal(VERSION, packageJson.version);
  const { fetch, calls } = mockFetch([ok()]);
  await withEnv({ PROMPTBANK_API_KEY: undefined }, () => new PromptbankClient({ fetch })).health();
  assert.equal(calls[0].headers.get("user-agent"), `promptbank-node/${packageJson.version}`);
  assert.equal(calls[0].headers.get("x-promptbank-client"), `promptbank-node/${packageJson.version}`);
  assert.equal(calls[0].headers.get("authorization"), null);
});

test("an attempt that gets no answer in time is an APITimeoutError, which is an APIConnectionError", async () => {
  const { fetch, calls } = mockFetch(hanging);
  const client = new TestClient({ fetch, timeoutMs: 20 });
  const error = await client.health().catch((e) => e);
  assert.ok(error instanceof APITimeoutError, String(error));
  assert.ok(error instanceof APIConnectionError);
  assert.match(error.message, /timed out after 20 ms/);
  assert.equal(calls.length, 3); // timeouts are retried
  assert.ok(calls.every((call) => call.signal.aborted));
});

test("default timeouts: 5 s per attempt, 30 s for the routes that call an LLM", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const cases = [
    [(c) => c.compile("greeting"), 5_000],
    [(c) => c.getPrompt("greeting"), 5_000],
    [(c) => c.createPrompt({ name: "n", content: "c" }), 5_000],
    [(c) => c.run("greeting"), 30_000],
    [(c) => c.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }), 30_000],
    [(c) => c.enhance({ prompt: "p" }), 30_000],
    [(c) => c.evaluate({ prompt: "p", test_cases: [{ inputs: {} }] }), 30_000],
  ];
  for (const [call, timeout] of cases) {
    const { fetch, calls } = mockFetch(hanging);
    const pending = call(new TestClient({ fetch, maxRetries: 0 })).catch((e) => e);
    await until(() => calls.length === 1);
    t.mock.timers.tick(timeout - 1);
    assert.equal(calls[0].signal.aborted, false, `${call} aborted before ${timeout} ms`);
    t.mock.timers.tick(1);
    assert.ok((await pending) instanceof APITimeoutError, String(call));
  }
});

test("a timeout set on the client applies to every route; a call may set its own", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  for (const [client, call, timeout] of [
    [{ timeoutMs: 1_000 }, (c) => c.run("greeting"), 1_000],
    [{ timeoutMs: 1_000 }, (c) => c.health({ timeoutMs: 250 }), 250],
    [{}, (c) => c.run("greeting", {}, { timeoutMs: 60_000 }), 60_000],
  ]) {
    const { fetch, calls } = mockFetch(hanging);
    const pending = call(new TestClient({ fetch, maxRetries: 0, ...client })).catch((e) => e);
    await until(() => calls.length === 1);
    t.mock.timers.tick(timeout - 1);
    assert.equal(calls[0].signal.aborted, false);
    t.mock.timers.tick(1);
    assert.ok((await pending) instanceof APITimeoutError);
  }
});

test("the caller's AbortSignal aborts the call: an APIConnectionError, not retried", async () => {
  const { fetch, calls } = mockFetch(hanging);
  const controller = new AbortController();
  const pending = new TestClient({ fetch }).health({ signal: controller.signal }).catch((e) => e);
  await until(() => calls.length === 1);
  controller.abort();
  const error = await pending;
  assert.ok(error instanceof APIConnectionError);
  assert.ok(!(error instanceof APITimeoutError));
  assert.match(error.message, /aborted/);
  assert.equal(calls.length, 1);
  const already = await new TestClient({ fetch }).health({ signal: controller.signal }).catch((e) => e);
  assert.ok(already instanceof APIConnectionError);
  assert.equal(calls.length, 1);
});

test("no timer is left pending once a call has returned", async () => {
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
  const before = timers();
  const { fetch } = mockFetch([json(503, {}), ok()]);
  const client = new PromptbankClient({ baseUrl: "http://127.0.0.1:3999", fetch, maxRetries: 1 });
  await client.health();
  await client.compile("greeting").catch(() => undefined);
  assert.equal(timers(), before);
});

test("a background revalidation that never ends does not keep the process alive", () => {
  const entry = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  const script = `
    import { PromptbankClient } from ${JSON.stringify(entry)};
    const body = ${JSON.stringify(JSON.stringify(compiled()))};
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      if (calls === 1) return new Response(body, { status: 200, headers: { etag: '"etag-1"' } });
      return new Promise(() => {}); // the revalidation never gets an answer
    };
    class Client extends PromptbankClient { clock = 0; now = () => this.clock; }
    const client = new Client({ baseUrl: "http://127.0.0.1:3999", apiKey: "k", fetch, timeoutMs: 600_000 });
    await client.compile("greeting");
    client.clock += 61_000;
    const stale = await client.compile("greeting");
    console.log(JSON.stringify({ calls, text: stale.compiled_prompt }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(child.signal, null, "the process had to be killed: something kept it alive");
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { calls: 2, text: "Hello Ada!" });
});
