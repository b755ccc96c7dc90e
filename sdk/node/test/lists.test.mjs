import assert from "node:assert/strict";
import { test } from "node:test";

import { NotFoundError } from "../dist/index.js";
import { TestClient, envelope, json, mockFetch } from "./helpers.mjs";

function paged(items, size) {
  return (call) => {
    const start = call.query.cursor ? Number(call.query.cursor.slice(1)) : 0;
    const next = start + size < items.length ? `c${start + size}` : null;
    return json(200, { data: items.slice(start, start + size), next_cursor: next });
  };
}

async function all(iterator) {
  const items = [];
  for await (const item of iterator) items.push(item);
  return items;
}

test("listPrompts follows next_cursor through every page, keeping the filters", async () => {
  const prompts = Array.from({ length: 7 }, (_, n) => ({ id: `p${n}`, slug: `s${n}` }));
  const { fetch, calls } = mockFetch(paged(prompts, 3));
  const client = new TestClient({ fetch });
  const items = await all(client.listPrompts({ q: "s", tag: "t", limit: 3 }));
  assert.deepEqual(items.map((p) => p.id), prompts.map((p) => p.id));
  assert.equal(calls.length, 3);
  assert.deepEqual(calls.map((c) => c.query), [
    { q: "s", tag: "t", limit: "3" },
    { q: "s", tag: "t", limit: "3", cursor: "c3" },
    { q: "s", tag: "t", limit: "3", cursor: "c6" },
  ]);
  assert.ok(calls.every((c) => c.path === "/v1/prompts" && c.method === "GET"));
});

test("a list is fetched lazily: breaking out early asks for no further page", async () => {
  const { fetch, calls } = mockFetch(paged(Array.from({ length: 10 }, (_, n) => ({ id: n })), 2));
  const client = new TestClient({ fetch });
  for await (const item of client.listRuns({ limit: 2 })) {
    if (item.id === 2) break;
  }
  assert.equal(calls.length, 2);
  assert.equal(calls[0].path, "/v1/runs");
});

test("an empty list yields nothing after one request", async () => {
  const { fetch, calls } = mockFetch([json(200, { data: [], next_cursor: null })]);
  assert.deepEqual(await all(new TestClient({ fetch }).listWebhooks()), []);
  assert.equal(calls.length, 1);
});

test("every cursor-paged list follows next_cursor on its own path", async () => {
  const routes = [
    ["listVersions", ["my-prompt"], "/v1/prompts/my-prompt/versions"],
    ["listSuites", [], "/v1/eval-suites"],
    ["listSuiteRuns", ["suite-1"], "/v1/eval-suites/suite-1/runs"],
    ["listKeys", [], "/v1/keys"],
    ["listProviderKeys", [], "/v1/provider-keys"],
    ["listWebhooks", [], "/v1/webhooks"],
    ["listDeliveries", ["wh-1", { status: "failed" }], "/v1/webhooks/wh-1/deliveries"],
    ["listModels", [], "/v1/models"],
    ["listPromptShares", ["my-prompt"], "/v1/prompts/my-prompt/shares"],
    ["listShares", [{ prompt_id: "p1" }], "/v1/shares"],
  ];
  for (const [method, args, path] of routes) {
    const { fetch, calls } = mockFetch(paged([{ id: 1 }, { id: 2 }, { id: 3 }], 2));
    const items = await all(new TestClient({ fetch })[method](...args));
    assert.deepEqual(items, [{ id: 1 }, { id: 2 }, { id: 3 }], method);
    assert.deepEqual(calls.map((c) => c.path), [path, path], method);
    assert.equal(calls[1].query.cursor, "c2", method);
  }
});

test("an error on a later page is raised from the iterator", async () => {
  const { fetch } = mockFetch([
    json(200, { data: [{ id: 1 }], next_cursor: "c1" }),
    envelope(404, "NOT_FOUND", "gone"),
  ]);
  const seen = [];
  await assert.rejects(async () => {
    for await (const item of new TestClient({ fetch }).listPrompts()) seen.push(item);
  }, NotFoundError);
  assert.deepEqual(seen, [{ id: 1 }]);
});

test("listPublicPrompts walks the catalogue's numbered pages", async () => {
  const { fetch, calls } = mockFetch((call) => {
    const page = Number(call.query.page);
    return json(200, { data: [{ id: `pub${page}` }], total: 3, page, page_size: 18, total_pages: 3 });
  });
  const items = await all(new TestClient({ fetch }).listPublicPrompts({ q: "email", sort: "oldest" }));
  assert.deepEqual(items.map((p) => p.id), ["pub1", "pub2", "pub3"]);
  assert.deepEqual(calls.map((c) => c.query), [1, 2, 3].map((page) => ({ q: "email", sort: "oldest", page: String(page) })));
});

test("listEvalRunResults pages through a run's case results", async () => {
  const { fetch, calls } = mockFetch((call) =>
    json(200, {
      id: "run-1",
      results: call.query.cursor ? [{ test_case_id: "3" }] : [{ test_case_id: "1" }, { test_case_id: "2" }],
      next_cursor: call.query.cursor ? null : "r2",
    }),
  );
  const results = await all(new TestClient({ fetch }).listEvalRunResults("run-1"));
  assert.deepEqual(results.map((r) => r.test_case_id), ["1", "2", "3"]);
  assert.equal(calls[0].path, "/v1/eval-runs/run-1");
  assert.deepEqual(calls.map((c) => c.query.cursor), [undefined, "r2"]);
});
