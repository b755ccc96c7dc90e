"""POST /v1/chat: messages as given, defaults, routing by model, validation, and the shared AI limit."""

from __future__ import annotations

import pytest


def _chat(call, user, body, **kwargs):
    return call("ChatFunction", user, body=body, **kwargs)


HELLO = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hello there"}]


def test_messages_are_sent_as_given_with_the_default_settings(call, user, fake, save_key):
    # Given a deepseek key
    save_key(user, "deepseek")
    # When the user chats without settings
    reply = _chat(call, user, {"model": "deepseek-chat", "messages": HELLO})
    # Then the messages go as they are, with temperature 0.7 and max_tokens 2048
    assert reply.status == 200, reply.text
    sent = fake.last_request.json
    assert sent["messages"] == HELLO
    assert (sent["temperature"], sent["max_tokens"]) == (0.7, 2048)
    assert reply.json["output"] == "echo: hello there"
    assert (reply.json["prompt_id"], reply.json["prompt_version"]) == (None, None)


def test_a_chat_is_recorded_as_a_chat_run(call, user, fake, save_key):
    # Given a key
    save_key(user, "deepseek")
    # When the user chats
    result = _chat(call, user, {"model": "deepseek-chat", "messages": HELLO}).json
    # Then the run is recorded with source "chat"
    run = call("GetRunFunction", user, path={"run_id": result["run_id"]}).json
    assert (run["source"], run["status"], run["prompt_id"]) == ("chat", "succeeded", None)


def test_a_claude_model_goes_to_anthropic_with_its_headers(call, user, fake, save_key):
    # Given an anthropic key
    save_key(user, "anthropic", api_key="sk-ant-test-123456")
    # When the user chats with a Claude model
    reply = _chat(call, user, {"model": "claude-sonnet-4-5", "messages": HELLO, "max_tokens": 64})
    # Then the Messages API is called with x-api-key, the system prompt at the top level
    assert reply.status == 200, reply.text
    request = fake.last_request
    assert request.path == "/v1/messages"
    assert request.header("x-api-key") == "sk-ant-test-123456"
    assert request.json["system"] == "Be terse."
    assert reply.json["provider"] == "anthropic"
    assert reply.json["finish_reason"] == "stop"


def test_a_provider_prefixed_model_uses_that_provider(call, user, fake, save_key):
    # Given an openai_compatible key whose base URL is the fake server
    save_key(user, "openai_compatible", base_url=fake.openai_compatible_base)
    # When the user chats with openai_compatible/<model>
    reply = _chat(call, user, {"model": "openai_compatible/llama3.1:8b", "messages": HELLO})
    # Then the model name after the prefix is sent, and the cost is unknown
    assert reply.status == 200, reply.text
    assert fake.last_request.json["model"] == "llama3.1:8b"
    assert reply.json["cost_usd"] is None


def test_a_gemini_answer_cut_by_max_tokens_reports_length(call, user, fake, save_key):
    # Given a gemini key
    save_key(user, "gemini")
    # When the user asks for fewer tokens than the answer needs
    reply = _chat(call, user, {"model": "gemini-2.5-flash", "messages": HELLO, "max_tokens": 1})
    # Then the finish reason is normalised to "length"
    assert reply.json["finish_reason"] == "length"


@pytest.mark.parametrize(("body", "field"), [
    ({"model": "deepseek-chat", "messages": []}, "messages"),
    ({"model": "deepseek-chat", "messages": [{"role": "user", "content": "x"}] * 101}, "messages"),
    ({"model": "deepseek-chat", "messages": [{"role": "tool", "content": "x"}]}, "messages.0.role"),
    ({"model": "deepseek-chat", "messages": [{"role": "user"}]}, "messages.0.content"),
    ({"model": "deepseek-chat", "messages": HELLO, "temperature": 2.01}, "temperature"),
    ({"model": "deepseek-chat", "messages": HELLO, "max_tokens": 0}, "max_tokens"),
    ({"model": "deepseek-chat", "messages": HELLO, "max_tokens": 200_001}, "max_tokens"),
    ({"messages": HELLO}, "model"),
    ({"model": "mistral-large", "messages": HELLO}, "model"),
    ({"model": "deepseek-chat", "messages": HELLO, "stream": True}, "stream"),
])
def test_bad_input_is_a_400_naming_the_field(call, user, fake, save_key, body, field):
    # Given a key
    save_key(user, "deepseek")
    # When the chat request has a bad value
    reply = _chat(call, user, body)
    # Then 400 naming the field, and no provider call
    assert reply.status == 400, reply.text
    assert reply.error_code == "VALIDATION_ERROR"
    assert reply.fields == [field]
    assert fake.request_count == 0


def test_malformed_json_is_a_400(call, user, fake):
    # When the body is not JSON
    reply = call("ChatFunction", user, raw_body="{not json")
    # Then 400
    assert reply.status == 400
    assert reply.error_code == "VALIDATION_ERROR"


def test_the_eleventh_ai_request_in_a_minute_is_rate_limited(call, user, fake, save_key, frozen_minute):
    # Given a user who made 10 AI requests this minute
    save_key(user, "deepseek")
    body = {"model": "deepseek-chat", "messages": HELLO}
    statuses = [_chat(call, user, body).status for _ in range(10)]
    # When they make an 11th
    reply = _chat(call, user, body)
    # Then it is a 429 RATE_LIMITED with Retry-After, and the provider was not called for it
    assert statuses == [200] * 10
    assert reply.status == 429
    assert reply.error_code == "RATE_LIMITED"
    assert reply.headers["Retry-After"] == "30"  # the rest of the minute
    assert fake.request_count == 10


def test_the_ai_limit_is_shared_by_run_chat_and_enhance(call, user, fake, save_key, create_prompt, frozen_minute):
    # Given a user who made 4 chats, 3 enhances and 3 runs this minute
    save_key(user, "deepseek")
    prompt = create_prompt(user)
    for _ in range(4):
        assert _chat(call, user, {"model": "deepseek-chat", "messages": HELLO}).status == 200
    for _ in range(3):
        assert call("EnhanceFunction", user, body={"prompt": "Summarise"}).status == 200
    for _ in range(3):
        assert call("RunPromptFunction", user, path={"ref": prompt["id"]}, body={}).status == 200
    # When they run the prompt once more
    reply = call("RunPromptFunction", user, path={"ref": prompt["id"]}, body={})
    # Then the limit applies across the routes
    assert reply.status == 429


def test_the_ai_limit_is_per_user(call, user, another_user, fake, save_key, frozen_minute):
    # Given a user who used up their AI limit
    save_key(user, "deepseek")
    save_key(another_user, "deepseek")
    body = {"model": "deepseek-chat", "messages": HELLO}
    for _ in range(10):
        _chat(call, user, body)
    assert _chat(call, user, body).status == 429
    # When another user chats
    reply = _chat(call, another_user, body)
    # Then they are not limited
    assert reply.status == 200


def test_requests_refused_before_the_provider_do_not_use_up_the_limit(call, user, fake, save_key, frozen_minute):
    # Given a user who sent 10 invalid chats and 10 for an unconfigured provider
    save_key(user, "deepseek")
    for _ in range(10):
        _chat(call, user, {"model": "deepseek-chat", "messages": []})
        _chat(call, user, {"model": "gpt-4o", "messages": HELLO})
    # When they send a valid one
    reply = _chat(call, user, {"model": "deepseek-chat", "messages": HELLO})
    # Then it goes through
    assert reply.status == 200
