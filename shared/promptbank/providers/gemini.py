"""Google Gemini API: POST {base}/v1beta/models/{model}:generateContent and :countTokens.

The key goes in the `x-goog-api-key` header (never in the URL). System messages go to
`systemInstruction` (joined by blank lines), assistant turns take the role `model`, settings go to
`generationConfig`. Output tokens are `candidatesTokenCount` plus `thoughtsTokenCount` (thinking
models bill their thoughts as output); thought parts are left out of the output text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from promptbank.providers._common import (
    HTTPProvider,
    Malformed,
    add_tokens,
    expect_dict,
    expect_int,
    expect_list,
    opt_int,
    opt_str,
)
from promptbank.providers._types import ChatRequest, ChatResponse


def model_path(model: str, method: str) -> str:
    model = model.removeprefix("models/")
    return f"/v1beta/models/{quote(model, safe='')}:{method}"


def chat_body(request: ChatRequest) -> dict[str, Any]:
    system = [m.content for m in request.messages if m.role == "system"]
    body: dict[str, Any] = {
        "contents": [
            {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
            for m in request.messages
            if m.role != "system"
        ]
    }
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config: dict[str, Any] = {}
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    if request.top_p is not None:
        config["topP"] = request.top_p
    if request.stop:
        config["stopSequences"] = list(request.stop)
    if config:
        body["generationConfig"] = config
    return body


def parse_chat(data: Any, requested_model: str) -> tuple[str, str, int | None, int | None, str | None]:
    root = expect_dict(data, "the body")
    model = opt_str(root.get("modelVersion"), "modelVersion") or requested_model
    input_tokens = output_tokens = None
    if root.get("usageMetadata") is not None:
        usage = expect_dict(root["usageMetadata"], "usageMetadata")
        input_tokens = opt_int(usage.get("promptTokenCount"), "usageMetadata.promptTokenCount")
        output_tokens = add_tokens(
            opt_int(usage.get("candidatesTokenCount"), "usageMetadata.candidatesTokenCount"),
            opt_int(usage.get("thoughtsTokenCount"), "usageMetadata.thoughtsTokenCount"),
        )
    candidates = expect_list(root.get("candidates", []), "candidates")
    if not candidates:
        # A blocked prompt has no candidates, only promptFeedback.blockReason.
        feedback = expect_dict(root.get("promptFeedback"), "candidates (and promptFeedback)")
        block_reason = opt_str(feedback.get("blockReason"), "promptFeedback.blockReason")
        if block_reason is None:
            raise Malformed("candidates is empty")
        return "", model, input_tokens, output_tokens, block_reason
    candidate = expect_dict(candidates[0], "candidates[0]")
    finish_reason = opt_str(candidate.get("finishReason"), "candidates[0].finishReason")
    texts = []
    if candidate.get("content") is not None:  # absent when the answer was stopped (SAFETY, ...)
        content = expect_dict(candidate["content"], "candidates[0].content")
        for i, part in enumerate(expect_list(content.get("parts", []), "candidates[0].content.parts")):
            part = expect_dict(part, f"candidates[0].content.parts[{i}]")
            if part.get("thought") is True:
                continue
            texts.append(opt_str(part.get("text"), f"candidates[0].content.parts[{i}].text") or "")
    return "".join(texts), model, input_tokens, output_tokens, finish_reason


class GeminiProvider(HTTPProvider):
    def __init__(self, name: str = "gemini", *, api_key: str, base_url: str | None = None):
        super().__init__(name, api_key=api_key, base_url=base_url)
        self._headers = {"x-goog-api-key": self._api_key}

    def chat(self, request: ChatRequest, *, deadline: float) -> ChatResponse:
        path = model_path(request.model, "generateContent")
        return self._chat(path, chat_body(request), deadline, parse_chat, request.model)

    def count_tokens(self, model: str, text: str, *, deadline: float) -> int:
        """Tokens of `text` sent as one user turn."""
        body = {"contents": [{"role": "user", "parts": [{"text": text}]}]}
        data = self._post(model_path(model, "countTokens"), body, self._headers, deadline)
        with self._parsing():
            return expect_int(expect_dict(data, "the body").get("totalTokens"), "totalTokens")
