import assert from "node:assert/strict";
import { test } from "node:test";

import { APIConnectionError, BadRequestError, InternalServerError, RateLimitError } from "../dist/index.js";
import { TestClient, compiled, envelope, json, mockFetch, refused } from "./helpers.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ok = () => json(200, { status: "ok", version: "0.1.0" });

test("429, 500, 502, 503 and 504 are retried, then the answer is returned", async () => {
  for (const status of [429, 500, 502, 503, 504]) {
    const { fetch, calls } = mockFetch([envelope(status, "X", "x"), ok()]);
    const client = new TestClient({ fetch });
    assert.deepEqual(await client.health(), { status: "ok", version: "0.1.0" });
    assert.equal(calls.length, 2, `status ${status}`);
    assert.equal(client.sleeps.length, 1);
  }
});

test("connection errors are retried max_retries times, then raised", async () => {
  const { fetch, calls } = mockFetch([refused]);
  const client = new TestClient({ fetch });
  await assert.rejects(client.health(), APIConnectionError);
  assert.equal(calls.length, 3); // the default maxRetries is 2
  assert.equal(client.sleeps.length, 2);
});

test("the last error is raised when every attempt fails", async () => {
  const { fetch, calls } = mockFetch([envelope(503, "UNAVAILABLE", "down")]);
  const client = new TestClient({ fetch, maxRetries: 3 });
  const error = await client.health().catch((e) => e);
  assert.ok(error instanceof InternalServerError);
  assert.equal(error.code, "UNAVAILABLE");
  assert.equal(calls.length, 4);
});

test("other 4xx are not retried", async () => {
  for (const status of [400, 401, 403, 404, 409, 412, 413]) {
    const { fetch, calls } = mockFetch([envelope(status, "X", "x"), ok()]);
    const client = new TestClient({ fetch });
    await assert.rejects(client.health());
    assert.equal(calls.length, 1, `status ${status}`);
    assert.deepEqual(client.sleeps, []);
  }
});

test("backoff: min(8, 0.5 * 2**n) seconds times a jitter factor in [0.75, 1]", async () => {
  const { fetch } = mockFetch([envelope(503, "X", "x")]);
  const low = new TestClient({ fetch, maxRetries: 6 });
  low.random = () => 0;
  await assert.rejects(low.health(), InternalServerError);
  assert.deepEqual(low.sleeps, [375, 750, 1500, 3000, 6000, 6000]);
  const high = new TestClient({ fetch, maxRetries: 6 });
  high.random = () => 0.999999;
  await assert.rejects(high.health(), InternalServerError);
  const expected = [500, 1000, 2000, 4000, 8000, 8000];
  high.sleeps.forEach((ms, n) => assert.ok(Math.abs(ms - expected[n]) < 0.01, `${ms} vs ${expected[n]}`));
  const random = new TestClient({ fetch, maxRetries: 6 });
  await assert.rejects(random.health(), InternalServerError);
  random.sleeps.forEach((ms, n) => assert.ok(ms >= expected[n] * 0.75 && ms <= expected[n], `${n}: ${ms}`));
});

test("Retry-After in seconds is waited instead of the backoff", async () => {
  const { fetch, calls } = mockFetch([envelope(429, "RATE_LIMITED", "slow", { headers: { "retry-after": "3" } }), ok()]);
  const client = new TestClient({ fetch });
  await client.health();
  assert.equal(calls.length, 2);
  assert.deepEqual(client.sleeps, [3000]);
});

test("Retry-After as an HTTP date is waited until that time", async () => {
  const client = new TestClient();
  const when = new Date(client.clock + 10_000).toUTCString();
  const { fetch } = mockFetch([envelope(503, "X", "x", { headers: { "retry-after": when } }), ok()]);
  const dated = new TestClient({ fetch });
  dated.clock = client.clock;
  await dated.health();
  assert.equal(dated.sleeps.length, 1);
  assert.ok(dated.sleeps[0] > 9_000 && dated.sleeps[0] <= 10_000, String(dated.sleeps[0]));
});

test("a Retry-After over 60 s is not waited for: the error is raised at once", async () => {
  const { fetch, calls } = mockFetch([envelope(429, "QUOTA_EXCEEDED", "q", { headers: { "retry-after": "3600" } }), ok()]);
  const client = new TestClient({ fetch });
  const error = await client.health().catch((e) => e);
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.code, "QUOTA_EXCEEDED");
  assert.equal(error.retryAfter, 3600);
  assert.equal(calls.length, 1);
  assert.deepEqual(client.sleeps, []);
});

test("a Retry-After of exactly 60 s is waited for", async () => {
  const { fetch, calls } = mockFetch([envelope(503, "X", "x", { headers: { "retry-after": "60" } }), ok()]);
  const client = new TestClient({ fetch });
  await client.health();
  assert.equal(calls.length, 2);
  assert.deepEqual(client.sleeps, [60_000]);
});

test("maxRetries 0 makes one attempt; a call may set its own", async () => {
  const { fetch, calls } = mockFetch([envelope(429, "RATE_LIMITED", "slow")]);
  const client = new TestClient({ fetch, maxRetries: 0 });
  await assert.rejects(client.health(), RateLimitError);
  assert.equal(calls.length, 1);
  await assert.rejects(client.health({ maxRetries: 1 }), RateLimitError);
  assert.equal(calls.length, 3);
});

test("every POST carries an Idempotency-Key, the same on each retry of a call, new for the next call", async () => {
  const created = { id: "p1", slug: "s", name: "n" };
  const { fetch, calls } = mockFetch([refused, envelope(502, "X", "x"), json(201, created), json(201, created)]);
  const client = new TestClient({ fetch });
  assert.deepEqual(await client.createPrompt({ name: "n", content: "c" }), created);
  assert.equal(calls.length, 3);
  const keys = calls.map((call) => call.headers.get("idempotency-key"));
  assert.match(keys[0], UUID);
  assert.deepEqual(new Set(keys).size, 1);
  assert.deepEqual(calls[2].body, { name: "n", content: "c" });
  await client.createPrompt({ name: "n", content: "c" });
  assert.match(calls[3].headers.get("idempotency-key"), UUID);
  assert.notEqual(calls[3].headers.get("idempotency-key"), keys[0]);
});

test("the caller's own Idempotency-Key is sent; GET and DELETE carry none", async () => {
  const { fetch, calls } = mockFetch([json(200, {}), new Response(null, { status: 204 }), ok()]);
  const client = new TestClient({ fetch });
  await client.run("greeting", { variables: { name: "Ada" } }, { idempotencyKey: "order-42" });
  assert.equal(calls[0].headers.get("idempotency-key"), "order-42");
  await client.deletePrompt("greeting");
  await client.health();
  for (const call of calls.slice(1)) assert.equal(call.headers.get("idempotency-key"), null, call.method);
});

test("a PATCH with If-Match retried after a lost answer sends the same Idempotency-Key", async () => {
  // the API replays the first answer for the key, so the retry is not refused (412) for its own change
  const updated = { id: "p1", slug: "greeting", version: 2 };
  const { fetch, calls } = mockFetch([refused, json(200, updated)]);
  const client = new TestClient({ fetch });
  assert.deepEqual(await client.updatePrompt("greeting", { content: "c" }, { ifMatch: '"v1"' }), updated);
  const keys = calls.map((call) => call.headers.get("idempotency-key"));
  assert.equal(calls.length, 2);
  assert.match(keys[0], UUID);
  assert.equal(keys[1], keys[0]);
  assert.deepEqual(calls.map((call) => call.headers.get("if-match")), ['"v1"', '"v1"']);
});

test("a 400 from a compile is raised at once", async () => {
  const { fetch, calls } = mockFetch([envelope(400, "VALIDATION_ERROR", "bad"), json(200, compiled())]);
  await assert.rejects(new TestClient({ fetch }).compile("greeting", { strict: true }), BadRequestError);
  assert.equal(calls.length, 1);
});
