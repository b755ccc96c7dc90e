"""The exceptions of the client: every failure is a `PromptbankError`; an HTTP error carries the API's envelope."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Type

import httpx

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GoneError",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "PromptbankError",
    "RateLimitError",
    "error_from_response",
]


class PromptbankError(Exception):
    """The base of every error this client raises."""


class APIConnectionError(PromptbankError):
    """No HTTP answer: the connection was refused or dropped, or the host could not be resolved."""

    def __init__(self, message: str = "Connection error", *, request: Optional[httpx.Request] = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APITimeoutError(APIConnectionError):
    """No answer within the timeout."""

    def __init__(self, message: str = "Request timed out", *, request: Optional[httpx.Request] = None) -> None:
        super().__init__(message, request=request)


class APIStatusError(PromptbankError):
    """The API answered with an error status; the fields are those of its error envelope."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str,
        details: Optional[List[Dict[str, Any]]] = None,
        request_id: Optional[str] = None,
        response: Optional[httpx.Response] = None,
    ) -> None:
        super().__init__(f"{status_code} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details: List[Dict[str, Any]] = list(details or [])
        self.request_id = request_id
        self.response = response


class BadRequestError(APIStatusError):
    """400: the body, query or path failed validation (`details` names the fields)."""


class AuthenticationError(APIStatusError):
    """401: a missing, unknown, revoked or expired credential."""


class PermissionDeniedError(APIStatusError):
    """403: authenticated but not allowed (a read key writing, an API key on a session-only route)."""


class NotFoundError(APIStatusError):
    """404: no such resource, or one the caller may not see."""


class ConflictError(APIStatusError):
    """409: a slug, email or username taken, or an idempotency key reused with another body."""


class GoneError(APIStatusError):
    """410: an expired share link."""


class PreconditionFailedError(APIStatusError):
    """412: `If-Match` does not hold the current version's ETag (someone saved a newer version)."""


class PayloadTooLargeError(APIStatusError):
    """413: a body over 1 MiB."""


class RateLimitError(APIStatusError):
    """429: throttled or the monthly quota spent; `retry_after` is the server's `Retry-After` in seconds."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the API or an LLM provider behind it failed."""


_BY_STATUS: Dict[int, Type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
}


def retry_after_seconds(response: httpx.Response) -> Optional[float]:
    """`Retry-After` as seconds (RFC 9110: delta-seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The exception for an error response, from its envelope; a body that is not one still gets the right class."""
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    code, message = f"HTTP_{status}", (response.text or response.reason_phrase)[:500]
    details: List[Dict[str, Any]] = []
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
        raw_details = error.get("details")
        details = raw_details if isinstance(raw_details, list) else []
        request_id = error.get("request_id") or request_id
    kwargs: Dict[str, Any] = {
        "status_code": status, "code": code, "details": details, "request_id": request_id, "response": response,
    }
    if status == 429:
        return RateLimitError(message, retry_after=retry_after_seconds(response), **kwargs)
    if status >= 500:
        return InternalServerError(message, **kwargs)
    return _BY_STATUS.get(status, APIStatusError)(message, **kwargs)
