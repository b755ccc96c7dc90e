"""Response models of provider keys (API.md §2): what a saved key looks like from outside, never the key."""

from __future__ import annotations

from typing import Literal

from promptbank.outputs import Output

ProviderName = Literal["openai", "anthropic", "deepseek", "gemini", "openai_compatible"]


class ProviderKey(Output):
    """One provider's entry, configured or not; `masked_key` shows at most the last 4 characters."""

    provider: ProviderName
    configured: bool
    masked_key: str | None
    base_url: str | None
    updated_at: str | None
