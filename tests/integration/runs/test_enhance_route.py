"""POST /v1/enhance: the meta-prompt, reading the model's JSON answer, the text fallback, validation."""

from __future__ import annotations

import json

import pytest


def _completion(content: str) -> bytes:
    """An OpenAI-style chat completion whose message is `content`."""
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "deepseek-chat",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    }).encode()


def test_the_models_json_answer_becomes_the_enhanced_prompt_and_issues(call, user, fake, save_key):
    # Given a model that answers with the requested JSON
    save_key(user)
    answer = {"enhanced_prompt": "You are a senior reviewer. List bugs as bullets.",
              "issues": ["No output format.", "Role is vague."]}
    fake.respond_with("/chat/completions", 200, _completion(json.dumps(answer)))
    # When the user enhances a prompt
    reply = call("EnhanceFunction", user, body={"prompt": "review my code"})
    # Then the response carries the model's prompt and issues, the model and the run id
    assert reply.status == 200, reply.text
    body = reply.json
    assert (body["enhanced_prompt"], body["issues"], body["model"]) == (
        answer["enhanced_prompt"], answer["issues"], "deepseek-chat")
    run = call("GetRunFunction", user, path={"run_id": body["run_id"]}).json
    assert (run["source"], run["status"]) == ("enhance", "succeeded")


def test_the_meta_prompt_asks_for_json_and_carries_the_users_prompt(call, user, fake, save_key):
    # Given a key
    save_key(user)
    # When the user enhances a prompt
    call("EnhanceFunction", user, body={"prompt": "Write a haiku about {{topic}}"})
    # Then the system message asks for the JSON shape and the user message holds the prompt verbatim
    system, user_message = fake.last_request.json["messages"]
    assert system["role"] == "system" and '"enhanced_prompt"' in system["content"]
    assert user_message["role"] == "user" and "Write a haiku about {{topic}}" in user_message["content"]


def test_a_fenced_json_answer_is_read_too(call, user, fake, save_key):
    # Given a model that wraps its JSON in a Markdown code fence
    save_key(user)
    fenced = '```json\n{"enhanced_prompt": "Better prompt", "issues": ["Too short."]}\n```'
    fake.respond_with("/chat/completions", 200, _completion(fenced))
    # When the user enhances a prompt
    body = call("EnhanceFunction", user, body={"prompt": "short"}).json
    # Then the JSON inside is used
    assert (body["enhanced_prompt"], body["issues"]) == ("Better prompt", ["Too short."])


def test_a_non_json_answer_degrades_to_the_whole_text_with_no_issues(call, user, fake, save_key):
    # Given a model that answers in plain text (the fake echoes)
    save_key(user)
    # When the user enhances a prompt
    body = call("EnhanceFunction", user, body={"prompt": "review my code"}).json
    # Then the whole answer is the enhanced prompt and there are no issues
    assert body["enhanced_prompt"].startswith("echo: Improve this prompt:")
    assert body["issues"] == []


def test_response_format_text_returns_the_enhanced_prompt_alone(call, user, fake, save_key):
    # Given a model that answers with JSON
    save_key(user)
    fake.respond_with("/chat/completions", 200, _completion('{"enhanced_prompt": "Crisp.", "issues": []}'))
    # When the user asks for text
    reply = call("EnhanceFunction", user, body={"prompt": "x"}, query={"response_format": "text"})
    # Then the body is the enhanced prompt as text/plain
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.text == "Crisp."


def test_the_request_model_is_used(call, user, fake, save_key):
    # Given an openai key
    save_key(user, "openai")
    # When the user names a model
    body = call("EnhanceFunction", user, body={"prompt": "x", "model": "gpt-4o-mini"}).json
    # Then that model is called
    assert fake.last_request.json["model"] == "gpt-4o-mini"
    assert body["model"] == "gpt-4o-mini"


@pytest.mark.parametrize(("body", "field"), [
    ({"prompt": "x" * 3001}, "prompt"),
    ({"prompt": ""}, "prompt"),
    ({}, "prompt"),
    ({"prompt": "x", "model": "unknown-model"}, "model"),
    ({"prompt": "x", "temperature": 1}, "temperature"),
])
def test_bad_input_is_a_400_naming_the_field(call, user, fake, save_key, body, field):
    # Given a key
    save_key(user)
    # When the enhance request is invalid
    reply = call("EnhanceFunction", user, body=body)
    # Then 400 naming the field, no provider call
    assert reply.status == 400
    assert reply.fields == [field]
    assert fake.request_count == 0


def test_a_provider_error_is_a_502_recorded_as_a_failed_enhance_run(call, user, fake, save_key):
    # Given a provider rejecting the key
    save_key(user)
    fake.fail_next(1, status=401)
    # When the user enhances a prompt
    reply = call("EnhanceFunction", user, body={"prompt": "x"})
    # Then 502 with the provider's 401 (not retried), recorded as a failed enhance run
    assert reply.status == 502
    assert reply.json["error"]["details"][0]["status"] == 401
    assert fake.request_count == 1
    [run] = call("ListRunsFunction", user).json["data"]
    assert (run["source"], run["status"]) == ("enhance", "failed")
