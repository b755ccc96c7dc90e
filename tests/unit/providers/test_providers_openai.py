"""The OpenAI-style provider (openai, deepseek, openai_compatible): request shape and response mapping."""

from __future__ import annotations

import json

import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.errors import ProviderNotConfigured
from promptbank.providers import ChatMessage, ChatRequest, deadline_after, get_provider

KEY = "sk-test-openai-0123456789"
MESSAGES = [
    ChatMessage("system", "You are terse."),
    ChatMessage("user", "first question"),
    ChatMessage("assistant", "first answer"),
    ChatMessage("user", "second question here"),
]


def test_chat_posts_to_chat_completions_under_the_v1_base_with_a_bearer_key(fake: FakeProviderServer) -> None:
    # Given the openai base URL in the SDK form ({root}/v1)
    provider = get_provider("openai", api_key=KEY)
    # When a chat is run
    provider.chat(ChatRequest(model="gpt-4o-mini", messages=MESSAGES), deadline=deadline_after())
    # Then the request went to {base}/chat/completions with the key as a bearer token
    request = fake.last_request
    assert request.path == "/v1/chat/completions"
    assert request.header("authorization") == f"Bearer {KEY}"
    assert request.header("content-type") == "application/json"


def test_chat_sends_every_message_with_its_role_in_order(fake: FakeProviderServer) -> None:
    # Given a conversation with system, user and assistant turns
    provider = get_provider("openai", api_key=KEY)
    # When it is sent
    provider.chat(ChatRequest(model="gpt-4o-mini", messages=MESSAGES), deadline=deadline_after())
    # Then the messages are passed through unchanged, roles included
    assert fake.last_request.json["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "second question here"},
    ]


def test_chat_sends_the_model_settings(fake: FakeProviderServer) -> None:
    # Given a request with every setting
    request = ChatRequest(
        model="gpt-4o-mini", messages=MESSAGES, temperature=0.3, max_tokens=50, top_p=0.9, stop=["END"]
    )
    # When it is sent
    get_provider("openai", api_key=KEY).chat(request, deadline=deadline_after())
    # Then they appear under OpenAI's names
    body = fake.last_request.json
    assert (body["model"], body["temperature"], body["max_tokens"], body["top_p"], body["stop"]) == (
        "gpt-4o-mini",
        0.3,
        50,
        0.9,
        ["END"],
    )


def test_chat_leaves_out_settings_that_are_not_set(fake: FakeProviderServer) -> None:
    # Given a request without settings
    # When it is sent
    get_provider("openai", api_key=KEY).chat(
        ChatRequest(model="gpt-4o-mini", messages=MESSAGES), deadline=deadline_after()
    )
    # Then only model and messages are sent, so the provider's defaults apply
    assert set(fake.last_request.json) == {"model", "messages"}


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"])
def test_reasoning_models_get_max_completion_tokens_and_no_sampling_settings(
    fake: FakeProviderServer, model: str
) -> None:
    # Given an OpenAI reasoning model, which rejects max_tokens and non-default temperature/top_p
    request = ChatRequest(model=model, messages=MESSAGES, temperature=0.7, top_p=0.5, max_tokens=64)
    # When it is sent
    get_provider("openai", api_key=KEY).chat(request, deadline=deadline_after())
    # Then the limit goes in max_completion_tokens and the sampling settings are left out
    body = fake.last_request.json
    assert body["max_completion_tokens"] == 64
    assert not {"max_tokens", "temperature", "top_p"} & set(body)


def test_deepseek_keeps_max_tokens_for_its_reasoner(fake: FakeProviderServer) -> None:
    # Given deepseek, whose models take max_tokens whatever their name
    # When a request with a limit is sent
    get_provider("deepseek", api_key=KEY).chat(
        ChatRequest(model="deepseek-reasoner", messages=MESSAGES, max_tokens=64), deadline=deadline_after()
    )
    # Then max_tokens is used
    assert fake.last_request.json["max_tokens"] == 64


def test_chat_maps_the_answer(fake: FakeProviderServer) -> None:
    # Given the fake's echo answer (the output echoes the last user message; tokens are words)
    # When a chat is run
    response = get_provider("openai", api_key=KEY).chat(
        ChatRequest(model="gpt-4o-mini", messages=MESSAGES), deadline=deadline_after()
    )
    # Then output, model, usage and finish reason come from the answer
    assert response.output == "echo: second question here"
    assert response.model == "gpt-4o-mini"
    assert (response.input_tokens, response.output_tokens) == (10, 4)
    assert response.finish_reason == "stop"
    assert response.latency_ms >= 0


def test_chat_reports_the_length_finish_reason(fake: FakeProviderServer) -> None:
    # Given a max_tokens below the length of the echo
    # When a chat is run
    response = get_provider("openai", api_key=KEY).chat(
        ChatRequest(model="gpt-4o-mini", messages=MESSAGES, max_tokens=2), deadline=deadline_after()
    )
    # Then the cut answer and OpenAI's "length" come back
    assert (response.output, response.finish_reason, response.output_tokens) == ("echo: second", "length", 2)


def test_chat_maps_a_null_content_refusal_to_the_output(fake: FakeProviderServer) -> None:
    # Given an answer whose content is null and which carries a refusal
    answer = {
        "model": "gpt-4o",
        "choices": [{"message": {"content": None, "refusal": "I can't help."}, "finish_reason": "stop"}],
    }
    fake.respond_with("/chat/completions", 200, json.dumps(answer))
    # When a chat is run
    response = get_provider("openai", api_key=KEY).chat(
        ChatRequest(model="gpt-4o", messages=MESSAGES), deadline=deadline_after()
    )
    # Then the refusal is the output and the missing usage is None
    assert (response.output, response.input_tokens, response.output_tokens) == ("I can't help.", None, None)


def test_deepseek_posts_to_chat_completions_under_the_root(fake: FakeProviderServer) -> None:
    # Given deepseek's base in its SDK form (the bare root)
    provider = get_provider("deepseek", api_key=KEY)
    # When a chat is run
    response = provider.chat(ChatRequest(model="deepseek-chat", messages=MESSAGES), deadline=deadline_after())
    # Then the path has no /v1 and the answer maps as for openai
    assert fake.last_request.path == "/chat/completions"
    assert fake.last_request.header("authorization") == f"Bearer {KEY}"
    assert (provider.name, response.output) == ("deepseek", "echo: second question here")


def test_openai_compatible_uses_the_configured_base_url(
    fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a user's configured base URL and no environment override
    monkeypatch.delenv("PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL")
    provider = get_provider("openai_compatible", api_key=KEY, base_url=fake.openai_compatible_base)
    # When a chat is run
    response = provider.chat(ChatRequest(model="llama3.1:8b", messages=MESSAGES), deadline=deadline_after())
    # Then it went to that server's /v1/chat/completions
    assert fake.last_request.path == "/v1/chat/completions"
    assert response.model == "llama3.1:8b"


def test_openai_compatible_without_any_base_url_is_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no configured base URL and no environment override
    monkeypatch.delenv("PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL")
    # When the provider is asked for
    # Then it is refused as not configured (400), naming the provider
    with pytest.raises(ProviderNotConfigured) as caught:
        get_provider("openai_compatible", api_key=KEY)
    assert "openai_compatible" in caught.value.message


def test_openai_compatible_without_a_key_sends_no_authorization(fake: FakeProviderServer) -> None:
    # Given a local server that needs no key (Ollama), answering without checking auth
    answer = {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
    fake.respond_with("/chat/completions", 200, json.dumps(answer))
    provider = get_provider("openai_compatible", api_key="")
    # When a chat is run
    response = provider.chat(ChatRequest(model="llama3", messages=MESSAGES), deadline=deadline_after())
    # Then no Authorization header was sent, and the requested model stands in for the missing one
    assert fake.last_request.header("authorization") is None
    assert (response.output, response.model) == ("hi", "llama3")


def test_count_tokens_is_not_offered(fake: FakeProviderServer) -> None:
    # Given the openai provider (OpenAI counts locally, with tiktoken)
    provider = get_provider("openai", api_key=KEY)
    # When tokens are counted
    # Then it is not implemented, and nothing was sent
    with pytest.raises(NotImplementedError):
        provider.count_tokens("gpt-4o", "some text", deadline=deadline_after())
    assert fake.request_count == 0
