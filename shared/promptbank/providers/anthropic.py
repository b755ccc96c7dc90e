"""Anthropic Messages API: POST {base}/v1/messages and {base}/v1/messages/count_tokens.

Headers `x-api-key` and `anthropic-version: 2023-06-01`. System messages go to the top-level `system`
field (several are joined by blank lines); `max_tokens` is required by Anthropic, DEFAULT_MAX_TOKENS
when the request has none.
"""

from __future__ import annotations

from typing import Any

from promptbank.providers._common import (
    HTTPProvider,
    expect_dict,
    expect_int,
    expect_list,
    opt_int,
    opt_str,
)
from promptbank.providers._types import ChatRequest, ChatResponse

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024


def chat_body(request: ChatRequest) -> dict[str, Any]:
    system = [m.content for m in request.messages if m.role == "system"]
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": DEFAULT_MAX_TOKENS if request.max_tokens is None else request.max_tokens,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
    }
    if system:
        body["system"] = "\n\n".join(system)
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    return body


def parse_chat(data: Any, requested_model: str) -> tuple[str, str, int | None, int | None, str | None]:
    """(output, model, input_tokens, output_tokens, finish_reason): the text blocks joined, others skipped."""
    root = expect_dict(data, "the body")
    texts = []
    for i, block in enumerate(expect_list(root.get("content"), "content")):
        block = expect_dict(block, f"content[{i}]")
        if block.get("type") == "text":
            texts.append(opt_str(block.get("text"), f"content[{i}].text") or "")
    input_tokens = output_tokens = None
    if root.get("usage") is not None:
        usage = expect_dict(root["usage"], "usage")
        input_tokens = opt_int(usage.get("input_tokens"), "usage.input_tokens")
        output_tokens = opt_int(usage.get("output_tokens"), "usage.output_tokens")
    finish_reason = opt_str(root.get("stop_reason"), "stop_reason")
    model = opt_str(root.get("model"), "model") or requested_model
    return "".join(texts), model, input_tokens, output_tokens, finish_reason


class AnthropicProvider(HTTPProvider):
    def __init__(self, name: str = "anthropic", *, api_key: str, base_url: str | None = None):
        super().__init__(name, api_key=api_key, base_url=base_url)
        self._headers = {"x-api-key": self._api_key, "anthropic-version": ANTHROPIC_VERSION}

    def chat(self, request: ChatRequest, *, deadline: float) -> ChatResponse:
        return self._chat("/v1/messages", chat_body(request), deadline, parse_chat, request.model)

    def count_tokens(self, model: str, text: str, *, deadline: float) -> int:
        """Tokens of `text` sent as one user message."""
        body = {"model": model, "messages": [{"role": "user", "content": text}]}
        data = self._post("/v1/messages/count_tokens", body, self._headers, deadline)
        with self._parsing():
            return expect_int(expect_dict(data, "the body").get("input_tokens"), "input_tokens")
