"""What the provider modules share besides the transport: base URL resolution, the base class, and
strict helpers for reading the provider's JSON (anything unexpected becomes "malformed response")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from promptbank.errors import ProviderNotConfigured
from promptbank.providers._http import malformed, post_json
from promptbank.providers._types import ChatResponse
from promptbank.settings import provider_base_url, provider_base_url_variable

#: Default base URLs, in the form each provider's own SDK takes them (API.md section 5).
DEFAULT_BASE_URLS: dict[str, str | None] = {
    "openai": "https://api.openai.com/v1",
    "deepseek": "https://api.deepseek.com",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "openai_compatible": None,  # no default: the user's key config or the environment must give one
}

_HEADER_SAFE = re.compile(r"[\x21-\x7e]*")


def base_url_env_var(provider: str) -> str:
    return provider_base_url_variable(provider)


def resolve_base_url(provider: str, explicit: str | None) -> str:
    """Explicit (the user's configured base_url) > PROMPTBANK_<PROVIDER>_BASE_URL > default.

    Read at every call, so a test (or a proxy switch) can change the environment at any time.
    """
    base = (explicit or "").strip() or provider_base_url(provider)
    base = base or DEFAULT_BASE_URLS.get(provider) or ""
    if not base:
        raise ProviderNotConfigured(
            f"Provider {provider} needs a base_url",
            details=[{"provider": provider, "message": f"set base_url or {base_url_env_var(provider)}"}],
        )
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderNotConfigured(
            f"Provider {provider} has an invalid base_url",
            details=[{"provider": provider, "message": "base_url must be an absolute http(s) URL"}],
        )
    return base.rstrip("/")


class Malformed(Exception):
    """A provider answer that does not have the documented shape (what is wrong, in the message)."""


class HTTPProvider:
    """Base of the providers: holds the key (never shown), resolves the base URL, posts through _http."""

    name: str
    _headers: dict[str, str]  # set by each provider's __init__ (its auth header)

    def __init__(self, name: str, *, api_key: str, base_url: str | None = None, key_required: bool = True):
        api_key = (api_key or "").strip()
        if key_required and not api_key:
            raise ProviderNotConfigured(f"No API key for provider {name}", details=[{"provider": name}])
        if not _HEADER_SAFE.fullmatch(api_key):
            raise ProviderNotConfigured(
                f"The API key for provider {name} has characters that cannot be sent in a header",
                details=[{"provider": name}],
            )
        self.name = name
        self._api_key = api_key
        self._base_url = base_url
        resolve_base_url(name, base_url)  # fail now on a missing or invalid base URL

    @property
    def base_url(self) -> str:
        """The base URL calls go to now (explicit > environment > default)."""
        return resolve_base_url(self.name, self._base_url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def _post(self, path: str, body: Mapping[str, Any], headers: Mapping[str, str], deadline: float) -> Any:
        url = self.base_url + path
        return post_json(
            self.name, url, headers=headers, body=body, deadline=deadline, secrets=(self._api_key,)
        )

    def _chat(
        self,
        path: str,
        body: Mapping[str, Any],
        deadline: float,
        parse: Callable[[Any, str], tuple[str, str, int | None, int | None, str | None]],
        requested_model: str,
    ) -> ChatResponse:
        """Post one chat request and map the answer with the provider's own `parse`, timing the round trip."""
        started = time.monotonic()
        data = self._post(path, body, self._headers, deadline)
        with self._parsing():
            output, model, input_tokens, output_tokens, finish_reason = parse(data, requested_model)
        return ChatResponse(
            output=output,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            finish_reason=finish_reason,
            latency_ms=elapsed_ms(started),
        )

    @contextmanager
    def _parsing(self) -> Iterator[None]:
        """Turn a Malformed raised while reading an answer into the provider's 502."""
        try:
            yield
        except Malformed as exc:
            raise malformed(self.name, str(exc)) from None


def elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def expect_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{what} is {_kind(value)}, expected an object")
    return value


def expect_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(f"{what} is {_kind(value)}, expected an array")
    return value


def expect_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{what} is {_kind(value)}, expected an integer")
    return value


def opt_int(value: Any, what: str) -> int | None:
    return None if value is None else expect_int(value, what)


def opt_str(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Malformed(f"{what} is {_kind(value)}, expected a string")
    return value


def add_tokens(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
