"""The provider-neutral request/response types and the one interface every provider implements.

Nothing here imports httpx: a function that only builds requests (or never calls a provider) does not
pay for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

#: The whole provider call (every attempt and every backoff sleep) fits in this many seconds, so that
#: API Gateway's 29 s integration limit is never hit (API.md section 5).
DEFAULT_DEADLINE_S: float = 25

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: list[ChatMessage]
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: list[str] | None = None


@dataclass(frozen=True)
class ChatResponse:
    output: str
    #: The model id the provider reports having answered with, else the requested one.
    model: str
    input_tokens: int | None
    output_tokens: int | None
    #: The provider's own value, unchanged ("stop", "end_turn", "STOP", ...).
    finish_reason: str | None
    #: Wall time of the whole call, retries and backoff included.
    latency_ms: int


@runtime_checkable
class Provider(Protocol):
    name: str

    def chat(self, request: ChatRequest, *, deadline: float) -> ChatResponse:
        """One chat completion; `deadline` is a `time.monotonic()` value the call never runs past."""
        ...

    def count_tokens(self, model: str, text: str, *, deadline: float) -> int:
        """Exact token count from the provider (anthropic, gemini); others raise NotImplementedError."""
        ...


def deadline_after(seconds: float = DEFAULT_DEADLINE_S) -> float:
    """The `deadline` value for a call that must end within `seconds` from now."""
    return time.monotonic() + seconds
