"""Request models of run, chat and enhance (API.md §5); outputs are plain dicts shaped in records.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from promptbank.inputs import StrictInput
from promptbank.prompts.models import Label

MAX_TOKENS_LIMIT = 200_000
MAX_MESSAGE_CHARS = 500_000

ModelId = Annotated[str, Field(min_length=1, max_length=256)]
Temperature = Annotated[float, Field(ge=0, le=2)]
MaxTokens = Annotated[int, Field(ge=1, le=MAX_TOKENS_LIMIT)]
Source = Literal["run", "chat", "enhance", "evaluate"]


class RunIn(StrictInput):
    variables: dict[str, Any] = Field(default_factory=dict)
    query: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)] | None = None
    model: ModelId | None = None
    temperature: Temperature | None = None
    max_tokens: MaxTokens | None = None
    version: Annotated[int, Field(ge=1)] | None = None
    label: Label | None = None


class ChatMessageIn(StrictInput):
    role: Literal["system", "user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]


class ChatIn(StrictInput):
    model: ModelId
    messages: Annotated[list[ChatMessageIn], Field(min_length=1, max_length=100)]
    temperature: Temperature = 0.7
    max_tokens: MaxTokens = 2048


class EnhanceIn(StrictInput):
    prompt: Annotated[str, Field(min_length=1, max_length=3_000)]
    model: ModelId | None = None


class TokenCountIn(StrictInput):
    prompt: Annotated[str, Field(min_length=1, max_length=1_000_000)]
    model: ModelId
