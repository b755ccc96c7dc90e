"""LLM providers behind one interface: `get_provider(name, api_key=..., base_url=...).chat(...)`.

Providers: openai, deepseek, openai_compatible (one OpenAI-style client), anthropic, gemini. Importing
this package is cheap: the provider modules and httpx are loaded only when a provider is used.
See docs/providers.md.
"""

from __future__ import annotations

from promptbank.errors import ProviderNotConfigured
from promptbank.providers._types import (
    DEFAULT_DEADLINE_S,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    Provider,
    deadline_after,
)

__all__ = [
    "DEFAULT_DEADLINE_S",
    "PROVIDER_NAMES",
    "ChatMessage",
    "ChatRequest",
    "ChatResponse",
    "Provider",
    "close_client",
    "deadline_after",
    "get_provider",
]

PROVIDER_NAMES: tuple[str, ...] = ("openai", "anthropic", "deepseek", "gemini", "openai_compatible")


def get_provider(name: str, *, api_key: str, base_url: str | None = None) -> Provider:
    """The provider `name`, calling with `api_key`.

    `base_url` is the user's configured one (it wins over PROMPTBANK_<NAME>_BASE_URL, which wins over
    the default). Raises ProviderNotConfigured for an unknown name, a missing key (openai_compatible
    may have none) or a missing/invalid base URL (openai_compatible has no default).
    """
    if name in ("openai", "deepseek", "openai_compatible"):
        from promptbank.providers.openai import OpenAIProvider

        return OpenAIProvider(name, api_key=api_key, base_url=base_url)
    if name == "anthropic":
        from promptbank.providers.anthropic import AnthropicProvider

        return AnthropicProvider(name, api_key=api_key, base_url=base_url)
    if name == "gemini":
        from promptbank.providers.gemini import GeminiProvider

        return GeminiProvider(name, api_key=api_key, base_url=base_url)
    known = ", ".join(PROVIDER_NAMES)
    raise ProviderNotConfigured(
        f"Unknown provider {name!r}", details=[{"provider": name, "message": f"one of {known}"}]
    )


def close_client() -> None:
    """Close the process-wide HTTP client and its pooled connections (tests, benchmarks, shutdown)."""
    from promptbank.providers._http import close_client as _close

    _close()
