export { PromptbankClient } from "./client.js";
export type { ClientOptions, CompileOptions, GetPromptOptions, RequestOptions } from "./client.js";
export {
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
} from "./errors.js";
export type { ErrorDetail } from "./errors.js";
export type * from "./types.js";
export { VERSION } from "./version.js";
