"""The one transport every provider uses: pooled client, deadlines, retries, and failure mapping.

- One `httpx.Client` per process, created on first use, so warm Lambda containers reuse connections.
  httpx itself is imported only then.
- Each attempt gets timeouts cut to the time left before the caller's `deadline` (a `time.monotonic()`
  value): connect <= CONNECT_TIMEOUT_S, read <= READ_TIMEOUT_S, and the body is read in chunks with the
  deadline checked between them.
- Up to MAX_RETRIES retries on 429, 5xx, connection errors and timeouts, with exponential backoff and
  full jitter (BACKOFF_BASE_S * 2**n), or the provider's `Retry-After` (seconds, HTTP date, or
  OpenAI's `retry-after-ms`) when it is at most MAX_RETRY_AFTER_S. No sleep runs past the deadline:
  a retry that could not start in time is not made, and the last failure is reported.
- Connections go through `promptbank.egress.transport`: each one is made to an address the egress policy
  checked when it resolved the host (no DNS rebinding; `PROMPTBANK_EGRESS=loopback` in tests). A refused
  host is ProviderNotConfigured on `base_url`, at once and never retried. Redirects are not followed.
- Failures: HTTP error -> ProviderError with details [{provider, status, message}]; connection error
  -> ProviderError with status None; timeout -> ProviderTimeout; 2xx that is not JSON -> ProviderError
  "malformed response". The API key never reaches an error or a log line: the provider's error text is
  redacted, and transport exceptions are reported by type only (some quote request headers).

Tests make backoff instant by patching `_sleep` (and `_random` for the jitter) on this module.
"""

from __future__ import annotations

import json
import logging
import math
import random
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from promptbank import __version__
from promptbank.egress import EgressRefused
from promptbank.errors import ProviderError, ProviderNotConfigured, ProviderTimeout

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("promptbank.providers")

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 25.0
MAX_RETRIES = 2
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 4.0
MAX_RETRY_AFTER_S = 10.0
#: An attempt is not started with less time than this left before the deadline.
MIN_ATTEMPT_S = 0.05
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_ERROR_MESSAGE_CHARS = 500
KEEPALIVE_EXPIRY_S = 30.0
USER_AGENT = f"promptbank/{__version__}"

# Patched by tests.
_sleep = time.sleep
_random = random.random

_client: httpx.Client | None = None
_client_lock = threading.Lock()


def get_client() -> httpx.Client:
    """The process-wide client (created, and httpx imported, on first use)."""
    global _client
    client = _client
    if client is None:
        with _client_lock:
            if _client is None:
                import httpx

                from promptbank.egress.transport import PinnedTransport

                # No proxies, netrc or CA bundles from the environment (PinnedTransport reads none): routing
                # goes through the PROMPTBANK_<PROVIDER>_BASE_URL overrides, explicitly.
                transport = PinnedTransport(
                    limits=httpx.Limits(
                        max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY_S
                    ),
                    # httpcore writes the headers and the body separately: without TCP_NODELAY, Nagle's
                    # algorithm can hold the body until the peer's (delayed) ACK of the headers.
                    socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                )
                _client = httpx.Client(
                    transport=transport,
                    trust_env=False,
                    follow_redirects=False,
                    headers={"User-Agent": USER_AGENT},
                )
            client = _client
    return client


def close_client() -> None:
    """Close the shared client (its pooled connections); the next call creates a new one."""
    global _client
    with _client_lock:
        client, _client = _client, None
    if client is not None:
        client.close()


class _DeadlineWhileReading(Exception):
    """The deadline passed while the response body was still arriving."""


class _TooLarge(Exception):
    """The response body is larger than MAX_RESPONSE_BYTES."""


def post_json(
    provider: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    deadline: float,
    secrets: Sequence[str] = (),
) -> Any:
    """POST `body` as JSON to `url` with retries; the decoded JSON of the 2xx answer.

    `provider` names the provider in errors and logs; `secrets` (the API key) are scrubbed from any
    text the provider sends back before it is put in an error.
    """
    import httpx

    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    all_headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    client = get_client()
    started = time.monotonic()
    attempts = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout_error(provider, started, attempts, "the deadline passed before sending")
        attempts += 1
        retry_after: float | None = None
        try:
            status, response_headers, content = _attempt(
                client, url, all_headers, payload, deadline, remaining
            )
        except (httpx.TimeoutException, _DeadlineWhileReading) as exc:
            what = type(exc).__name__
            if isinstance(exc, _DeadlineWhileReading):
                what = "the deadline passed while reading"
            failure: ProviderError | ProviderTimeout = _timeout_error(provider, started, attempts, what)
            reason = what
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            reason = type(exc).__name__
            failure = ProviderError(
                f"Could not reach provider {provider}",
                details=[{"provider": provider, "status": None, "message": f"connection failed ({reason})"}],
            )
        except EgressRefused as exc:
            # The host resolved, at connect time, to an address the egress policy refuses: the same answer as
            # a saved base_url refused when it is resolved for a call (KeyResolver), and never retried.
            where = _origin(url)
            raise ProviderNotConfigured(
                f"The base URL of provider {provider} ({where}) is not allowed: {exc}",
                details=[{"provider": provider, "field": "base_url", "message": f"{where}: {exc}"}],
            ) from None
        except _TooLarge:
            raise ProviderError(
                f"Provider {provider} sent a malformed response",
                details=[_detail(provider, None, f"response larger than {MAX_RESPONSE_BYTES} bytes")],
            ) from None
        except httpx.HTTPError as exc:
            # Not retryable (a bad URL or header, a proxy error). Reported by type only, and without the
            # exception chained: some of these quote the request headers, API key included.
            raise ProviderError(
                f"Could not call provider {provider}",
                details=[_detail(provider, None, f"request failed ({type(exc).__name__})")],
            ) from None
        else:
            if 200 <= status < 300:
                return _decode(provider, status, content)
            failure = ProviderError(
                f"Provider {provider} returned HTTP {status}",
                details=[_detail(provider, status, _error_message(content, secrets) or f"HTTP {status}")],
            )
            if not _retryable(status):
                raise failure
            reason = f"HTTP {status}"
            retry_after = _retry_after(response_headers)

        if attempts > MAX_RETRIES:
            raise failure
        if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
            logger.warning(
                "provider %s: %s with Retry-After %.1f s (more than %.0f s): not retrying",
                provider,
                reason,
                retry_after,
                MAX_RETRY_AFTER_S,
            )
            raise failure
        delay = retry_after if retry_after is not None else _backoff(attempts)
        if time.monotonic() + delay + MIN_ATTEMPT_S >= deadline:
            logger.warning(
                "provider %s: %s on attempt %d; no time left for a retry before the deadline",
                provider,
                reason,
                attempts,
            )
            raise failure
        logger.warning(
            "provider %s: %s on attempt %d of %d; retrying in %.2f s",
            provider,
            reason,
            attempts,
            MAX_RETRIES + 1,
            delay,
        )
        if delay > 0:
            _sleep(delay)


def _attempt(
    client: httpx.Client,
    url: str,
    headers: Mapping[str, str],
    payload: bytes,
    deadline: float,
    remaining: float,
) -> tuple[int, httpx.Headers, bytes]:
    import httpx

    timeout = httpx.Timeout(
        connect=min(CONNECT_TIMEOUT_S, remaining),
        read=min(READ_TIMEOUT_S, remaining),
        write=min(READ_TIMEOUT_S, remaining),
        pool=min(CONNECT_TIMEOUT_S, remaining),
    )
    request = client.build_request("POST", url, content=payload, headers=headers, timeout=timeout)
    # Never followed: a redirect could lead the key to a host that no base-URL check has seen.
    response = client.send(request, stream=True, follow_redirects=False)
    try:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise _TooLarge
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _DeadlineWhileReading
        return response.status_code, response.headers, b"".join(chunks)
    finally:
        response.close()


def _origin(url: str) -> str:
    """`scheme://host[:port]` of `url`: what the egress policy judged, without path, query or credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _backoff(attempts: int) -> float:
    """Full jitter: uniform in [0, base * 2**(attempt - 1)], capped."""
    return _random() * min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempts - 1))


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the provider asks us to wait, from `retry-after-ms` or `Retry-After`; None if absent or bad."""
    seconds: float | None = None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            seconds = float(raw_ms) / 1000
        except ValueError:
            seconds = None
    if seconds is None:
        raw = headers.get("retry-after")
        if not raw:
            return None
        try:
            seconds = float(raw)
        except ValueError:
            import email.utils  # only for the rare HTTP-date form
            from datetime import UTC

            try:
                when = email.utils.parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _decode(provider: str, status: int, content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        raise malformed(provider, "the body is not JSON", status) from None


def malformed(provider: str, why: str, status: int | None = 200) -> ProviderError:
    """The error for a 2xx answer that is not the shape the provider documents."""
    return ProviderError(
        f"Provider {provider} sent a malformed response",
        details=[_detail(provider, status, f"malformed response: {why}")],
    )


def _detail(provider: str, status: int | None, message: str) -> dict[str, Any]:
    return {"provider": provider, "status": status, "message": message[:MAX_ERROR_MESSAGE_CHARS]}


def _timeout_error(provider: str, started: float, attempts: int, what: str) -> ProviderTimeout:
    elapsed = time.monotonic() - started
    return ProviderTimeout(
        f"Provider {provider} did not answer in time",
        details=[
            {
                "provider": provider,
                "status": None,
                "message": f"timed out ({what}) after {elapsed:.1f} s and {attempts} attempt(s)",
            }
        ],
    )


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[REDACTED]")
    return text


def _error_message(content: bytes, secrets: Sequence[str]) -> str:
    """The provider's error message from its JSON error body (any of the usual shapes), else the raw text."""
    message: str | None = None
    try:
        message = _find_message(json.loads(content))
    except ValueError:
        message = None
    if message is None:
        message = content.decode("utf-8", "replace").strip()
    # Redact before truncating, so a key cut in two by the limit cannot slip through.
    return redact(" ".join(message.split()), secrets)[:MAX_ERROR_MESSAGE_CHARS]


def _find_message(data: Any) -> str | None:
    if isinstance(data, list) and data:  # Gemini sometimes wraps the error object in a list
        return _find_message(data[0])
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])  # OpenAI, Anthropic, Gemini, DeepSeek
    if isinstance(error, str):
        return error  # Ollama, some proxies
    for key in ("message", "detail"):  # vLLM / FastAPI servers
        value = data.get(key)
        if isinstance(value, str):
            return value
    return None
