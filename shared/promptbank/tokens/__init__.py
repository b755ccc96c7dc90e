"""Token counting for the `TokenCount` API: bundled, hash-verified tiktoken encodings, nothing downloaded.

Importing this package loads no encoding; each one is built on first use and kept for the container.
"""

from promptbank.tokens.bundle import (
    SUPPORTED_ENCODINGS,
    EncodingIntegrityError,
    EncodingUnavailable,
    clear_cache,
    get_encoding,
    loaded_encodings,
    preload,
)
from promptbank.tokens.counting import (
    ESTIMATE_FACTORS,
    FAMILY_ALIASES,
    TokenCount,
    count_exact_openai,
    count_tokens,
    encoding_for_model,
    estimate_tokenizer_name,
    estimate_tokens,
)

__all__ = [
    "ESTIMATE_FACTORS",
    "FAMILY_ALIASES",
    "SUPPORTED_ENCODINGS",
    "EncodingIntegrityError",
    "EncodingUnavailable",
    "TokenCount",
    "clear_cache",
    "count_exact_openai",
    "count_tokens",
    "encoding_for_model",
    "estimate_tokenizer_name",
    "estimate_tokens",
    "get_encoding",
    "loaded_encodings",
    "preload",
]
