"""Token counts (API.md `TokenCount`): exact with tiktoken for OpenAI models, a scaled estimate for others."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from promptbank.errors import ValidationFailed
from promptbank.models.routing import route
from promptbank.tokens.bundle import SUPPORTED_ENCODINGS, get_encoding

DEFAULT_OPENAI_ENCODING: Final = "o200k_base"
ESTIMATE_BASE_ENCODING: Final = "o200k_base"

# Tokens of the family's own tokenizer per o200k_base token, for mixed English prose and code.
# Where each number comes from, and how far off it can be, is in docs/tokens.md.
ESTIMATE_FACTORS: Final[dict[str, Decimal]] = {
    "anthropic": Decimal("1.20"),
    "gemini": Decimal("1.08"),
    "deepseek": Decimal("1.10"),
    "openai_compatible": Decimal("1.10"),
}

# The API's family aliases (`model=claude`), by the provider whose tokenizer they mean.
FAMILY_ALIASES: Final[dict[str, str]] = {
    "openai": "openai",
    "claude": "anthropic",
    "gemini": "gemini",
    "deepseek": "deepseek",
}

# o200k_harmony (gpt-oss) has o200k_base's ranks plus special tokens, which ordinary counting ignores.
_SAME_ORDINARY_COUNTS: Final = {"o200k_harmony": "o200k_base"}


@dataclass(frozen=True, slots=True)
class TokenCount:
    """The API's `TokenCount`. Provider-exact counts reuse it: ``tokenizer="anthropic", exact=True``."""

    model: str
    token_count: int
    character_count: int
    tokenizer: str
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "token_count": self.token_count,
            "character_count": self.character_count,
            "tokenizer": self.tokenizer,
            "exact": self.exact,
        }


def count_tokens(text: str, model: str) -> TokenCount:
    """Count ``text`` for ``model`` (an id, `provider/id`, or a family alias); 400 for an unknown family.

    Special-token strings such as ``<|endoftext|>`` count as the ordinary text they are, as they
    would in a user's prompt. ``character_count`` is in Unicode code points.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    provider, encoding = _resolve(_model_id(model))
    if encoding is not None:
        return TokenCount(
            model=model,
            token_count=count_exact_openai(text, encoding),
            character_count=len(text),
            tokenizer=encoding,
            exact=True,
        )
    return TokenCount(
        model=model,
        token_count=estimate_tokens(text, provider),
        character_count=len(text),
        tokenizer=estimate_tokenizer_name(provider),
        exact=False,
    )


def count_exact_openai(text: str, encoding_name: str) -> int:
    """The exact number of tokens of ``text`` in a bundled tiktoken encoding, special tokens as text."""
    return len(get_encoding(encoding_name).encode_ordinary(text))


def encoding_for_model(model: str) -> str:
    """The tiktoken encoding of an OpenAI model ("o200k_base" or "cl100k_base"); 400 for other models.

    Uses tiktoken's own model table (so `gpt-4-turbo` and `text-embedding-3-small` are cl100k_base,
    `gpt-4o` and `gpt-4.1` o200k_base); OpenAI models it does not know yet get o200k_base.
    """
    encoding = _resolve(_model_id(model))[1]
    if encoding is None:
        raise ValidationFailed.field(
            "model", f"{model!r} is not an OpenAI model; its tokens can only be estimated"
        )
    return encoding


def estimate_tokens(text: str, provider: str) -> int:
    """Estimated tokens of ``text`` for a provider without a local tokenizer: o200k_base count x factor."""
    try:
        factor = ESTIMATE_FACTORS[provider]
    except KeyError:
        raise ValueError(f"No token estimate for provider {provider!r}") from None
    if not text:
        return 0
    return math.ceil(count_exact_openai(text, ESTIMATE_BASE_ENCODING) * factor)


def estimate_tokenizer_name(provider: str) -> str:
    """The `tokenizer` reported with an estimate, e.g. "anthropic-estimate"."""
    return f"{provider}-estimate"


def _model_id(model: object) -> str:
    if not isinstance(model, str) or not model:
        raise ValidationFailed.field("model", "Model is required")
    return model


@lru_cache(maxsize=1024)
def _resolve(model: str) -> tuple[str, str | None]:
    """(provider, tiktoken encoding if counted exactly); cached, so small texts pay no routing cost."""
    provider, name = _family(model)
    if provider != "openai":
        return provider, None
    return provider, _openai_encoding(name) if name else DEFAULT_OPENAI_ENCODING


def _family(model: str) -> tuple[str, str | None]:
    """(provider whose tokenizer applies, model name to look up or None for a bare family alias)."""
    alias = FAMILY_ALIASES.get(model)
    if alias is not None:
        return alias, None
    try:
        provider, name = route(model)
    except ValidationFailed:
        # OpenAI models outside the chat families (text-embedding-3-small, davinci-002) still count exactly.
        if _tiktoken_encoding_name(model) is not None:
            return "openai", model
        raise ValidationFailed.field(
            "model",
            f"Unknown model family {model!r}: use an OpenAI, Claude, Gemini or DeepSeek model id, "
            f"provider/model, or one of the aliases {', '.join(FAMILY_ALIASES)}",
        ) from None
    return provider, name


def _openai_encoding(name: str) -> str:
    encoding = _tiktoken_encoding_name(name) or DEFAULT_OPENAI_ENCODING
    encoding = _SAME_ORDINARY_COUNTS.get(encoding, encoding)
    if encoding not in SUPPORTED_ENCODINGS:
        raise ValidationFailed.field(
            "model", f"{name!r} uses the retired {encoding} encoding, which is not bundled"
        )
    return encoding


def _tiktoken_encoding_name(name: str) -> str | None:
    # tiktoken.model is a lookup table: importing it builds nothing and downloads nothing.
    from tiktoken.model import encoding_name_for_model

    try:
        return encoding_name_for_model(name)
    except KeyError:
        return None
