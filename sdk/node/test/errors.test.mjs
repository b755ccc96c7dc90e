import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";

import * as pb from "../dist/index.js";
import { TestClient, envelope, json, mockFetch, refused } from "./helpers.mjs";

const {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  GoneError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PreconditionFailedError,
  PromptbankError,
  RateLimitError,
} = pb;

test("every error class is exported from the entry point and is a PromptbankError", () => {
  for (const Class of [
    APIConnectionError, APITimeoutError, APIStatusError, AuthenticationError, BadRequestError, ConflictError,
    GoneError, InternalServerError, NotFoundError, PayloadTooLargeError, PermissionDeniedError,
    PreconditionFailedError, RateLimitError,
  ]) {
    assert.equal(typeof Class, "function");
    assert.ok(Class.prototype instanceof PromptbankError, Class.name);
  }
  assert.ok(APITimeoutError.prototype instanceof APIConnectionError);
  assert.ok(NotFoundError.prototype instanceof APIStatusError);
  assert.ok(pb.PromptbankClient);
});

test("a 404 envelope gives NotFoundError with status, code, message, details and requestId", async () => {
  const { fetch } = mockFetch([envelope(404, "NOT_FOUND", "Prompt not found")]);
  const client = new TestClient({ fetch });
  const error = await client.getVersion("missing", 3).then(
    () => assert.fail("no error"),
    (e) => e,
  );
  assert.ok(error instanceof NotFoundError);
  assert.ok(error instanceof APIStatusError);
  assert.ok(error instanceof PromptbankError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "NotFoundError");
  assert.equal(error.status, 404);
  assert.equal(error.code, "NOT_FOUND");
  assert.equal(error.message, "Prompt not found");
  assert.deepEqual(error.details, []);
  assert.equal(error.requestId, "rid-NOT_FOUND");
});

test("validation details are carried as the API sent them", async () => {
  const details = [{ field: "name", message: "Field required" }];
  const { fetch } = mockFetch([envelope(400, "VALIDATION_ERROR", "Invalid request", { details })]);
  const error = await new TestClient({ fetch }).createPrompt({ content: "x" }).catch((e) => e);
  assert.ok(error instanceof BadRequestError);
  assert.deepEqual(error.details, details);
});

test("each status has its class", async () => {
  const expected = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: APIStatusError,
    409: ConflictError,
    410: GoneError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    418: APIStatusError,
    429: RateLimitError,
    500: InternalServerError,
    501: InternalServerError,
    502: InternalServerError,
    503: InternalServerError,
    504: InternalServerError,
  };
  for (const [status, Class] of Object.entries(expected)) {
    const { fetch } = mockFetch([envelope(Number(status), "X", "x")]);
    const error = await new TestClient({ fetch, maxRetries: 0 }).me().catch((e) => e);
    assert.equal(error.constructor, Class, `status ${status}: ${error.constructor.name}`);
    assert.equal(error.status, Number(status));
  }
});

test("the request id falls back to the X-Request-Id header", async () => {
  const body = { error: { code: "FORBIDDEN", message: "no", details: [] } };
  const { fetch } = mockFetch([json(403, body, { "x-request-id": "from-header" })]);
  const error = await new TestClient({ fetch }).me().catch((e) => e);
  assert.ok(error instanceof PermissionDeniedError);
  assert.equal(error.requestId, "from-header");
});

test("a body that is no envelope still gives the class, HTTP_<status> and the text cut to 500 characters", async () => {
  const html = `<html>${"x".repeat(2000)}</html>`;
  const { fetch } = mockFetch([new Response(html, { status: 502, headers: { "x-request-id": "gw-1" } })]);
  const error = await new TestClient({ fetch, maxRetries: 0 }).health().catch((e) => e);
  assert.ok(error instanceof InternalServerError);
  assert.equal(error.code, "HTTP_502");
  assert.equal(error.message, html.slice(0, 500));
  assert.equal(error.requestId, "gw-1");
  assert.deepEqual(error.details, []);
});

test("RateLimitError carries Retry-After in seconds, or null", async () => {
  let { fetch } = mockFetch([envelope(429, "RATE_LIMITED", "slow down", { headers: { "retry-after": "7" } })]);
  let error = await new TestClient({ fetch, maxRetries: 0 }).me().catch((e) => e);
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.code, "RATE_LIMITED");
  assert.equal(error.retryAfter, 7);
  ({ fetch } = mockFetch([envelope(429, "QUOTA_EXCEEDED", "quota")]));
  error = await new TestClient({ fetch, maxRetries: 0 }).me().catch((e) => e);
  assert.equal(error.retryAfter, null);
});

test("no answer is an APIConnectionError naming the cause", async () => {
  const { fetch } = mockFetch([refused]);
  const error = await new TestClient({ fetch, maxRetries: 0 }).health().catch((e) => e);
  assert.ok(error instanceof APIConnectionError);
  assert.ok(!(error instanceof APIStatusError));
  assert.ok(!(error instanceof APITimeoutError));
  assert.match(error.message, /ECONNREFUSED/);
  assert.ok(error.cause instanceof TypeError);
});

test("a closed port on loopback, through the platform's fetch, is an APIConnectionError", async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  const client = new pb.PromptbankClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "k", maxRetries: 0 });
  const error = await client.health().catch((e) => e);
  assert.ok(error instanceof APIConnectionError, String(error));
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

test("a 2xx body that is not JSON where JSON was expected is a PromptbankError, not a SyntaxError", async () => {
  const { fetch } = mockFetch([new Response("<html>proxy</html>", { status: 200 })]);
  const error = await new TestClient({ fetch }).health().catch((e) => e);
  assert.ok(error instanceof PromptbankError, String(error));
});
