"""OpenAI Chat Completions, which also serves `deepseek` and `openai_compatible` (Ollama, vLLM, ...).

POST {base}/chat/completions with `Authorization: Bearer <key>`; bases are in the SDK form
(`https://api.openai.com/v1`, `https://api.deepseek.com`, the user's server for openai_compatible).
"""

from __future__ import annotations

import re
from typing import Any

from promptbank.providers._common import (
    HTTPProvider,
    Malformed,
    expect_dict,
    expect_list,
    opt_int,
    opt_str,
)
from promptbank.providers._types import ChatRequest, ChatResponse

OPENAI_STYLE_PROVIDERS = ("openai", "deepseek", "openai_compatible")

# OpenAI's reasoning models (o1, o3-mini, o4-mini, gpt-5...) take `max_completion_tokens` instead of
# `max_tokens`, and reject any temperature/top_p other than the default.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")


def _is_reasoning_model(model: str) -> bool:
    return bool(_REASONING_MODEL.match(model)) and "-chat" not in model


def chat_body(provider: str, request: ChatRequest) -> dict[str, Any]:
    """The Chat Completions body; settings left as None are not sent (the server's defaults apply)."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
    }
    reasoning = provider == "openai" and _is_reasoning_model(request.model)
    if request.temperature is not None and not reasoning:
        body["temperature"] = request.temperature
    if request.top_p is not None and not reasoning:
        body["top_p"] = request.top_p
    if request.max_tokens is not None:
        body["max_completion_tokens" if reasoning else "max_tokens"] = request.max_tokens
    if request.stop:
        body["stop"] = list(request.stop)
    return body


def parse_chat(data: Any, requested_model: str) -> tuple[str, str, int | None, int | None, str | None]:
    """(output, model, input_tokens, output_tokens, finish_reason) from a Chat Completions answer."""
    root = expect_dict(data, "the body")
    choices = expect_list(root.get("choices"), "choices")
    if not choices:
        raise Malformed("choices is empty")
    choice = expect_dict(choices[0], "choices[0]")
    message = expect_dict(choice.get("message"), "choices[0].message")
    content = message.get("content")
    if content is None:  # a refusal, or an answer cut before any text
        output = opt_str(message.get("refusal"), "choices[0].message.refusal") or ""
    elif isinstance(content, str):
        output = content
    elif isinstance(content, list):  # some compatible servers send content parts
        output = "".join(
            part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    else:
        raise Malformed("choices[0].message.content is not a string")
    finish_reason = opt_str(choice.get("finish_reason"), "choices[0].finish_reason")
    input_tokens = output_tokens = None
    if root.get("usage") is not None:
        usage = expect_dict(root["usage"], "usage")
        input_tokens = opt_int(usage.get("prompt_tokens"), "usage.prompt_tokens")
        output_tokens = opt_int(usage.get("completion_tokens"), "usage.completion_tokens")
    model = opt_str(root.get("model"), "model") or requested_model
    return output, model, input_tokens, output_tokens, finish_reason


class OpenAIProvider(HTTPProvider):
    """`openai`, `deepseek` or `openai_compatible` (the last needs a base URL, and its key may be empty)."""

    def __init__(self, name: str, *, api_key: str, base_url: str | None = None):
        if name not in OPENAI_STYLE_PROVIDERS:
            raise ValueError(f"not an OpenAI-style provider: {name!r}")
        super().__init__(name, api_key=api_key, base_url=base_url, key_required=name != "openai_compatible")
        self._headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def chat(self, request: ChatRequest, *, deadline: float) -> ChatResponse:
        return self._chat("/chat/completions", chat_body(self.name, request), deadline, parse_chat, request.model)

    def count_tokens(self, model: str, text: str, *, deadline: float) -> int:
        raise NotImplementedError(f"{self.name} has no token-counting endpoint; count locally (tiktoken)")
