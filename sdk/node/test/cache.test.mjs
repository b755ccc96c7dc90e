import assert from "node:assert/strict";
import { test } from "node:test";

import { APIConnectionError, AuthenticationError, NotFoundError } from "../dist/index.js";
import {
  TestClient,
  compiled,
  deferred,
  envelope,
  json,
  mockFetch,
  prompt,
  refused,
} from "./helpers.mjs";

const withEtag = (body) => json(200, body, { etag: `"${body.etag}"` });
const notModified = () => new Response(null, { status: 304, headers: { etag: '"etag-1"' } });

test("a fresh entry is returned with no request, as a copy the caller may change", async () => {
  const { fetch, calls } = mockFetch([withEtag(compiled())]);
  const client = new TestClient({ fetch });
  const first = await client.compile("greeting", { variables: { name: "Ada" } });
  assert.equal(first.compiled_prompt, "Hello Ada!");
  assert.equal(first.is_fallback, false);
  first.compiled_prompt = "changed by the caller";
  client.advance(59);
  const second = await client.compile("greeting", { variables: { name: "Ada" } });
  assert.equal(second.compiled_prompt, "Hello Ada!");
  assert.equal(second.is_fallback, false);
  assert.equal(calls.length, 1);
});

test("compile sends the compiled GET with compact JSON variables, label, version and strict", async () => {
  const { fetch, calls } = mockFetch([withEtag(compiled())]);
  await new TestClient({ fetch }).compile("my prompt", {
    variables: { z: 1, name: "Ada", tags: ["a", "b"] },
    label: "staging",
    version: 3,
    strict: true,
  });
  assert.equal(calls[0].method, "GET");
  assert.equal(calls[0].path, "/v1/prompts/my%20prompt/compiled");
  assert.deepEqual(calls[0].query, {
    variables: '{"name":"Ada","tags":["a","b"],"z":1}',
    label: "staging",
    version: "3",
    strict: "true",
  });
  assert.equal(calls[0].headers.get("if-none-match"), null);
});

test("the key is ref, label or version, variables (in any key order) and strict", async () => {
  const { fetch, calls } = mockFetch((call) => withEtag(compiled({ compiled_prompt: call.url.search })));
  const client = new TestClient({ fetch });
  await client.compile("greeting", { variables: { a: "1", b: "2" } });
  await client.compile("greeting", { variables: { b: "2", a: "1" } });
  assert.equal(calls.length, 1);
  await client.compile("greeting", { variables: { a: "1", b: "3" } });
  await client.compile("greeting", { variables: { a: "1", b: "2" }, strict: true });
  await client.compile("greeting", { variables: { a: "1", b: "2" }, label: "staging" });
  await client.compile("greeting", { variables: { a: "1", b: "2" }, version: 2 });
  await client.compile("other", { variables: { a: "1", b: "2" } });
  await client.getPrompt("greeting");
  assert.equal(calls.length, 7);
});

test("cacheTtlSeconds 0 turns the cache off", async () => {
  const { fetch, calls } = mockFetch([withEtag(compiled())]);
  const client = new TestClient({ fetch, cacheTtlSeconds: 0 });
  await client.compile("greeting");
  await client.compile("greeting");
  await client.getPrompt("greeting");
  await client.getPrompt("greeting");
  assert.equal(calls.length, 4);
});

test("a stale entry is returned at once and revalidated with If-None-Match; a 304 renews it", async () => {
  const { fetch, calls } = mockFetch([withEtag(prompt()), notModified()]);
  const client = new TestClient({ fetch });
  await client.getPrompt("greeting", { label: "production" });
  assert.deepEqual(calls[0].query, { label: "production" });
  client.advance(61);
  const stale = await client.getPrompt("greeting", { label: "production" });
  assert.equal(stale.content, "Hello {{name}}!");
  assert.equal(stale.is_fallback, false);
  await client.settled();
  assert.equal(calls.length, 2);
  assert.equal(calls[1].path, "/v1/prompts/greeting");
  assert.equal(calls[1].headers.get("if-none-match"), '"etag-1"');
  client.advance(59); // 120 s after the first fetch, 59 s after the renewal
  await client.getPrompt("greeting", { label: "production" });
  await client.settled();
  assert.equal(calls.length, 2);
});

test("a 200 on revalidation replaces the entry", async () => {
  const { fetch, calls } = mockFetch([
    withEtag(compiled()),
    withEtag(compiled({ compiled_prompt: "Hi Ada!", version: 2, etag: "etag-2" })),
  ]);
  const client = new TestClient({ fetch });
  await client.compile("greeting", { variables: { name: "Ada" } });
  client.advance(60);
  assert.equal((await client.compile("greeting", { variables: { name: "Ada" } })).compiled_prompt, "Hello Ada!");
  await client.settled();
  assert.equal(calls[1].headers.get("if-none-match"), '"etag-1"');
  const renewed = await client.compile("greeting", { variables: { name: "Ada" } });
  assert.equal(renewed.compiled_prompt, "Hi Ada!");
  assert.equal(renewed.version, 2);
  assert.equal(calls.length, 2);
  client.advance(61);
  await client.compile("greeting", { variables: { name: "Ada" } });
  await client.settled();
  assert.equal(calls[2].headers.get("if-none-match"), '"etag-2"');
});

test("a 404 on revalidation evicts the entry: the next call asks again and gets the 404", async () => {
  const { fetch, calls } = mockFetch([withEtag(prompt()), envelope(404, "NOT_FOUND", "Prompt not found")]);
  const client = new TestClient({ fetch });
  await client.getPrompt("greeting");
  client.advance(61);
  assert.equal((await client.getPrompt("greeting")).content, "Hello {{name}}!");
  await client.settled();
  await assert.rejects(client.getPrompt("greeting"), NotFoundError);
  assert.equal(calls.length, 3);
});

test("a 410 on revalidation evicts the entry too", async () => {
  const { fetch, calls } = mockFetch([withEtag(prompt()), envelope(410, "GONE", "gone"), withEtag(prompt())]);
  const client = new TestClient({ fetch });
  await client.getPrompt("greeting");
  client.advance(61);
  await client.getPrompt("greeting");
  await client.settled();
  await client.getPrompt("greeting");
  assert.equal(calls.length, 3);
  assert.equal(calls[2].headers.get("if-none-match"), null);
});

test("any other revalidation failure keeps the stale entry, and the next call after the TTL tries again", async () => {
  const { fetch, calls } = mockFetch([
    withEtag(compiled()),
    envelope(500, "INTERNAL_ERROR", "boom"),
    refused,
    envelope(401, "UNAUTHORIZED", "no"),
    notModified(),
  ]);
  const client = new TestClient({ fetch });
  await client.compile("greeting");
  for (let n = 0; n < 3; n++) {
    client.advance(61);
    assert.equal((await client.compile("greeting")).compiled_prompt, "Hello Ada!");
    await client.settled();
  }
  assert.equal(calls.length, 4); // one attempt per revalidation: no retries in the background
  client.advance(1);
  await client.compile("greeting");
  await client.settled();
  assert.equal(calls.length, 5);
  assert.equal(calls[4].headers.get("if-none-match"), '"etag-1"');
  await client.compile("greeting"); // renewed by the 304
  assert.equal(calls.length, 5);
});

test("one background revalidation per key at a time", async () => {
  const answer = deferred();
  const { fetch, calls } = mockFetch([withEtag(compiled()), () => answer.promise]);
  const client = new TestClient({ fetch });
  await client.compile("greeting");
  client.advance(61);
  const results = await Promise.all([client.compile("greeting"), client.compile("greeting"), client.compile("greeting")]);
  assert.deepEqual(new Set(results.map((r) => r.compiled_prompt)), new Set(["Hello Ada!"]));
  await client.compile("greeting");
  assert.equal(calls.length, 2);
  answer.release(notModified());
  await client.settled();
  await client.compile("greeting");
  assert.equal(calls.length, 2);
});

test("no entry and no answer: the fallback, marked is_fallback, with the other fields empty", async () => {
  const { fetch, calls } = mockFetch([refused]);
  const client = new TestClient({ fetch });
  const result = await client.compile("greeting", { variables: { name: "Ada" }, label: "production", fallback: "Hi!" });
  assert.equal(calls.length, 3); // retried first
  assert.deepEqual(result, {
    id: "",
    slug: "greeting",
    name: "greeting",
    version: 0,
    label: "production",
    compiled_prompt: "Hi!",
    compiled_system_prompt: null,
    model_config: {},
    variables: [],
    variables_used: [],
    missing_variables: [],
    unused_variables: [],
    tokens: 0,
    tokenizer: "",
    etag: "",
    is_fallback: true,
  });
  const fetched = await client.getPrompt("greeting", { fallback: "Be kind." });
  assert.equal(fetched.is_fallback, true);
  assert.equal(fetched.content, "Be kind.");
  assert.equal(fetched.slug, "greeting");
  assert.equal(fetched.name, "greeting");
  assert.equal(fetched.published_version, null);
  assert.equal(fetched.version, 0);
  assert.deepEqual(fetched.labels, {});
});

test("a fallback keeps the label and version asked for", async () => {
  const { fetch } = mockFetch([refused]);
  const client = new TestClient({ fetch, maxRetries: 0 });
  const atVersion = await client.getPrompt("greeting", { version: 3, fallback: "x" });
  assert.equal(atVersion.version, 3);
  assert.equal(atVersion.latest_version, 3);
  assert.deepEqual(atVersion.labels, {});
  const atLabel = await client.getPrompt("greeting", { label: "staging", fallback: "x" });
  assert.deepEqual(atLabel.labels, { staging: 0 });
  const compiledAt = await client.compile("greeting", { version: 2, label: "staging", fallback: "x" });
  assert.equal(compiledAt.version, 2);
  assert.equal(compiledAt.label, "staging");
});

test("a fallback is not cached: the next call asks the API again", async () => {
  const { fetch, calls } = mockFetch([envelope(503, "X", "x"), withEtag(compiled())]);
  const client = new TestClient({ fetch, maxRetries: 0 });
  assert.equal((await client.compile("greeting", { fallback: "Hi!" })).is_fallback, true);
  const real = await client.compile("greeting", { fallback: "Hi!" });
  assert.equal(real.is_fallback, false);
  assert.equal(real.compiled_prompt, "Hello Ada!");
  assert.equal(calls.length, 2);
});

test("no entry, no answer and no fallback: the error is raised", async () => {
  const { fetch } = mockFetch([refused]);
  await assert.rejects(new TestClient({ fetch }).compile("greeting"), APIConnectionError);
});

test("a definitive failure (404, 401) gives the fallback, or raises without one", async () => {
  for (const [status, code, Class] of [
    [404, "NOT_FOUND", NotFoundError],
    [401, "UNAUTHORIZED", AuthenticationError],
  ]) {
    const { fetch, calls } = mockFetch([envelope(status, code, "no")]);
    const client = new TestClient({ fetch });
    const result = await client.getPrompt("gone", { fallback: "default text" });
    assert.equal(result.is_fallback, true);
    assert.equal(result.content, "default text");
    assert.equal(calls.length, 1); // not retried
    const error = await client.getPrompt("gone").catch((e) => e);
    assert.ok(error instanceof Class);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
  }
});

test("stale-if-error: while the API is down a stale entry keeps being served", async () => {
  const { fetch, calls } = mockFetch([withEtag(compiled()), refused]);
  const client = new TestClient({ fetch });
  await client.compile("greeting", { fallback: "Hi!" });
  for (let n = 0; n < 3; n++) {
    client.advance(3600);
    const result = await client.compile("greeting", { fallback: "Hi!" });
    assert.equal(result.is_fallback, false);
    assert.equal(result.compiled_prompt, "Hello Ada!");
    await client.settled();
  }
  assert.equal(calls.length, 4);
});

test("variables whose compact JSON is over 600 characters go in a POST compile; an unchanged etag counts as a 304", async () => {
  const long = { text: "x".repeat(700) };
  const { fetch, calls } = mockFetch([
    json(200, compiled()),
    json(200, compiled()),
    json(200, compiled({ compiled_prompt: "new", etag: "etag-2" })),
  ]);
  const client = new TestClient({ fetch });
  await client.compile("greeting", { variables: long, version: 2, strict: true });
  assert.equal(calls[0].method, "POST");
  assert.equal(calls[0].path, "/v1/prompts/greeting/compile");
  assert.deepEqual(calls[0].body, { variables: long, version: 2, strict: true });
  client.advance(61);
  await client.compile("greeting", { variables: long, version: 2, strict: true });
  await client.settled();
  assert.equal(calls.length, 2);
  assert.notEqual(calls[1].headers.get("idempotency-key"), calls[0].headers.get("idempotency-key"));
  assert.equal((await client.compile("greeting", { variables: long, version: 2, strict: true })).compiled_prompt, "Hello Ada!");
  assert.equal(calls.length, 2); // renewed
  client.advance(61);
  await client.compile("greeting", { variables: long, version: 2, strict: true });
  await client.settled();
  assert.equal((await client.compile("greeting", { variables: long, version: 2, strict: true })).compiled_prompt, "new");
  assert.equal(calls.length, 3);
});

test("getPrompt without an ETag header revalidates with the body's etag", async () => {
  const { fetch, calls } = mockFetch([json(200, prompt({ etag: "abc" })), notModified()]);
  const client = new TestClient({ fetch });
  await client.getPrompt("greeting", { version: 1 });
  assert.deepEqual(calls[0].query, { version: "1" });
  client.advance(61);
  await client.getPrompt("greeting", { version: 1 });
  await client.settled();
  assert.equal(calls[1].headers.get("if-none-match"), '"abc"');
});

test("the cache keeps at most cacheMaxEntries entries, dropping the least recently used", async () => {
  const { fetch, calls } = mockFetch((call) => withEtag(compiled({ compiled_prompt: call.path })));
  const client = new TestClient({ fetch, cacheMaxEntries: 2 });
  await client.compile("a");
  await client.compile("b");
  await client.compile("a"); // a hit: "b" is now the least recently used
  await client.compile("c"); // evicts "b"
  assert.equal(calls.length, 3);
  await client.compile("a");
  await client.compile("c");
  assert.equal(calls.length, 3);
  assert.equal((await client.compile("b")).compiled_prompt, "/v1/prompts/b/compiled");
  assert.equal(calls.length, 4);
});
