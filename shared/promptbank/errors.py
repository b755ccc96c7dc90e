"""Domain errors: each one knows its HTTP status and envelope code, so no layer picks statuses by hand."""

from __future__ import annotations

from typing import Any


class PromptbankError(Exception):
    """Base of every error that reaches a client as the error envelope."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    default_message: str = "Internal error"

    def __init__(
        self,
        message: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(PromptbankError):
    status, code, default_message = 400, "VALIDATION_ERROR", "Request validation failed"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        """The common case: one named field is wrong."""
        return cls(f"{field}: {message}", details=[{"field": field, "message": message}])


class ProviderNotConfigured(PromptbankError):
    status, code, default_message = 400, "PROVIDER_NOT_CONFIGURED", "Provider not configured"


class Unauthorized(PromptbankError):
    status, code, default_message = 401, "UNAUTHORIZED", "Missing or invalid credentials"


class InvalidCredentials(PromptbankError):
    status, code, default_message = 401, "INVALID_CREDENTIALS", "Invalid email or password"


class Forbidden(PromptbankError):
    status, code, default_message = 403, "FORBIDDEN", "Not allowed"


class NotFound(PromptbankError):
    status, code, default_message = 404, "NOT_FOUND", "Not found"


class MethodNotAllowed(PromptbankError):
    status, code, default_message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class Conflict(PromptbankError):
    status, code, default_message = 409, "CONFLICT", "Conflict"


class Gone(PromptbankError):
    status, code, default_message = 410, "GONE", "Gone"


class PreconditionFailed(PromptbankError):
    status, code, default_message = 412, "PRECONDITION_FAILED", "Precondition failed"


class PayloadTooLarge(PromptbankError):
    status, code, default_message = 413, "PAYLOAD_TOO_LARGE", "Request body is larger than 1 MiB"


class UnsupportedMediaType(PromptbankError):
    status, code, default_message = 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json"


class RateLimited(PromptbankError):
    status, code, default_message = 429, "RATE_LIMITED", "Too many requests"

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after


class QuotaExceeded(RateLimited):
    code, default_message = "QUOTA_EXCEEDED", "Monthly request quota exceeded"


class ProviderError(PromptbankError):
    status, code, default_message = 502, "PROVIDER_ERROR", "The LLM provider failed"


class ProviderTimeout(PromptbankError):
    status, code, default_message = 504, "PROVIDER_TIMEOUT", "The LLM provider did not answer in time"


def envelope(code: str, message: str, request_id: str, details: list[dict[str, Any]] | None = None) -> dict:
    """The one error body of the API (API.md section 1)."""
    return {"error": {"code": code, "message": message, "details": details or [], "request_id": request_id}}
