/** Every error the client throws is a PromptbankError. */
export class PromptbankError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No HTTP answer: the connection was refused, the name did not resolve, the request timed out or was aborted. */
export class APIConnectionError extends PromptbankError {}

/** The attempt did not get an answer within its timeout (`timeoutMs`). */
export class APITimeoutError extends APIConnectionError {}

/** A detail of an error: for validation errors `{field, message}`. */
export type ErrorDetail = Record<string, unknown>;

/** Any non-2xx answer; the subclass says which status. */
export class APIStatusError extends PromptbankError {
  /** The HTTP status. */
  readonly status: number;
  /** The API's error code (`NOT_FOUND`, `VALIDATION_ERROR`, ...), or `HTTP_<status>` for a body that is no error envelope. */
  readonly code: string;
  /** What went wrong and where: `[{field, message}]` for validation errors. */
  readonly details: ErrorDetail[];
  /** The request's id (`error.request_id`, else the `X-Request-Id` header), to quote when asking for help. */
  readonly requestId: string | null;
  /** The response headers. */
  readonly headers: Headers;

  constructor(
    status: number,
    code: string,
    message: string,
    details: ErrorDetail[],
    requestId: string | null,
    headers: Headers,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
    this.headers = headers;
  }
}

export class BadRequestError extends APIStatusError {}
export class AuthenticationError extends APIStatusError {}
export class PermissionDeniedError extends APIStatusError {}
export class NotFoundError extends APIStatusError {}
export class ConflictError extends APIStatusError {}
export class GoneError extends APIStatusError {}
export class PreconditionFailedError extends APIStatusError {}
export class PayloadTooLargeError extends APIStatusError {}
export class InternalServerError extends APIStatusError {}

/** 429: throttled (`RATE_LIMITED`) or the monthly quota is spent (`QUOTA_EXCEEDED`). */
export class RateLimitError extends APIStatusError {
  /** Seconds to wait, from the `Retry-After` header, or null when it had none. */
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    details: ErrorDetail[],
    requestId: string | null,
    headers: Headers,
  ) {
    super(status, code, message, details, requestId, headers);
    this.retryAfter = parseRetryAfter(headers.get("retry-after"));
  }
}

const BY_STATUS: Record<number, typeof APIStatusError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  410: GoneError,
  412: PreconditionFailedError,
  413: PayloadTooLargeError,
  429: RateLimitError,
};

/** Seconds from a `Retry-After` value (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, (date - now) / 1000);
}

/** The error for a non-2xx answer, from its error envelope `{"error": {code, message, details, request_id}}`. */
export function errorFromResponse(status: number, headers: Headers, bodyText: string): APIStatusError {
  let code = `HTTP_${status}`;
  let message = bodyText.length > 500 ? bodyText.slice(0, 500) : bodyText;
  let details: ErrorDetail[] = [];
  let requestId: string | null = null;
  try {
    const body: unknown = JSON.parse(bodyText);
    const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
    if (typeof error === "object" && error !== null) {
      const e = error as { code?: unknown; message?: unknown; details?: unknown; request_id?: unknown };
      if (typeof e.code === "string") code = e.code;
      if (typeof e.message === "string") message = e.message;
      if (Array.isArray(e.details)) details = e.details as ErrorDetail[];
      if (typeof e.request_id === "string" && e.request_id) requestId = e.request_id;
    }
  } catch {
    // not JSON: the class, `HTTP_<status>` and the body text say what there is to say
  }
  requestId ??= headers.get("x-request-id");
  if (!message) message = `HTTP ${status}`;
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : APIStatusError);
  return new Class(status, code, message, details, requestId, headers);
}
