// Test doubles: a recording fetch that answers from a script, a client with a settable clock and recorded waits.
import { PromptbankClient } from "../dist/index.js";

export const KEY = `pb_live_${"a".repeat(64)}`;
export const BASE = "http://127.0.0.1:3999";

export function json(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": `req-${status}`, ...headers },
  });
}

export function envelope(status, code, message, extra = {}) {
  return json(status, { error: { code, message, details: [], request_id: `rid-${code}`, ...extra } }, extra.headers);
}

export function refused() {
  const error = new TypeError("fetch failed");
  error.cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3999"), { code: "ECONNREFUSED" });
  throw error;
}

/**
 * A fetch that records each request and answers with `script`: a function (call, n) => Response, or a list whose
 * n-th item answers the n-th request (a Response, a function, or an Error to throw; the last one repeats).
 */
export function mockFetch(script) {
  const calls = [];
  const fetch = async (input, init = {}) => {
    const url = new URL(input);
    const call = {
      url,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body: init.body ? JSON.parse(init.body) : undefined,
      signal: init.signal,
    };
    calls.push(call);
    const step = typeof script === "function" ? script : script[Math.min(calls.length, script.length) - 1];
    const answer = typeof step === "function" ? await step(call, calls.length) : step;
    if (answer instanceof Error) throw answer;
    return answer instanceof Response ? answer.clone() : answer;
  };
  return { fetch, calls };
}

/** A client whose clock is `clock` (ms) and whose waits between attempts are recorded, not slept. */
export class TestClient extends PromptbankClient {
  clock = 1_000_000;
  sleeps = [];
  now = () => this.clock;
  sleep = async (ms) => {
    this.sleeps.push(ms);
  };

  constructor(options = {}) {
    super({ baseUrl: BASE, apiKey: KEY, ...options });
  }

  advance(seconds) {
    this.clock += seconds * 1000;
  }
}

export function compiled(overrides = {}) {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    slug: "greeting",
    name: "Greeting",
    version: 1,
    label: "production",
    compiled_prompt: "Hello Ada!",
    compiled_system_prompt: null,
    model_config: {},
    variables: [],
    variables_used: ["name"],
    missing_variables: [],
    unused_variables: [],
    tokens: 3,
    tokenizer: "o200k_base",
    etag: "etag-1",
    ...overrides,
  };
}

export function prompt(overrides = {}) {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    slug: "greeting",
    name: "Greeting",
    description: null,
    category: "Uncategorized",
    tags: [],
    framework: null,
    is_public: false,
    owner_id: "22222222-2222-4222-8222-222222222222",
    content: "Hello {{name}}!",
    system_prompt: null,
    variables: [],
    model_config: {},
    version: 1,
    latest_version: 1,
    labels: { latest: 1, production: 1 },
    published_version: 1,
    etag: "etag-1",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

/** An answer that arrives only when `release()` is called: for requests still in flight. */
export function deferred() {
  let release;
  const promise = new Promise((resolve) => {
    release = resolve;
  });
  return { promise, release };
}
