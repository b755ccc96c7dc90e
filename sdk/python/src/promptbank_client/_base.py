"""What both clients share and that does no I/O: configuration, requests, retry delays, cache keys and the
decisions of the cache (what a failure returns). The I/O is in `_async/client.py` (and its generated twin)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import uuid
from typing import Any, Callable, Dict, Hashable, List, Mapping, Optional, Tuple, Type, TypeVar, Union

import httpx
from pydantic import BaseModel

from ._cache import CacheEntry, ResponseCache
from ._errors import APIConnectionError, APIStatusError, PromptbankError, retry_after_seconds
from ._version import __version__

__all__ = ["DEFAULT_TIMEOUT", "BaseClient", "Request", "Variables"]

T = TypeVar("T", bound=BaseModel)
Variables = Mapping[str, Union[str, int, float, bool, List[str]]]

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
#: The compiled GET takes `variables` as JSON of at most this many characters; longer ones go in a POST body.
MAX_QUERY_VARIABLES_JSON = 600
#: Routes that wait for an LLM: the API answers within 25 s, so the default timeout is raised for them.
LLM_TIMEOUT = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: A `Retry-After` longer than this is not waited for (the error is raised instead).
MAX_RETRY_AFTER = 60.0


class _DefaultTimeout(float):
    """5.0: the default timeout, which the LLM routes raise to 30 s (an explicit timeout applies everywhere)."""


DEFAULT_TIMEOUT = _DefaultTimeout(5.0)


class Request:
    __slots__ = ("headers", "json", "method", "params", "path", "timeout")

    def __init__(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self.method = method
        self.path = path
        self.params = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        self.json = json
        self.headers = dict(headers or {})
        self.timeout = timeout

    def with_headers(self, headers: Mapping[str, str]) -> "Request":
        copy = Request(self.method, self.path, params=self.params, json=self.json, timeout=self.timeout)
        copy.headers = {**self.headers, **headers}
        return copy


def _query_value(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def body(**fields: Any) -> Dict[str, Any]:
    """A JSON body of the fields given (None means "not given"; the API's own defaults apply)."""
    return {key.rstrip("_"): value for key, value in fields.items() if value is not None}


@functools.lru_cache(maxsize=1024)
def path_part(value: Union[str, int]) -> str:
    """`value` percent-encoded as one path segment (memoised: two URL parses were most of a cache hit's cost)."""
    return httpx.URL("/").copy_with(path="/" + str(value)).raw_path.decode()[1:].replace("/", "%2F")


class BaseClient:
    def __init__(
        self,
        base_url: Optional[str],
        api_key: Optional[str],
        *,
        timeout: float,
        max_retries: int,
        cache_ttl_seconds: float,
        cache_dir: Optional[Union[str, "os.PathLike[str]"]],
        cache_max_entries: int,
    ) -> None:
        self.base_url = (base_url or os.environ.get("PROMPTBANK_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("PROMPTBANK_API_KEY")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.timeout = timeout
        self.max_retries = max_retries
        self._cache = ResponseCache(cache_ttl_seconds, cache_dir, cache_max_entries)
        credential = hashlib.sha256((self.api_key or "").encode()).hexdigest()
        self._cache_scope: Tuple[str, str] = (self.base_url, credential)

    # -- requests ------------------------------------------------------------------------------------------

    def _default_headers(self) -> Dict[str, str]:
        client = f"promptbank-python/{__version__}"
        headers = {"User-Agent": client, "X-Promptbank-Client": client, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _timeout_for(self, request: Request, llm: bool) -> float:
        if request.timeout is not None:
            return request.timeout
        if llm and isinstance(self.timeout, _DefaultTimeout):
            return LLM_TIMEOUT
        return float(self.timeout)

    def _prepare(self, request: Request) -> Request:
        """The request as sent: a POST or PATCH gets an `Idempotency-Key` for this call, reused by its retries only
        (a retried POST never does the work twice, and a retried `If-Match` PATCH whose first answer was lost gets
        that answer, not a 412 for its own change; a later call with the same request is new work)."""
        if request.method in ("POST", "PATCH") and "Idempotency-Key" not in request.headers:
            return request.with_headers({"Idempotency-Key": str(uuid.uuid4())})
        return request

    def _retry_delay(self, attempt: int, response: Optional[httpx.Response], retries: Optional[int] = None) -> Optional[float]:
        """Seconds to wait before retry `attempt` (0-based), or None when the failure is not retried."""
        if attempt >= (self.max_retries if retries is None else retries):
            return None
        if response is not None:
            if response.status_code not in RETRY_STATUSES:
                return None
            retry_after = retry_after_seconds(response)
            if retry_after is not None:
                return float(retry_after) if retry_after <= MAX_RETRY_AFTER else None
        backoff: float = min(8.0, 0.5 * 2.0**attempt)
        return backoff * (1 - 0.25 * random.random())

    # -- the cache -----------------------------------------------------------------------------------------

    def _cache_key(self, operation: str, ref: str, selector: Any, variables: Any = None, strict: bool = False) -> Tuple[Hashable, ...]:
        canonical = json.dumps(variables, sort_keys=True, separators=(",", ":")) if variables else ""
        return (*self._cache_scope, operation, ref, selector, canonical, strict)

    def _prompt_request(self, ref: str, label: Optional[str], version: Optional[int], timeout: Optional[float]) -> Request:
        return Request("GET", f"/v1/prompts/{path_part(ref)}", params={"label": label, "version": version}, timeout=timeout)

    def _compile_request(
        self,
        ref: str,
        variables: Optional[Variables],
        label: Optional[str],
        version: Optional[int],
        strict: bool,
        timeout: Optional[float],
    ) -> Request:
        path = f"/v1/prompts/{path_part(ref)}"
        text = json.dumps(dict(variables), separators=(",", ":"), ensure_ascii=False) if variables else None
        if text is None or len(text) <= MAX_QUERY_VARIABLES_JSON:
            params = {"variables": text, "label": label, "version": version, "strict": strict or None}
            return Request("GET", f"{path}/compiled", params=params, timeout=timeout)
        payload = body(variables=dict(variables or {}), label=label, version=version, strict=strict or None)
        return Request("POST", f"{path}/compile", json=payload, timeout=timeout)

    def _store(self, key: Tuple[Hashable, ...], response: httpx.Response, result_type: Type[T]) -> T:
        value = response.json()
        result = result_type.model_validate(value)
        if self._cache.enabled:
            self._cache.put(key, result, value, value.get("etag") if isinstance(value, dict) else None)
        return result

    def _revalidated(self, key: Tuple[Hashable, ...], entry: Optional[CacheEntry], response: httpx.Response, result_type: Type[T]) -> None:
        """Apply a revalidation's answer: 304 (or the same ETag from a POST) renews, anything else replaces."""
        if response.status_code == 304:
            self._cache.renew(key)
            return
        value = response.json()
        if entry is not None and isinstance(value, dict) and value.get("etag") and value.get("etag") == entry.etag:
            self._cache.renew(key)
        else:
            self._store(key, response, result_type)

    def _recover(
        self,
        key: Tuple[Hashable, ...],
        error: PromptbankError,
        result_type: Type[T],
        fallback: Optional[Callable[[], T]],
    ) -> T:
        """What a failed fetch returns: the last good value when the failure is transient (stale-if-error: memory,
        then disk), the fallback, or the error. A definitive answer (400, 401, 403, 404, 410) evicts the entry."""
        if _transient(error):
            entry = self._cache.get(key)
            if entry is not None:
                return entry.result  # type: ignore[no-any-return]
            stored = self._cache.load(key)
            if stored is not None:
                value, etag = stored
                result = result_type.model_validate(value)
                self._cache.adopt(key, CacheEntry(result, value, etag, 0.0))
                return result
        elif self._cache.enabled:
            self._cache.evict(key)
        if fallback is not None:
            return fallback()
        raise error


def _transient(error: PromptbankError) -> bool:
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and (error.status_code == 429 or error.status_code >= 500)


def gone(error: PromptbankError) -> bool:
    """A revalidation's answer that the cached value no longer exists (404, 410): evict rather than serve it. Any
    other failure keeps serving the stale value (a 401 or 403 during a key rotation must not take prompts away)."""
    return isinstance(error, APIStatusError) and error.status_code in (404, 410)
