"""The anthropic provider: Messages API request shape, response mapping, count_tokens."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.fake_provider import FakeProviderServer

from promptbank.providers import ChatMessage, ChatRequest, deadline_after, get_provider

KEY = "sk-ant-test-0123456789"
MESSAGES = [
    ChatMessage("system", "Be brief."),
    ChatMessage("system", "Answer in English."),
    ChatMessage("user", "what is up"),
    ChatMessage("assistant", "not much"),
    ChatMessage("user", "tell me more"),
]


def chat(**settings: Any) -> None:
    request = ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES, **settings)
    get_provider("anthropic", api_key=KEY).chat(request, deadline=deadline_after())


def test_chat_posts_to_v1_messages_with_the_key_and_version_headers(fake: FakeProviderServer) -> None:
    # Given the anthropic provider
    # When a chat is run
    chat()
    # Then it went to {base}/v1/messages with x-api-key and anthropic-version, and no bearer token
    request = fake.last_request
    assert request.path == "/v1/messages"
    assert request.header("x-api-key") == KEY
    assert request.header("anthropic-version") == "2023-06-01"
    assert request.header("authorization") is None


def test_system_messages_go_to_the_top_level_system_field_joined_by_blank_lines(
    fake: FakeProviderServer,
) -> None:
    # Given two system messages
    # When a chat is run
    chat()
    # Then they are one `system` string, and only user/assistant turns remain in messages
    body = fake.last_request.json
    assert body["system"] == "Be brief.\n\nAnswer in English."
    assert body["messages"] == [
        {"role": "user", "content": "what is up"},
        {"role": "assistant", "content": "not much"},
        {"role": "user", "content": "tell me more"},
    ]


def test_no_system_field_without_system_messages(fake: FakeProviderServer) -> None:
    # Given a conversation without system messages
    request = ChatRequest(model="claude-haiku-4-5", messages=[ChatMessage("user", "hi")])
    # When it is sent
    get_provider("anthropic", api_key=KEY).chat(request, deadline=deadline_after())
    # Then there is no system field
    assert "system" not in fake.last_request.json


def test_max_tokens_defaults_to_1024(fake: FakeProviderServer) -> None:
    # Given a request without max_tokens (Anthropic requires one)
    # When it is sent
    chat()
    # Then 1024 is sent
    assert fake.last_request.json["max_tokens"] == 1024


def test_chat_sends_the_model_settings_under_anthropic_names(fake: FakeProviderServer) -> None:
    # Given every setting
    # When a chat is run
    chat(temperature=0.2, max_tokens=300, top_p=0.8, stop=["###"])
    # Then they appear under Anthropic's names
    body = fake.last_request.json
    assert (
        body["model"],
        body["temperature"],
        body["max_tokens"],
        body["top_p"],
        body["stop_sequences"],
    ) == (
        "claude-sonnet-4-5",
        0.2,
        300,
        0.8,
        ["###"],
    )


def test_chat_maps_the_answer(fake: FakeProviderServer) -> None:
    # Given the fake's echo answer
    # When a chat is run
    response = get_provider("anthropic", api_key=KEY).chat(
        ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES), deadline=deadline_after()
    )
    # Then output, model, usage and stop reason are mapped (tokens are words, system included)
    assert response.output == "echo: tell me more"
    assert response.model == "claude-sonnet-4-5"
    assert (response.input_tokens, response.output_tokens) == (13, 4)
    assert response.finish_reason == "end_turn"


def test_chat_joins_the_text_blocks_and_skips_the_others(fake: FakeProviderServer) -> None:
    # Given an answer with two text blocks around a thinking block
    answer = {
        "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "text", "text": "Hello, "},
            {"type": "thinking", "thinking": "hmm", "signature": "x"},
            {"type": "text", "text": "world."},
        ],
        "stop_reason": "stop_sequence",
        "usage": {"input_tokens": 11, "output_tokens": 5},
    }
    fake.respond_with("/v1/messages", 200, json.dumps(answer))
    # When a chat is run
    response = get_provider("anthropic", api_key=KEY).chat(
        ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES), deadline=deadline_after()
    )
    # Then the text blocks are joined and the provider's model id and stop reason are kept
    assert response.output == "Hello, world."
    assert (response.model, response.finish_reason) == ("claude-sonnet-4-5-20250929", "stop_sequence")
    assert (response.input_tokens, response.output_tokens) == (11, 5)


def test_count_tokens_posts_the_text_as_one_user_message(fake: FakeProviderServer) -> None:
    # Given the anthropic provider
    provider = get_provider("anthropic", api_key=KEY)
    # When tokens of a text are counted
    count = provider.count_tokens("claude-sonnet-4-5", "one two three four", deadline=deadline_after())
    # Then /v1/messages/count_tokens got the model and the text, and its input_tokens is returned
    request = fake.last_request
    assert request.path == "/v1/messages/count_tokens"
    assert request.header("x-api-key") == KEY
    assert request.json == {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": "one two three four"}],
    }
    assert count == 4
