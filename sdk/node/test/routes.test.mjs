import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { TestClient, json, mockFetch } from "./helpers.mjs";

const openapi = JSON.parse(readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8"));
const page = { data: [], next_cursor: null };
const catalogue = { data: [], total: 0, page: 1, page_size: 18, total_pages: 0 };

async function drain(iterator) {
  for await (const _ of iterator); // eslint-disable-line no-unused-vars
}

/** [the call, its HTTP method, the OpenAPI path it must hit, the concrete path, the body or query it must send]. */
const ROUTES = [
  [(c) => c.docsPage(), "GET", "/docs", "/docs"],
  [(c) => c.llmsTxt(), "GET", "/llms.txt", "/llms.txt"],
  [(c) => c.sharePage("tok"), "GET", "/share/{token}", "/share/tok"],
  [(c) => c.login({ email: "a@b.c", password: "p" }), "POST", "/v1/auth/login", "/v1/auth/login", { body: { email: "a@b.c", password: "p" } }],
  [(c) => c.logout(), "POST", "/v1/auth/logout", "/v1/auth/logout"],
  [(c) => c.me(), "GET", "/v1/auth/me", "/v1/auth/me"],
  [(c) => c.register({ email: "a@b.c", password: "password1", name: "A" }), "POST", "/v1/auth/register", "/v1/auth/register", { body: { email: "a@b.c", password: "password1", name: "A" } }],
  [(c) => c.chat({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }), "POST", "/v1/chat", "/v1/chat", { body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] } }],
  [(c) => c.enhance({ prompt: "p" }), "POST", "/v1/enhance", "/v1/enhance", { body: { prompt: "p" } }],
  [(c) => c.getEvalRun("r1", { limit: 5 }), "GET", "/v1/eval-runs/{run_id}", "/v1/eval-runs/r1", { query: { limit: "5" } }],
  [(c) => drain(c.listSuites({ limit: 5 })), "GET", "/v1/eval-suites", "/v1/eval-suites", { query: { limit: "5" } }],
  [(c) => c.createSuite({ name: "s", prompt_ref: "p", test_cases: [{ inputs: {} }] }), "POST", "/v1/eval-suites", "/v1/eval-suites", { body: { name: "s", prompt_ref: "p", test_cases: [{ inputs: {} }] } }],
  [(c) => c.deleteSuite("s1"), "DELETE", "/v1/eval-suites/{suite_id}", "/v1/eval-suites/s1"],
  [(c) => c.getSuite("s1"), "GET", "/v1/eval-suites/{suite_id}", "/v1/eval-suites/s1"],
  [(c) => c.updateSuite("s1", { name: "t" }), "PATCH", "/v1/eval-suites/{suite_id}", "/v1/eval-suites/s1", { body: { name: "t" } }],
  [(c) => drain(c.listSuiteRuns("s1")), "GET", "/v1/eval-suites/{suite_id}/runs", "/v1/eval-suites/s1/runs"],
  [(c) => c.startSuiteRun("s1"), "POST", "/v1/eval-suites/{suite_id}/runs", "/v1/eval-suites/s1/runs"],
  [(c) => c.evaluate({ prompt: "p", test_cases: [{ inputs: {} }] }), "POST", "/v1/evaluate", "/v1/evaluate", { body: { prompt: "p", test_cases: [{ inputs: {} }] } }],
  [(c) => c.health(), "GET", "/v1/health", "/v1/health"],
  [(c) => drain(c.listKeys()), "GET", "/v1/keys", "/v1/keys"],
  [(c) => c.createKey({ name: "ci", access: "read" }), "POST", "/v1/keys", "/v1/keys", { body: { name: "ci", access: "read" } }],
  [(c) => c.revokeKey("k1"), "DELETE", "/v1/keys/{key_id}", "/v1/keys/k1"],
  [(c) => drain(c.listModels()), "GET", "/v1/models", "/v1/models"],
  [(c) => c.openapi(), "GET", "/v1/openapi.json", "/v1/openapi.json"],
  [(c) => c.getProfile(), "GET", "/v1/profile", "/v1/profile"],
  [(c) => c.updateProfile({ bio: "b" }), "PATCH", "/v1/profile", "/v1/profile", { body: { bio: "b" } }],
  [(c) => drain(c.listPrompts({ category: "c" })), "GET", "/v1/prompts", "/v1/prompts", { query: { category: "c" } }],
  [(c) => c.createPrompt({ name: "n", content: "c" }), "POST", "/v1/prompts", "/v1/prompts", { body: { name: "n", content: "c" } }],
  [(c) => c.deletePrompt("p/1"), "DELETE", "/v1/prompts/{ref}", "/v1/prompts/p%2F1"],
  [(c) => c.getPrompt("p1", { version: 2 }), "GET", "/v1/prompts/{ref}", "/v1/prompts/p1", { query: { version: "2" } }],
  [(c) => c.updatePrompt("p1", { content: "x" }, { ifMatch: "e1" }), "PATCH", "/v1/prompts/{ref}", "/v1/prompts/p1", { body: { content: "x" }, headers: { "if-match": '"e1"' } }],
  [(c) => c.compile("p1", { variables: { v: "x".repeat(700) } }), "POST", "/v1/prompts/{ref}/compile", "/v1/prompts/p1/compile", { body: { variables: { v: "x".repeat(700) }, strict: false } }],
  [(c) => c.compile("p1", { label: "staging" }), "GET", "/v1/prompts/{ref}/compiled", "/v1/prompts/p1/compiled", { query: { label: "staging" } }],
  [(c) => c.download("p1", { format: "compiled", variables: { name: "Zoë" } }), "GET", "/v1/prompts/{ref}/download", "/v1/prompts/p1/download", { query: { format: "compiled", variables: Buffer.from('{"name":"Zoë"}').toString("base64") } }],
  [(c) => c.deleteLabel("p1", "staging"), "DELETE", "/v1/prompts/{ref}/labels/{label}", "/v1/prompts/p1/labels/staging"],
  [(c) => c.setLabel("p1", "staging", 2), "PUT", "/v1/prompts/{ref}/labels/{label}", "/v1/prompts/p1/labels/staging", { body: { version: 2 } }],
  [(c) => c.publish("p1", { version: 2 }), "POST", "/v1/prompts/{ref}/publish", "/v1/prompts/p1/publish", { body: { version: 2 } }],
  [(c) => c.run("p1", { variables: { name: "Ada" }, query: "q" }), "POST", "/v1/prompts/{ref}/run", "/v1/prompts/p1/run", { body: { variables: { name: "Ada" }, query: "q" } }],
  [(c) => drain(c.listPromptShares("p1")), "GET", "/v1/prompts/{ref}/shares", "/v1/prompts/p1/shares"],
  [(c) => c.createShare("p1", { expires_in_hours: 2 }), "POST", "/v1/prompts/{ref}/shares", "/v1/prompts/p1/shares", { body: { expires_in_hours: 2 } }],
  [(c) => c.revokeShare("p1", "sh1"), "DELETE", "/v1/prompts/{ref}/shares/{share_id}", "/v1/prompts/p1/shares/sh1"],
  [(c) => c.updateShare("p1", "sh1", { prefilled_variables: { a: "b" } }), "PATCH", "/v1/prompts/{ref}/shares/{share_id}", "/v1/prompts/p1/shares/sh1", { body: { prefilled_variables: { a: "b" } } }],
  [(c) => drain(c.listVersions("p1")), "GET", "/v1/prompts/{ref}/versions", "/v1/prompts/p1/versions"],
  [(c) => c.getVersion("p1", 3), "GET", "/v1/prompts/{ref}/versions/{n}", "/v1/prompts/p1/versions/3"],
  [(c) => drain(c.listProviderKeys()), "GET", "/v1/provider-keys", "/v1/provider-keys"],
  [(c) => c.deleteProviderKey("openai"), "DELETE", "/v1/provider-keys/{provider}", "/v1/provider-keys/openai"],
  [(c) => c.setProviderKey("openai", { api_key: "sk-0123456789" }), "PUT", "/v1/provider-keys/{provider}", "/v1/provider-keys/openai", { body: { api_key: "sk-0123456789" } }],
  [(c) => drain(c.listPublicPrompts({ tag: "t" })), "GET", "/v1/public/prompts", "/v1/public/prompts", { query: { tag: "t", page: "1" } }],
  [(c) => c.getPublicPrompt("p1"), "GET", "/v1/public/prompts/{prompt_id}", "/v1/public/prompts/p1"],
  [(c) => drain(c.listRuns({ source: "chat" })), "GET", "/v1/runs", "/v1/runs", { query: { source: "chat" } }],
  [(c) => c.getRunStats({ from: "2026-01-01" }), "GET", "/v1/runs/stats", "/v1/runs/stats", { query: { from: "2026-01-01" } }],
  [(c) => c.getRun("r1"), "GET", "/v1/runs/{run_id}", "/v1/runs/r1"],
  [(c) => drain(c.listShares({ prompt_id: "p1" })), "GET", "/v1/shares", "/v1/shares", { query: { prompt_id: "p1" } }],
  [(c) => c.resolveShare("tok"), "GET", "/v1/shares/{token}", "/v1/shares/tok"],
  [(c) => c.compileShare("tok", { variables: { a: 1 } }), "POST", "/v1/shares/{token}/compile", "/v1/shares/tok/compile", { body: { variables: { a: 1 } } }],
  [(c) => c.countTokens({ prompt: "hi", model: "gpt-4o" }), "GET", "/v1/token-count", "/v1/token-count", { query: { prompt: "hi", model: "gpt-4o" } }],
  [(c) => c.countTokens({ prompt: "x".repeat(3000), model: "gpt-4o" }), "POST", "/v1/token-count", "/v1/token-count", { body: { prompt: "x".repeat(3000), model: "gpt-4o" } }],
  [(c) => c.getUserByUsername("ada"), "GET", "/v1/u/{username}", "/v1/u/ada"],
  [(c) => c.getUser("u1"), "GET", "/v1/users/{user_id}", "/v1/users/u1"],
  [(c) => drain(c.listWebhooks()), "GET", "/v1/webhooks", "/v1/webhooks"],
  [(c) => c.createWebhook({ url: "https://example.com/h", events: ["prompt.created"] }), "POST", "/v1/webhooks", "/v1/webhooks", { body: { url: "https://example.com/h", events: ["prompt.created"] } }],
  [(c) => c.deleteWebhook("w1"), "DELETE", "/v1/webhooks/{webhook_id}", "/v1/webhooks/w1"],
  [(c) => c.getWebhook("w1"), "GET", "/v1/webhooks/{webhook_id}", "/v1/webhooks/w1"],
  [(c) => c.updateWebhook("w1", { enabled: false }), "PATCH", "/v1/webhooks/{webhook_id}", "/v1/webhooks/w1", { body: { enabled: false } }],
  [(c) => drain(c.listDeliveries("w1", { status: "failed" })), "GET", "/v1/webhooks/{webhook_id}/deliveries", "/v1/webhooks/w1/deliveries", { query: { status: "failed" } }],
  [(c) => c.retryDelivery("w1", "d1"), "POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", "/v1/webhooks/w1/deliveries/d1/retry"],
  [(c) => c.rotateWebhookSecret("w1"), "POST", "/v1/webhooks/{webhook_id}/rotate-secret", "/v1/webhooks/w1/rotate-secret"],
  [(c) => c.testWebhook("w1"), "POST", "/v1/webhooks/{webhook_id}/test", "/v1/webhooks/w1/test"],
];

test("every operation of docs/openapi.json has a client method", () => {
  const documented = [];
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      if (item[method]) documented.push(`${method.toUpperCase()} ${path}`);
    }
  }
  const covered = new Set(ROUTES.map(([, method, path]) => `${method} ${path}`));
  assert.deepEqual(documented.filter((operation) => !covered.has(operation)), []);
  assert.deepEqual([...covered].filter((operation) => !documented.includes(operation)), []);
});

test("each method sends its route's method, path, body and query", async () => {
  for (const [call, method, , path, expected = {}] of ROUTES) {
    const { fetch, calls } = mockFetch((request) => {
      if (request.path === "/v1/public/prompts") return json(200, catalogue);
      if (request.method === "DELETE" || request.path.endsWith("/logout")) return new Response(null, { status: 204 });
      if (request.path.startsWith("/v1/eval-runs/")) return json(200, { results: [], next_cursor: null });
      if (["/docs", "/llms.txt"].includes(request.path) || request.path.startsWith("/share/")) return new Response("text");
      if (request.path.endsWith("/download")) return new Response("# md");
      return json(200, request.method === "GET" ? page : { etag: "e" });
    });
    await call(new TestClient({ fetch }));
    const label = `${method} ${path}`;
    assert.equal(calls.length, 1, label);
    assert.equal(calls[0].method, method, label);
    assert.equal(calls[0].url.pathname, path, label);
    if (expected.body) assert.deepEqual(calls[0].body, expected.body, label);
    else assert.equal(calls[0].body, undefined, label);
    assert.deepEqual(calls[0].query, expected.query ?? {}, label);
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      assert.equal(calls[0].headers.get(name), value, label);
    }
  }
});

test("text routes return the body as text", async () => {
  const { fetch } = mockFetch([new Response("# promptbank\n", { headers: { "content-type": "text/plain" } })]);
  assert.equal(await new TestClient({ fetch }).llmsTxt(), "# promptbank\n");
});
