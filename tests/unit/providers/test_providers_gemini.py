"""The gemini provider: generateContent request shape, response mapping, countTokens."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.fake_provider import FakeProviderServer

from promptbank.providers import ChatMessage, ChatRequest, ChatResponse, deadline_after, get_provider

KEY = "AIza-test-gemini-0123456789"
MESSAGES = [
    ChatMessage("system", "Be brief."),
    ChatMessage("user", "what is up"),
    ChatMessage("assistant", "not much"),
    ChatMessage("user", "tell me more"),
]


def chat(model: str = "gemini-2.5-flash", **settings: Any) -> ChatResponse:
    request = ChatRequest(model=model, messages=MESSAGES, **settings)
    return get_provider("gemini", api_key=KEY).chat(request, deadline=deadline_after())


def test_chat_posts_to_generate_content_with_the_key_in_a_header(fake: FakeProviderServer) -> None:
    # Given the gemini provider
    # When a chat is run
    chat()
    # Then it went to /v1beta/models/{model}:generateContent with x-goog-api-key, and no key in the URL
    request = fake.last_request
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.header("x-goog-api-key") == KEY
    assert request.query == ""


def test_a_models_prefix_on_the_model_id_is_not_doubled(fake: FakeProviderServer) -> None:
    # Given a model id in Google's resource form
    # When a chat is run
    chat(model="models/gemini-2.0-flash")
    # Then the path has one models/ segment
    assert fake.last_request.path == "/v1beta/models/gemini-2.0-flash:generateContent"


def test_system_goes_to_system_instruction_and_assistant_becomes_model(fake: FakeProviderServer) -> None:
    # Given a conversation with system, user and assistant turns
    # When a chat is run
    chat()
    # Then system is systemInstruction, and the turns are contents with roles user/model
    body = fake.last_request.json
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "what is up"}]},
        {"role": "model", "parts": [{"text": "not much"}]},
        {"role": "user", "parts": [{"text": "tell me more"}]},
    ]


def test_chat_sends_the_settings_in_generation_config(fake: FakeProviderServer) -> None:
    # Given every setting
    # When a chat is run
    chat(temperature=0.4, max_tokens=128, top_p=0.95, stop=["STOP!"])
    # Then they are in generationConfig under Gemini's names
    assert fake.last_request.json["generationConfig"] == {
        "temperature": 0.4,
        "maxOutputTokens": 128,
        "topP": 0.95,
        "stopSequences": ["STOP!"],
    }


def test_no_generation_config_without_settings(fake: FakeProviderServer) -> None:
    # Given no settings
    # When a chat is run
    chat()
    # Then no generationConfig is sent
    assert "generationConfig" not in fake.last_request.json


def test_chat_maps_the_answer(fake: FakeProviderServer) -> None:
    # Given the fake's echo answer
    # When a chat is run
    response = chat(max_tokens=3)
    # Then output, model, usage and finish reason are mapped
    assert response.output == "echo: tell me"
    assert response.model == "gemini-2.5-flash"
    assert (response.input_tokens, response.output_tokens) == (10, 3)
    assert response.finish_reason == "MAX_TOKENS"


def test_thought_parts_are_left_out_and_their_tokens_counted_as_output(fake: FakeProviderServer) -> None:
    # Given a thinking model's answer with a thought part and thoughtsTokenCount
    answer = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"text": "pondering", "thought": True}, {"text": "42"}],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 1, "thoughtsTokenCount": 30},
        "modelVersion": "gemini-2.5-pro-001",
    }
    fake.respond_with(":generateContent", 200, json.dumps(answer))
    # When a chat is run
    response = chat(model="gemini-2.5-pro")
    # Then only the answer text is output, and output tokens include the (billed) thoughts
    assert (response.output, response.output_tokens, response.input_tokens) == ("42", 31, 7)
    assert response.model == "gemini-2.5-pro-001"


def test_a_blocked_prompt_gives_an_empty_output_with_the_block_reason(fake: FakeProviderServer) -> None:
    # Given an answer with no candidates because the prompt was blocked
    answer = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}
    fake.respond_with(":generateContent", 200, json.dumps(answer))
    # When a chat is run
    response = chat()
    # Then the output is empty and the block reason is the finish reason
    assert (response.output, response.finish_reason, response.input_tokens, response.output_tokens) == (
        "",
        "SAFETY",
        5,
        None,
    )


def test_count_tokens_posts_the_text_as_one_user_turn(fake: FakeProviderServer) -> None:
    # Given the gemini provider
    provider = get_provider("gemini", api_key=KEY)
    # When tokens of a text are counted
    count = provider.count_tokens("gemini-2.5-flash", "alpha beta gamma", deadline=deadline_after())
    # Then :countTokens got the text as contents, with the key header, and totalTokens is returned
    request = fake.last_request
    assert request.path == "/v1beta/models/gemini-2.5-flash:countTokens"
    assert request.header("x-goog-api-key") == KEY
    assert request.json == {"contents": [{"role": "user", "parts": [{"text": "alpha beta gamma"}]}]}
    assert count == 3
