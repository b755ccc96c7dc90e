"""Token counting for `GET/POST /v1/token-count`: provider-exact for Claude and Gemini when a key is there.

OpenAI models count exactly with the bundled tiktoken encodings; DeepSeek and OpenAI-compatible models are
estimated (promptbank.tokens). Claude and Gemini count exactly through the provider's count-tokens endpoint
when the caller has a key for it (their own, else the deployment's default); with no key, or if that call
fails, the answer is the estimate with `exact: false`. Counting never uses the AI limit: it generates
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from promptbank.auth.principal import Principal
from promptbank.errors import ProviderError, ProviderNotConfigured, ProviderTimeout, ValidationFailed
from promptbank.models.routing import route
from promptbank.observability import logger
from promptbank.provider_keys.service import KeyResolver
from promptbank.providers import Provider, deadline_after, get_provider
from promptbank.runs.models import TokenCount

#: Providers whose count-tokens endpoint gives the exact number.
EXACT_PROVIDERS = ("anthropic", "gemini")
#: The model each family alias counts with on the provider's endpoint (same tokenizer across the family).
ALIAS_MODELS = {"claude": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash"}
#: A count is a quick call: give up sooner than a run would, and fall back to the estimate.
COUNT_DEADLINE_S = 10.0


def _provider_and_model(model: str) -> tuple[str, str] | None:
    """(provider, provider's model id) for an exact-capable family, else None (count locally)."""
    from promptbank.tokens import FAMILY_ALIASES

    alias = FAMILY_ALIASES.get(model)
    if alias is not None:
        return (alias, ALIAS_MODELS[model]) if alias in EXACT_PROVIDERS else None
    try:
        provider, name = route(model)
    except ValidationFailed:
        return None  # count_tokens knows more ids (embeddings) or answers the 400 itself
    return (provider, name) if provider in EXACT_PROVIDERS else None


class TokenCountService:
    def __init__(
        self,
        keys: KeyResolver | None = None,
        provider_factory: Callable[..., Provider] = get_provider,
        deadline_s: float = COUNT_DEADLINE_S,
    ) -> None:
        self._keys = keys
        self.provider_factory = provider_factory
        self.deadline_s = deadline_s

    @property
    def keys(self) -> KeyResolver:
        if self._keys is None:
            self._keys = KeyResolver()
        return self._keys

    def count(self, principal: Principal, text: str, model: str) -> TokenCount:
        from promptbank.tokens import count_tokens

        target = _provider_and_model(model)
        if target is not None:
            exact = self._provider_count(principal.user_id, target[0], target[1], text)
            if exact is not None:
                return TokenCount(
                    model=model, token_count=exact, character_count=len(text), tokenizer=target[0], exact=True
                )
        return TokenCount.model_validate(count_tokens(text, model).to_dict())

    def _provider_count(self, user_id: str, provider_name: str, model: str, text: str) -> int | None:
        try:
            credentials = self.keys.find(user_id, provider_name)
            if credentials is None:
                return None
            provider = self.provider_factory(
                provider_name, api_key=credentials.api_key, base_url=credentials.base_url
            )
            return provider.count_tokens(model, text, deadline=deadline_after(self.deadline_s))
        except (ProviderError, ProviderTimeout, ProviderNotConfigured) as err:
            logger.warning(
                "provider token count failed; answering the estimate",
                extra={"provider": provider_name, "error_code": err.code},
            )
            return None
