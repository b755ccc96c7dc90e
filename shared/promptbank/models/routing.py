"""Which provider serves a model id: `gpt-4o` -> openai, `anthropic/claude-...` -> anthropic (API.md §5)."""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from promptbank.errors import ValidationFailed

PROVIDERS: Final = ("openai", "anthropic", "deepseek", "gemini", "openai_compatible")
DEFAULT_MODEL: Final = "deepseek-chat"
MAX_MODEL_ID_LENGTH: Final = 256

# Bare ids name their provider by family prefix; `o<digit>` keeps `omni-moderation-*` and the like out,
# and `ft:` is how OpenAI names fine-tuned models (`ft:gpt-4o-mini-2024-07-18:org::id`).
_FAMILY_PATTERNS: Final = (
    (re.compile(r"(?:ft:)?(?:gpt-|o\d)|chatgpt-"), "openai"),
    (re.compile(r"claude-"), "anthropic"),
    (re.compile(r"deepseek-"), "deepseek"),
    (re.compile(r"gemini-"), "gemini"),
)
# Printable ASCII without spaces: model ids end up in URLs, headers and log lines.
_WELL_FORMED: Final = re.compile(r"[\x21-\x7e]+")


class Route(NamedTuple):
    provider: str
    model: str


def route(model: str) -> Route:
    """The provider and the provider's own model id for ``model``; 400 VALIDATION_ERROR if none fits.

    ``provider/model`` picks the provider explicitly and keeps everything after the first slash
    (`openai_compatible/meta-llama/Llama-3-8b` -> model `meta-llama/Llama-3-8b`).
    """
    if not isinstance(model, str) or not model:
        raise ValidationFailed.field("model", "Model is required")
    if len(model) > MAX_MODEL_ID_LENGTH:
        raise ValidationFailed.field("model", f"Model id is longer than {MAX_MODEL_ID_LENGTH} characters")
    if not _WELL_FORMED.fullmatch(model):
        raise ValidationFailed.field("model", "Model id may not contain spaces or control characters")
    prefix, slash, rest = model.partition("/")
    if slash:
        if prefix not in PROVIDERS:
            raise ValidationFailed.field(
                "model", f"Unknown model provider {prefix!r}; expected one of {', '.join(PROVIDERS)}"
            )
        if not rest:
            raise ValidationFailed.field("model", f"Missing model name after {prefix!r}/")
        return Route(prefix, rest)
    for pattern, provider in _FAMILY_PATTERNS:
        if pattern.match(model):
            return Route(provider, model)
    raise ValidationFailed.field(
        "model",
        f"Unknown model {model!r}: use a gpt-*, o<digit>*, chatgpt-*, claude-*, deepseek-* or gemini-* id, "
        f"or name the provider as provider/model",
    )


def provider_for(model: str, field: str) -> str:
    """`route(model)`'s provider, with a 400 naming the request's own field (`judge_model`, say) instead of `model`."""
    try:
        return route(model).provider
    except ValidationFailed as err:
        details = [{**detail, "field": field} for detail in err.details or []]
        raise ValidationFailed(err.message.replace("model:", f"{field}:", 1), details=details) from None
