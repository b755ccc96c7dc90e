import {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  PromptbankError,
  errorFromResponse,
  parseRetryAfter,
} from "./errors.js";
import type * as T from "./types.js";
import { VERSION } from "./version.js";

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The API's base URL; default `PROMPTBANK_BASE_URL`, else `http://127.0.0.1:3000`. A stage path is kept. */
  baseUrl?: string;
  /** An API key (or a session token), sent as `Authorization: Bearer`; default `PROMPTBANK_API_KEY`. */
  apiKey?: string;
  /** Milliseconds per attempt. Default 5,000, or 30,000 for the routes that call an LLM (run, chat, enhance,
   * evaluate); a value set here applies to every route. */
  timeoutMs?: number;
  /** Extra attempts after a 429, 500, 502, 503, 504, a connection error or a timeout (default 2). */
  maxRetries?: number;
  /** How long getPrompt and compile results are fresh, in seconds (default 60; 0 turns the cache off). */
  cacheTtlSeconds?: number;
  /** The most entries the cache keeps; the least recently used goes first (default 1,000). */
  cacheMaxEntries?: number;
  /** The fetch to use (default the platform's `fetch`): a proxy, a recorder, a test double. */
  fetch?: FetchLike;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
}

/** Options every method takes as its last argument. */
export interface RequestOptions {
  /** Milliseconds per attempt for this call. */
  timeoutMs?: number;
  /** Extra attempts for this call. */
  maxRetries?: number;
  /** Aborts the call (an APIConnectionError, not retried). */
  signal?: AbortSignal;
  /** A POST's or PATCH's `Idempotency-Key` (default: a random UUID per call, reused by its retries). */
  idempotencyKey?: string;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

export interface GetPromptOptions extends RequestOptions {
  label?: string;
  version?: number;
  /** Returned as the `content` of a result with `is_fallback: true` when there is no other answer. */
  fallback?: string;
}

export interface CompileOptions extends RequestOptions {
  variables?: T.Variables;
  label?: string;
  version?: number;
  /** Missing or unknown variables are a 400 instead of `[name]` placeholders. */
  strict?: boolean;
  /** Returned as the `compiled_prompt` of a result with `is_fallback: true` when there is no other answer. */
  fallback?: string;
}

interface Call extends RequestOptions {
  query?: Record<string, unknown>;
  body?: unknown;
  /** 304 is an answer, not an error (a revalidation). */
  notModified?: boolean;
  /** A background revalidation: one attempt, its timer does not hold the process open. */
  background?: boolean;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

type Loaded<V> = { value: V; etag: string | null } | "not-modified";

interface CacheEntry {
  value: object;
  etag: string | null;
  storedAt: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
/** Errors after which the cached value is wrong, not just unreachable: evict it. */
const DEFINITIVE = new Set([400, 401, 403, 404, 410]);
const LLM_ROUTES = /^\/v1\/(prompts\/[^/]+\/run|chat|enhance|evaluate)$/;
/** The longest compact JSON of variables sent in the compiled GET's query; longer goes in a POST body. */
const MAX_QUERY_VARIABLES = 600;
/** The longest `Retry-After` (seconds) a retry waits for; a longer one raises the error at once. */
const MAX_RETRY_AFTER = 60;

interface Runtime {
  process?: { env?: Record<string, string | undefined>; versions?: { node?: string } };
}
const runtime = globalThis as unknown as Runtime;

const enc = encodeURIComponent;

/** Canonical JSON: object keys sorted at every level, no spaces (the cache key and the compiled GET's query). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

let cryptoPromise: Promise<Crypto> | undefined;
/** The Web Crypto API: the global one, or node:crypto's on a Node 18 that has no global `crypto`. */
function webCrypto(): Promise<Crypto> {
  cryptoPromise ??= (async () => {
    const global = globalThis.crypto;
    if (global?.subtle && typeof global.randomUUID === "function") return global;
    const specifier = "node:crypto"; // not a literal, so bundlers for browsers leave it alone
    const module = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { webcrypto: Crypto };
    return module.webcrypto;
  })();
  return cryptoPromise;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await (await webCrypto()).subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function base64Json(value: unknown): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(JSON.stringify(value))) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** An ETag as the header carries it (quoted), from the bare `etag` field of a body; null for none. */
function quoteEtag(etag: string | undefined): string | null {
  if (!etag) return null;
  return etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A client of the promptbank API.
 *
 * ```ts
 * const client = new PromptbankClient(); // PROMPTBANK_BASE_URL, PROMPTBANK_API_KEY
 * const { compiled_prompt } = await client.compile("greeting", { variables: { name: "Ada" }, fallback: "Hello!" });
 * ```
 */
export class PromptbankClient {
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly cacheTtlSeconds: number;
  readonly cacheMaxEntries: number;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly defaultHeaders: Record<string, string>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly revalidating = new Map<string, Promise<void>>();
  private credentialHash: Promise<string> | undefined;
  /** The clock, in milliseconds (replaceable in tests). */
  protected now: () => number = () => Date.now();
  /** Waits between attempts (replaceable in tests). */
  protected sleep: (ms: number) => Promise<void> = defaultSleep;
  /** The jitter factor's random source, in [0, 1) (replaceable in tests). */
  protected random: () => number = Math.random;

  constructor(options: ClientOptions = {}) {
    const env = runtime.process?.env ?? {};
    const baseUrl = options.baseUrl ?? env.PROMPTBANK_BASE_URL ?? "http://127.0.0.1:3000";
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey ?? (env.PROMPTBANK_API_KEY || undefined);
    this.timeoutMs = options.timeoutMs;
    this.maxRetries = options.maxRetries ?? 2;
    this.cacheTtlSeconds = options.cacheTtlSeconds ?? 60;
    this.cacheMaxEntries = options.cacheMaxEntries ?? 1_000;
    if (!options.fetch && typeof globalThis.fetch !== "function") {
      throw new PromptbankError("no fetch in this runtime: pass one as the `fetch` option (Node 18+ has one)");
    }
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.defaultHeaders = { ...options.defaultHeaders };
    if (runtime.process?.versions?.node) {
      // Only where a process sets its own User-Agent: a browser's CORS preflight would refuse extra headers.
      this.defaultHeaders["User-Agent"] ??= `promptbank-node/${VERSION}`;
      this.defaultHeaders["X-Promptbank-Client"] ??= `promptbank-node/${VERSION}`;
    }
  }

  /** Resolves once every background revalidation started so far has finished (for tests and graceful shutdowns). */
  async settled(): Promise<void> {
    while (this.revalidating.size > 0) await Promise.allSettled([...this.revalidating.values()]);
  }

  /** Forgets every cached prompt and compiled prompt. */
  clearCache(): void {
    this.cache.clear();
  }

  // ---------------------------------------------------------------- transport

  private timeoutFor(method: string, path: string): number {
    if (this.timeoutMs !== undefined) return this.timeoutMs;
    return method === "POST" && LLM_ROUTES.test(path) ? 30_000 : 5_000;
  }

  private backoffMs(retry: number): number {
    return Math.min(8, 0.5 * 2 ** retry) * (0.75 + 0.25 * this.random()) * 1000;
  }

  /** One call: its attempts, their timeouts and the waits between them. */
  private async send(method: string, path: string, call: Call = {}): Promise<Answer> {
    const url = this.baseUrl + path + queryString(call.query);
    const headers: Record<string, string> = { Accept: "application/json", ...this.defaultHeaders };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers["Content-Type"] = "application/json";
    }
    // POST and PATCH (the API honours the key on both): a retry after a lost answer replays it, so a retried
    // `If-Match` PATCH gets its own success, not a 412 for the version it made.
    if (method === "POST" || method === "PATCH") {
      headers["Idempotency-Key"] = call.idempotencyKey ?? (await webCrypto()).randomUUID();
    }
    Object.assign(headers, call.headers);
    const timeoutMs = call.timeoutMs ?? this.timeoutFor(method, path);
    const maxRetries = call.background ? 0 : (call.maxRetries ?? this.maxRetries);

    for (let attempt = 0; ; attempt++) {
      if (call.signal?.aborted) throw new APIConnectionError("Request was aborted", { cause: call.signal.reason });
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      if (call.background) (timer as { unref?: () => void }).unref?.();
      const onAbort = () => controller.abort();
      call.signal?.addEventListener("abort", onAbort);
      let answer: Answer;
      try {
        const response = await this.fetchImpl(url, { method, headers, body, signal: controller.signal });
        const text = response.status === 204 || response.status === 304 ? "" : await response.text();
        answer = { status: response.status, headers: response.headers, text };
      } catch (cause) {
        if (call.signal?.aborted) throw new APIConnectionError("Request was aborted", { cause });
        const error = timedOut
          ? new APITimeoutError(`Request timed out after ${timeoutMs} ms: ${method} ${path}`, { cause })
          : new APIConnectionError(`Connection error: ${method} ${url}: ${describe(cause)}`, { cause });
        if (attempt >= maxRetries) throw error;
        await this.sleep(this.backoffMs(attempt));
        continue;
      } finally {
        clearTimeout(timer);
        call.signal?.removeEventListener("abort", onAbort);
      }
      if ((answer.status >= 200 && answer.status < 300) || (answer.status === 304 && call.notModified)) return answer;
      const error = errorFromResponse(answer.status, answer.headers, answer.text);
      if (!RETRYABLE.has(answer.status) || attempt >= maxRetries) throw error;
      const retryAfter = parseRetryAfter(answer.headers.get("retry-after"), this.now());
      if (retryAfter !== null && retryAfter > MAX_RETRY_AFTER) throw error; // a spent quota: waiting will not help
      await this.sleep(retryAfter !== null ? retryAfter * 1000 : this.backoffMs(attempt));
    }
  }

  private async json<R>(method: string, path: string, call?: Call): Promise<R> {
    return parseJson<R>(await this.send(method, path, call), path);
  }

  private async text(path: string, call?: Call): Promise<string> {
    return (await this.send("GET", path, { ...call, headers: { Accept: "*/*", ...call?.headers } })).text;
  }

  private async none(method: string, path: string, call?: Call): Promise<void> {
    await this.send(method, path, call);
  }

  /** Every item of a cursor-paged list, page after page, following `next_cursor`. */
  private async *pages<I>(path: string, query: object | undefined, options?: RequestOptions): AsyncGenerator<I> {
    let cursor: string | null = null;
    do {
      const page: { data: I[]; next_cursor: string | null } = await this.json("GET", path, {
        ...options,
        query: { ...query, cursor },
      });
      yield* page.data;
      cursor = page.next_cursor;
    } while (cursor);
  }

  // ---------------------------------------------------------------- the cache

  private async cacheKey(parts: unknown[]): Promise<string> {
    this.credentialHash ??= sha256Hex(this.apiKey ?? "");
    return canonicalJson([this.baseUrl, await this.credentialHash, ...parts]);
  }

  private async cached<V extends object>(
    key: string,
    load: (etag: string | null, background: boolean) => Promise<Loaded<V>>,
    fallback: string | undefined,
    fallbackValue: (fallback: string) => V,
  ): Promise<V & { is_fallback: boolean }> {
    const ttlMs = this.cacheTtlSeconds * 1000;
    const result = (value: object) => ({ ...(structuredClone(value) as V), is_fallback: false });
    if (ttlMs > 0) {
      const entry = this.cache.get(key);
      if (entry) {
        this.cache.delete(key); // the Map's order is the order of use: the first key is the least recently used
        this.cache.set(key, entry);
        if (this.now() - entry.storedAt >= ttlMs) this.revalidate(key, entry, load);
        return result(entry.value);
      }
    }
    try {
      const loaded = await load(null, false);
      if (loaded === "not-modified") throw new PromptbankError("304 without a cached value");
      if (ttlMs > 0) this.store(key, { value: loaded.value, etag: loaded.etag, storedAt: this.now() });
      return result(loaded.value);
    } catch (error) {
      if (!(error instanceof PromptbankError)) throw error;
      const transient =
        error instanceof APIConnectionError || (error instanceof APIStatusError && RETRYABLE.has(error.status));
      if (transient) {
        const stale = this.cache.get(key); // stored meanwhile by another call
        if (stale) return result(stale.value);
      } else if (error instanceof APIStatusError && DEFINITIVE.has(error.status)) {
        this.cache.delete(key);
      }
      if (fallback !== undefined) return { ...fallbackValue(fallback), is_fallback: true };
      throw error;
    }
  }

  private store(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > Math.max(1, this.cacheMaxEntries)) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
  }

  /** One background revalidation per key: 304 renews the entry, 200 replaces it, 404 or 410 evicts it; any other
   * failure keeps it (stale) until the next call after its TTL tries again. One attempt; it never rejects, and its
   * timer does not hold the process open. */
  private revalidate<V extends object>(
    key: string,
    entry: CacheEntry,
    load: (etag: string | null, background: boolean) => Promise<Loaded<V>>,
  ): void {
    if (this.revalidating.has(key)) return;
    const task = (async () => {
      try {
        const loaded = await load(entry.etag, true);
        if (this.cache.get(key) !== entry) return; // evicted or replaced meanwhile
        if (loaded === "not-modified") entry.storedAt = this.now();
        else this.store(key, { value: loaded.value, etag: loaded.etag, storedAt: this.now() });
      } catch (error) {
        if (error instanceof APIStatusError && (error.status === 404 || error.status === 410)) {
          if (this.cache.get(key) === entry) this.cache.delete(key);
        }
      } finally {
        this.revalidating.delete(key);
      }
    })();
    this.revalidating.set(key, task);
    task.catch(() => undefined);
  }

  // ---------------------------------------------------------------- prompts

  /** A prompt at a label or version (default: the key's environment's label), cached; see the README. */
  async getPrompt(ref: string, options: GetPromptOptions = {}): Promise<T.PromptResult> {
    const { label, version, fallback, ...call } = options;
    const key = await this.cacheKey(["prompt", ref, label ?? null, version ?? null]);
    const path = `/v1/prompts/${enc(ref)}`;
    return this.cached<T.Prompt>(
      key,
      async (etag, background) => {
        const answer = await this.send("GET", path, {
          ...call,
          query: { label, version },
          headers: { ...call.headers, ...(etag ? { "If-None-Match": etag } : {}) },
          notModified: etag !== null,
          background,
        });
        if (answer.status === 304) return "not-modified";
        const value = parseJson<T.Prompt>(answer, path);
        return { value, etag: answer.headers.get("etag") ?? quoteEtag(value.etag) };
      },
      fallback,
      (content) => ({
        id: "",
        slug: ref,
        name: ref,
        description: null,
        category: "",
        tags: [],
        framework: null,
        is_public: false,
        owner_id: "",
        content,
        system_prompt: null,
        variables: [],
        model_config: {},
        version: version ?? 0,
        latest_version: version ?? 0,
        labels: label ? { [label]: version ?? 0 } : {},
        published_version: null,
        etag: "",
        created_at: "",
        updated_at: "",
      }),
    );
  }

  /** A prompt compiled with variables, cached: GET .../compiled (POST .../compile when the variables are long). */
  async compile(ref: string, options: CompileOptions = {}): Promise<T.CompiledResult> {
    const { variables = {}, label, version, strict = false, fallback, ...call } = options;
    const json = canonicalJson(variables);
    const key = await this.cacheKey(["compile", ref, label ?? null, version ?? null, json, strict]);
    const viaQuery = json.length <= MAX_QUERY_VARIABLES;
    const path = `/v1/prompts/${enc(ref)}`;
    return this.cached<T.Compiled>(
      key,
      async (etag, background) => {
        if (viaQuery) {
          const answer = await this.send("GET", `${path}/compiled`, {
            ...call,
            query: { variables: json === "{}" ? undefined : json, label, version, strict: strict || undefined },
            headers: { ...call.headers, ...(etag ? { "If-None-Match": etag } : {}) },
            notModified: etag !== null,
            background,
          });
          if (answer.status === 304) return "not-modified";
          const value = parseJson<T.Compiled>(answer, `${path}/compiled`);
          return { value, etag: answer.headers.get("etag") ?? quoteEtag(value.etag) };
        }
        const value = await this.json<T.Compiled>("POST", `${path}/compile`, {
          ...call,
          idempotencyKey: background ? undefined : call.idempotencyKey,
          body: { variables, label, version, strict },
          background,
        });
        const current = quoteEtag(value.etag);
        return etag !== null && etag === current ? "not-modified" : { value, etag: current };
      },
      fallback,
      (compiledPrompt) => ({
        id: "",
        slug: ref,
        name: ref,
        version: version ?? 0,
        label: label ?? null,
        compiled_prompt: compiledPrompt,
        compiled_system_prompt: null,
        model_config: {},
        variables: [],
        variables_used: [],
        missing_variables: [],
        unused_variables: [],
        tokens: 0,
        tokenizer: "",
        etag: "",
      }),
    );
  }

  /** Your prompts, most recently updated first, every page. */
  listPrompts(params: T.ListPromptsParams = {}, options?: RequestOptions): AsyncGenerator<T.PromptSummary> {
    return this.pages("/v1/prompts", params, options);
  }

  createPrompt(body: T.PromptCreate, options?: RequestOptions): Promise<T.Prompt> {
    return this.json("POST", "/v1/prompts", { ...options, body });
  }

  /** Changes a prompt; with `ifMatch` (an ETag), a 412 PreconditionFailedError if it changed meanwhile. */
  updatePrompt(
    ref: string,
    body: T.PromptUpdate,
    options: RequestOptions & { ifMatch?: string } = {},
  ): Promise<T.Prompt> {
    const { ifMatch, ...call } = options;
    const headers = { ...call.headers, ...(ifMatch ? { "If-Match": quoteEtag(ifMatch)! } : {}) };
    return this.json("PATCH", `/v1/prompts/${enc(ref)}`, { ...call, headers, body });
  }

  deletePrompt(ref: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/prompts/${enc(ref)}`, options);
  }

  /** A prompt's versions, newest first, every page. */
  listVersions(
    ref: string,
    params: T.ListVersionsParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<T.VersionSummary> {
    return this.pages(`/v1/prompts/${enc(ref)}/versions`, params, options);
  }

  getVersion(ref: string, version: number, options?: RequestOptions): Promise<T.Version> {
    return this.json("GET", `/v1/prompts/${enc(ref)}/versions/${version}`, options);
  }

  setLabel(ref: string, label: string, version: number, options?: RequestOptions): Promise<T.Prompt> {
    return this.json("PUT", `/v1/prompts/${enc(ref)}/labels/${enc(label)}`, { ...options, body: { version } });
  }

  deleteLabel(ref: string, label: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/prompts/${enc(ref)}/labels/${enc(label)}`, options);
  }

  /** Moves `production` to a version (default: the latest). */
  publish(ref: string, params: { version?: number } = {}, options?: RequestOptions): Promise<T.Prompt> {
    return this.json("POST", `/v1/prompts/${enc(ref)}/publish`, { ...options, body: params });
  }

  /** The prompt as a Markdown file: `raw` (front matter and content) or `compiled` (default). */
  download(ref: string, params: T.DownloadParams = {}, options?: RequestOptions): Promise<string> {
    const { variables, ...query } = params;
    return this.text(`/v1/prompts/${enc(ref)}/download`, {
      ...options,
      query: { ...query, variables: variables ? base64Json(variables) : undefined },
    });
  }

  // ---------------------------------------------------------------- running

  /** Runs a prompt against its model (an LLM call: 30 s timeout unless the client sets one). */
  run(ref: string, body: T.RunIn = {}, options?: RequestOptions): Promise<T.RunResult> {
    return this.json("POST", `/v1/prompts/${enc(ref)}/run`, { ...options, body });
  }

  chat(body: T.ChatIn, options?: RequestOptions): Promise<T.RunResult> {
    return this.json("POST", "/v1/chat", { ...options, body });
  }

  enhance(body: T.EnhanceIn, options?: RequestOptions): Promise<T.EnhanceResult> {
    return this.json("POST", "/v1/enhance", { ...options, body });
  }

  /** Tokens in a text for a model: GET for short texts, POST (up to 1,000,000 characters) otherwise. */
  countTokens(params: T.TokenCountIn, options?: RequestOptions): Promise<T.TokenCount> {
    if (params.prompt.length <= 2_000) return this.json("GET", "/v1/token-count", { ...options, query: params });
    return this.json("POST", "/v1/token-count", { ...options, body: params });
  }

  /** The models the API knows, with their prices. */
  listModels(options?: RequestOptions): AsyncGenerator<T.Model> {
    return this.pages("/v1/models", undefined, options);
  }

  /** Your runs, newest first, every page. */
  listRuns(params: T.ListRunsParams = {}, options?: RequestOptions): AsyncGenerator<T.Run> {
    return this.pages("/v1/runs", params, options);
  }

  getRun(runId: string, options?: RequestOptions): Promise<T.Run> {
    return this.json("GET", `/v1/runs/${enc(runId)}`, options);
  }

  getRunStats(params: T.RunStatsParams = {}, options?: RequestOptions): Promise<T.Stats> {
    return this.json("GET", "/v1/runs/stats", { ...options, query: params });
  }

  // ---------------------------------------------------------------- evaluation

  evaluate(body: T.EvaluateIn, options?: RequestOptions): Promise<T.Evaluation> {
    return this.json("POST", "/v1/evaluate", { ...options, body });
  }

  listSuites(params: T.ListSuitesParams = {}, options?: RequestOptions): AsyncGenerator<T.SuiteSummary> {
    return this.pages("/v1/eval-suites", params, options);
  }

  createSuite(body: T.SuiteCreate, options?: RequestOptions): Promise<T.Suite> {
    return this.json("POST", "/v1/eval-suites", { ...options, body });
  }

  getSuite(suiteId: string, options?: RequestOptions): Promise<T.Suite> {
    return this.json("GET", `/v1/eval-suites/${enc(suiteId)}`, options);
  }

  updateSuite(suiteId: string, body: T.SuiteUpdate, options?: RequestOptions): Promise<T.Suite> {
    return this.json("PATCH", `/v1/eval-suites/${enc(suiteId)}`, { ...options, body });
  }

  deleteSuite(suiteId: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/eval-suites/${enc(suiteId)}`, options);
  }

  /** Queues a run of the suite (202): poll getEvalRun until `status` is `succeeded` or `failed`. */
  startSuiteRun(suiteId: string, options?: RequestOptions): Promise<T.EvalRun> {
    return this.json("POST", `/v1/eval-suites/${enc(suiteId)}/runs`, options);
  }

  /** A suite's runs without their results, newest first, every page: the pass-rate trend. */
  listSuiteRuns(
    suiteId: string,
    params: T.ListSuiteRunsParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<T.EvalRunOverview> {
    return this.pages(`/v1/eval-suites/${enc(suiteId)}/runs`, params, options);
  }

  /** An evaluation run with up to `limit` of its case results; `next_cursor` pages on (see listEvalRunResults). */
  getEvalRun(runId: string, params: T.GetEvalRunParams = {}, options?: RequestOptions): Promise<T.EvalRun> {
    return this.json("GET", `/v1/eval-runs/${enc(runId)}`, { ...options, query: params });
  }

  /** Every case result of an evaluation run, in the suite's order. */
  async *listEvalRunResults(runId: string, options?: RequestOptions): AsyncGenerator<T.CaseResult> {
    let cursor: string | null = null;
    do {
      const run: T.EvalRun = await this.getEvalRun(runId, { limit: 100, cursor }, options);
      yield* run.results ?? [];
      cursor = run.next_cursor;
    } while (cursor);
  }

  // ---------------------------------------------------------------- sharing and discovery

  createShare(ref: string, body: T.ShareCreate = {}, options?: RequestOptions): Promise<T.Share> {
    return this.json("POST", `/v1/prompts/${enc(ref)}/shares`, { ...options, body });
  }

  /** A prompt's active share links. */
  listPromptShares(ref: string, options?: RequestOptions): AsyncGenerator<T.Share> {
    return this.pages(`/v1/prompts/${enc(ref)}/shares`, undefined, options);
  }

  updateShare(ref: string, shareId: string, body: T.ShareUpdate, options?: RequestOptions): Promise<T.Share> {
    return this.json("PATCH", `/v1/prompts/${enc(ref)}/shares/${enc(shareId)}`, { ...options, body });
  }

  revokeShare(ref: string, shareId: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/prompts/${enc(ref)}/shares/${enc(shareId)}`, options);
  }

  /** Every share link of yours (a session-only route), optionally of one prompt. */
  listShares(params: T.ListSharesParams = {}, options?: RequestOptions): AsyncGenerator<T.OwnedShare> {
    return this.pages("/v1/shares", params, options);
  }

  resolveShare(token: string, options?: RequestOptions): Promise<T.ResolvedShare> {
    return this.json("GET", `/v1/shares/${enc(token)}`, options);
  }

  compileShare(token: string, body: { variables?: T.Variables } = {}, options?: RequestOptions): Promise<T.Compiled> {
    return this.json("POST", `/v1/shares/${enc(token)}/compile`, { ...options, body });
  }

  /** The HTML page of a share link. */
  sharePage(token: string, options?: RequestOptions): Promise<string> {
    return this.text(`/share/${enc(token)}`, options);
  }

  /** The public catalogue's prompts, every numbered page. */
  async *listPublicPrompts(
    params: T.ListPublicPromptsParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<T.PublicPrompt> {
    for (let page = 1; ; page++) {
      const answer: T.components["schemas"]["CataloguePage"] = await this.json("GET", "/v1/public/prompts", {
        ...options,
        query: { ...params, page },
      });
      yield* answer.data;
      if (page >= answer.total_pages || answer.data.length === 0) return;
    }
  }

  getPublicPrompt(promptId: string, options?: RequestOptions): Promise<T.PublicPrompt> {
    return this.json("GET", `/v1/public/prompts/${enc(promptId)}`, options);
  }

  getUser(userId: string, options?: RequestOptions): Promise<T.ProfilePage> {
    return this.json("GET", `/v1/users/${enc(userId)}`, options);
  }

  getUserByUsername(username: string, options?: RequestOptions): Promise<T.ProfilePage> {
    return this.json("GET", `/v1/u/${enc(username)}`, options);
  }

  // ---------------------------------------------------------------- accounts and keys

  register(body: T.RegisterIn, options?: RequestOptions): Promise<T.Session> {
    return this.json("POST", "/v1/auth/register", { ...options, body });
  }

  login(body: T.LoginIn, options?: RequestOptions): Promise<T.Session> {
    return this.json("POST", "/v1/auth/login", { ...options, body });
  }

  /** Ends the session the client authenticates with (a session-only route). */
  logout(options?: RequestOptions): Promise<void> {
    return this.none("POST", "/v1/auth/logout", options);
  }

  me(options?: RequestOptions): Promise<T.User> {
    return this.json("GET", "/v1/auth/me", options);
  }

  listKeys(options?: RequestOptions): AsyncGenerator<T.ApiKey> {
    return this.pages("/v1/keys", undefined, options);
  }

  /** A new API key; its `raw_key` is shown this once. */
  createKey(body: T.KeyCreateIn, options?: RequestOptions): Promise<T.CreatedApiKey> {
    return this.json("POST", "/v1/keys", { ...options, body });
  }

  revokeKey(keyId: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/keys/${enc(keyId)}`, options);
  }

  listProviderKeys(options?: RequestOptions): AsyncGenerator<T.ProviderKey> {
    return this.pages("/v1/provider-keys", undefined, options);
  }

  setProviderKey(provider: string, body: T.ProviderKeyIn, options?: RequestOptions): Promise<T.ProviderKey> {
    return this.json("PUT", `/v1/provider-keys/${enc(provider)}`, { ...options, body });
  }

  deleteProviderKey(provider: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/provider-keys/${enc(provider)}`, options);
  }

  getProfile(options?: RequestOptions): Promise<T.Profile> {
    return this.json("GET", "/v1/profile", options);
  }

  updateProfile(body: T.ProfileUpdateIn, options?: RequestOptions): Promise<T.Profile> {
    return this.json("PATCH", "/v1/profile", { ...options, body });
  }

  // ---------------------------------------------------------------- webhooks (session-only routes)

  /** A new webhook and its signing secret (shown this once). */
  createWebhook(body: T.WebhookCreate, options?: RequestOptions): Promise<T.WebhookSecret> {
    return this.json("POST", "/v1/webhooks", { ...options, body });
  }

  listWebhooks(options?: RequestOptions): AsyncGenerator<T.Webhook> {
    return this.pages("/v1/webhooks", undefined, options);
  }

  getWebhook(webhookId: string, options?: RequestOptions): Promise<T.Webhook> {
    return this.json("GET", `/v1/webhooks/${enc(webhookId)}`, options);
  }

  updateWebhook(webhookId: string, body: T.WebhookUpdate, options?: RequestOptions): Promise<T.Webhook> {
    return this.json("PATCH", `/v1/webhooks/${enc(webhookId)}`, { ...options, body });
  }

  deleteWebhook(webhookId: string, options?: RequestOptions): Promise<void> {
    return this.none("DELETE", `/v1/webhooks/${enc(webhookId)}`, options);
  }

  /** A new secret; for 24 h deliveries are signed with both the old and the new one. */
  rotateWebhookSecret(webhookId: string, options?: RequestOptions): Promise<T.WebhookSecret> {
    return this.json("POST", `/v1/webhooks/${enc(webhookId)}/rotate-secret`, options);
  }

  /** Sends a `webhook.test` event (202). */
  testWebhook(webhookId: string, options?: RequestOptions): Promise<T.Delivery> {
    return this.json("POST", `/v1/webhooks/${enc(webhookId)}/test`, options);
  }

  /** A webhook's deliveries, newest first, every page. */
  listDeliveries(
    webhookId: string,
    params: T.ListDeliveriesParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<T.Delivery> {
    return this.pages(`/v1/webhooks/${enc(webhookId)}/deliveries`, params, options);
  }

  retryDelivery(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<T.Delivery> {
    return this.json("POST", `/v1/webhooks/${enc(webhookId)}/deliveries/${enc(deliveryId)}/retry`, options);
  }

  // ---------------------------------------------------------------- service routes

  health(options?: RequestOptions): Promise<T.Health> {
    return this.json("GET", "/v1/health", options);
  }

  /** The OpenAPI 3.1 document of the API. */
  openapi(options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.json("GET", "/v1/openapi.json", options);
  }

  /** The condensed plain-text reference for LLM agents. */
  llmsTxt(options?: RequestOptions): Promise<string> {
    return this.text("/llms.txt", options);
  }

  /** The interactive API docs page (HTML). */
  docsPage(options?: RequestOptions): Promise<string> {
    return this.text("/docs", options);
  }
}

function parseJson<R>(answer: Answer, path: string): R {
  if (!answer.text) return undefined as R;
  try {
    return JSON.parse(answer.text) as R;
  } catch (cause) {
    const start = answer.text.slice(0, 100);
    throw new PromptbankError(`${path} answered ${answer.status} with a body that is not JSON: ${start}`, { cause });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = cause && typeof cause === "object" ? (cause as { code?: unknown }).code : undefined;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
