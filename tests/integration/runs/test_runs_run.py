"""POST /v1/prompts/{ref}/run through the real httpx provider code against the fake provider server."""

from __future__ import annotations

import json

import boto3
import pytest

from promptbank.models import cost_usd


def _run(call, user, ref, body=None, **kwargs):
    return call("RunPromptFunction", user, path={"ref": ref}, body=body if body is not None else {}, **kwargs)


def _runs_of(call, user):
    return call("ListRunsFunction", user).json["data"]


def test_without_query_the_system_prompt_and_the_content_are_the_two_messages(call, user, fake, save_key,
                                                                               create_prompt):
    # Given a prompt with a system prompt and a variable
    save_key(user)
    prompt = create_prompt(user, content="Classify: {{email}}", system_prompt="You sort {{kind}} mail.")
    # When it is run with variables and no query
    reply = _run(call, user, prompt["slug"], {"variables": {"email": "Refund now", "kind": "support"}})
    # Then system = compiled system prompt, user = compiled content
    assert reply.status == 200, reply.text
    assert fake.last_request.json["messages"] == [
        {"role": "system", "content": "You sort support mail."},
        {"role": "user", "content": "Classify: Refund now"},
    ]


def test_with_a_query_the_prompt_becomes_the_system_message_and_the_query_the_user_message(
    call, user, fake, save_key, create_prompt
):
    # Given a prompt with a system prompt
    save_key(user)
    prompt = create_prompt(user, content="Answer about {{topic}}.", system_prompt="Be brief.")
    # When it is run with a query
    _run(call, user, prompt["id"], {"variables": {"topic": "tea"}, "query": "What is oolong?"})
    # Then system = system prompt and content joined by a blank line, user = the query
    assert fake.last_request.json["messages"] == [
        {"role": "system", "content": "Be brief.\n\nAnswer about tea."},
        {"role": "user", "content": "What is oolong?"},
    ]


def test_without_a_system_prompt_a_query_gets_the_content_as_system_message(call, user, fake, save_key,
                                                                             create_prompt):
    # Given a prompt without a system prompt
    save_key(user)
    prompt = create_prompt(user, content="You are a sommelier.")
    # When it is run with a query
    _run(call, user, prompt["id"], {"query": "Red or white?"})
    # Then the content alone is the system message
    assert fake.last_request.json["messages"] == [
        {"role": "system", "content": "You are a sommelier."},
        {"role": "user", "content": "Red or white?"},
    ]


def test_the_default_model_is_deepseek_chat(call, user, fake, save_key, create_prompt):
    # Given a prompt with no model in its model_config
    save_key(user, "deepseek")
    prompt = create_prompt(user)
    # When it is run without a model
    reply = _run(call, user, prompt["id"])
    # Then deepseek-chat is called at DeepSeek's path
    assert reply.json["model"] == "deepseek-chat"
    assert reply.json["provider"] == "deepseek"
    assert fake.last_request.path == "/chat/completions"
    assert fake.last_request.json["model"] == "deepseek-chat"


def test_the_prompts_model_config_applies_when_the_request_says_nothing(call, user, fake, save_key, create_prompt):
    # Given a prompt whose model_config sets the model and its settings
    save_key(user, "openai")
    prompt = create_prompt(user, model_config={"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 300,
                                               "top_p": 0.9, "stop": ["END"]})
    # When it is run with no settings
    _run(call, user, prompt["id"])
    # Then the prompt's settings are sent
    sent = fake.last_request.json
    assert (sent["model"], sent["temperature"], sent["max_tokens"], sent["top_p"], sent["stop"]) == (
        "gpt-4o-mini", 0.2, 300, 0.9, ["END"])


def test_request_settings_win_over_the_prompts_model_config(call, user, fake, save_key, create_prompt):
    # Given a prompt whose model_config sets the model and its settings
    save_key(user, "anthropic")
    prompt = create_prompt(user, model_config={"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 300})
    # When the request names another model and settings
    reply = _run(call, user, prompt["id"], {"model": "claude-haiku-4-5", "temperature": 1.5, "max_tokens": 42})
    # Then the request's values are used (and the model picks Anthropic)
    assert reply.json["provider"] == "anthropic"
    sent = fake.last_request.json
    assert (fake.last_request.path, sent["model"], sent["temperature"], sent["max_tokens"]) == (
        "/v1/messages", "claude-haiku-4-5", 1.5, 42)


def test_the_result_has_the_run_result_shape_with_exact_cost(call, user, fake, save_key, create_prompt):
    # Given a prompt
    save_key(user)
    prompt = create_prompt(user, content="one two three")
    # When it is run
    result = _run(call, user, prompt["id"]).json
    # Then the RunResult carries the provider's usage and the catalogue's exact cost
    assert set(result) == {"run_id", "output", "model", "provider", "prompt_id", "prompt_version", "latency_ms",
                           "input_tokens", "output_tokens", "cost_usd", "finish_reason"}
    assert result["output"] == "echo: one two three"
    assert (result["prompt_id"], result["prompt_version"]) == (prompt["id"], 1)
    assert (result["input_tokens"], result["output_tokens"]) == (3, 4)
    assert result["cost_usd"] == cost_usd("deepseek-chat", 3, 4)
    assert result["finish_reason"] == "stop"
    assert isinstance(result["latency_ms"], int)


def test_the_run_is_recorded(call, user, fake, save_key, create_prompt):
    # Given a prompt
    save_key(user)
    prompt = create_prompt(user)
    # When it is run
    result = _run(call, user, prompt["id"], {"variables": {"email": "hi"}}).json
    # Then GET /v1/runs/{id} returns the matching Run
    run = call("GetRunFunction", user, path={"run_id": result["run_id"]}).json
    assert run["id"] == result["run_id"]
    assert (run["source"], run["status"], run["error"]) == ("run", "succeeded", None)
    assert (run["prompt_id"], run["prompt_version"], run["model"], run["provider"]) == (
        prompt["id"], 1, "deepseek-chat", "deepseek")
    assert (run["output"], run["cost_usd"], run["quality_score"], run["passed"]) == (
        result["output"], result["cost_usd"], None, None)
    assert run["created_at"].endswith("Z")


def test_response_format_text_returns_the_output_alone(call, user, fake, save_key, create_prompt):
    # Given a prompt
    save_key(user)
    prompt = create_prompt(user, content="plain answer")
    # When it is run with ?response_format=text
    reply = _run(call, user, prompt["id"], query={"response_format": "text"})
    # Then the body is the output as text/plain
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.text == "echo: plain answer"


def test_an_unknown_prompt_is_a_404_and_calls_nothing(call, user, fake, save_key):
    # Given a user with a key
    save_key(user)
    # When they run a prompt that does not exist
    reply = _run(call, user, "no-such-prompt")
    # Then 404, no provider call, no run
    assert reply.status == 404
    assert fake.request_count == 0
    assert _runs_of(call, user) == []


def test_another_users_private_prompt_is_a_404(call, user, another_user, fake, save_key, create_prompt):
    # Given another user's private prompt
    save_key(user)
    prompt = create_prompt(another_user)
    # When this user runs it by id
    reply = _run(call, user, prompt["id"])
    # Then 404
    assert reply.status == 404
    assert fake.request_count == 0


def test_without_any_key_for_the_provider_it_is_provider_not_configured(call, user, fake, create_prompt):
    # Given a user with no key and a deployment without defaults
    prompt = create_prompt(user, model_config={"model": "gemini-2.5-flash"})
    # When they run the prompt
    reply = _run(call, user, prompt["id"])
    # Then 400 PROVIDER_NOT_CONFIGURED naming the provider; nothing is called or recorded
    assert reply.status == 400
    assert reply.error_code == "PROVIDER_NOT_CONFIGURED"
    assert "gemini" in reply.json["error"]["message"]
    assert fake.request_count == 0
    assert _runs_of(call, user) == []


def test_the_deployment_default_key_is_used_when_the_user_has_none(call, user, fake, create_prompt, stack):
    # Given a deployment default key for deepseek in Secrets Manager, and a user without a key
    secret = stack.env["PROMPTBANK_PROVIDER_KEYS_SECRET"]
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.put_secret_value(SecretId=secret, SecretString=json.dumps({"deepseek": "sk-deployment-default-1"}))
    try:
        prompt = create_prompt(user)
        # When the user runs a prompt
        reply = _run(call, user, prompt["id"])
    finally:
        client.put_secret_value(SecretId=secret, SecretString="{}")
    # Then the call is made with the deployment's key
    assert reply.status == 200, reply.text
    assert fake.last_request.header("authorization") == "Bearer sk-deployment-default-1"


def test_the_users_own_key_wins_over_the_deployment_default(call, user, fake, save_key, create_prompt, stack):
    # Given both a deployment default and the user's own key
    secret = stack.env["PROMPTBANK_PROVIDER_KEYS_SECRET"]
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.put_secret_value(SecretId=secret, SecretString=json.dumps({"deepseek": "sk-deployment-default-1"}))
    try:
        save_key(user, "deepseek", api_key="sk-users-own-key-42")
        prompt = create_prompt(user)
        # When the user runs a prompt
        _run(call, user, prompt["id"])
    finally:
        client.put_secret_value(SecretId=secret, SecretString="{}")
    # Then their own key is sent
    assert fake.last_request.header("authorization") == "Bearer sk-users-own-key-42"


def test_a_read_only_api_key_may_not_run(call, user, fake, save_key, create_prompt):
    # Given a prompt
    save_key(user)
    prompt = create_prompt(user)
    # When a read-only API key runs it
    reply = _run(call, user.as_key("read"), prompt["id"])
    # Then 403 and no call
    assert reply.status == 403
    assert fake.request_count == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"temperature": 2.5}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"max_tokens": 200_001}, "max_tokens"),
    ({"version": 0}, "version"),
    ({"label": "Not A Label"}, "label"),
    ({"query": ""}, "query"),
    ({"model": "llama-3"}, "model"),
    ({"prompt_id": "x"}, "prompt_id"),
])
def test_bad_input_is_a_400_naming_the_field(call, user, fake, save_key, create_prompt, body, field):
    # Given a prompt
    save_key(user)
    prompt = create_prompt(user)
    # When the run request has a bad value
    reply = _run(call, user, prompt["id"], body)
    # Then 400 naming the field, no provider call, nothing recorded
    assert reply.status == 400
    assert reply.fields == [field]
    assert fake.request_count == 0
    assert _runs_of(call, user) == []


def test_a_provider_failing_after_retries_is_a_502_recorded_as_a_failed_run(call, user, fake, save_key,
                                                                            create_prompt):
    # Given a provider that answers 500 to every attempt
    save_key(user)
    prompt = create_prompt(user)
    fake.fail_next(3, status=500)
    # When the prompt is run
    reply = _run(call, user, prompt["id"])
    # Then 502 with the provider's status, after 3 attempts, and a failed run is recorded
    assert reply.status == 502
    assert reply.error_code == "PROVIDER_ERROR"
    assert reply.json["error"]["details"][0]["status"] == 500
    assert fake.request_count == 3
    [run] = _runs_of(call, user)
    assert (run["status"], run["source"], run["output"], run["cost_usd"]) == ("failed", "run", None, None)
    assert run["error"].startswith("PROVIDER_ERROR")
    assert "500" in run["error"]


def test_a_provider_that_recovers_on_retry_gives_a_normal_result(call, user, fake, save_key, create_prompt):
    # Given a provider that fails once with 503, then answers
    save_key(user)
    prompt = create_prompt(user)
    fake.fail_next(1, status=503)
    # When the prompt is run
    reply = _run(call, user, prompt["id"])
    # Then it succeeds after a retry, and one succeeded run is recorded
    assert reply.status == 200
    assert fake.request_count == 2
    assert [r["status"] for r in _runs_of(call, user)] == ["succeeded"]


def test_a_provider_answering_garbage_is_a_502_and_changes_nothing_else(call, user, fake, save_key, create_prompt):
    # Given a provider that answers 200 with a body that is not JSON
    save_key(user)
    prompt = create_prompt(user)
    fake.respond_with("/chat/completions", 200, b"<html>surprise</html>")
    # When the prompt is run
    reply = _run(call, user, prompt["id"])
    # Then 502 (not retried), a failed run, and the prompt is unchanged
    assert reply.status == 502
    assert "malformed" in reply.json["error"]["details"][0]["message"]
    assert fake.request_count == 1
    assert [r["status"] for r in _runs_of(call, user)] == ["failed"]
    after = call("ListRunsFunction", user, query={"prompt_id": prompt["id"]}).json["data"]
    assert len(after) == 1


def test_a_provider_that_never_answers_in_time_is_a_504_recorded_as_failed(call, user, fake, save_key,
                                                                           create_prompt, monkeypatch):
    # Given a provider slower than the (shortened) read timeout
    from promptbank.providers import _http

    monkeypatch.setattr(_http, "READ_TIMEOUT_S", 0.2)
    save_key(user)
    prompt = create_prompt(user)
    fake.set_latency(1000)
    # When the prompt is run
    reply = _run(call, user, prompt["id"])
    # Then 504 and a failed run
    assert reply.status == 504
    assert reply.error_code == "PROVIDER_TIMEOUT"
    [run] = _runs_of(call, user)
    assert run["status"] == "failed"
    assert run["error"].startswith("PROVIDER_TIMEOUT")


def test_an_idempotent_replay_returns_the_first_result_without_calling_the_provider_again(
    call, user, fake, save_key, create_prompt
):
    # Given a run made with an Idempotency-Key
    save_key(user)
    prompt = create_prompt(user)
    headers = {"Idempotency-Key": "run-once-123"}
    first = _run(call, user, prompt["id"], {"query": "hello"}, headers=headers)
    # When the same request is sent again with the same key
    second = _run(call, user, prompt["id"], {"query": "hello"}, headers=headers)
    # Then the same answer comes back, the provider was called once, and one run exists
    assert second.status == 200
    assert second.json == first.json
    assert fake.request_count == 1
    assert len(_runs_of(call, user)) == 1


def test_an_idempotency_key_reused_with_another_body_is_a_409(call, user, fake, save_key, create_prompt):
    # Given a run made with an Idempotency-Key
    save_key(user)
    prompt = create_prompt(user)
    headers = {"Idempotency-Key": "run-once-456"}
    _run(call, user, prompt["id"], {"query": "hello"}, headers=headers)
    # When the key is reused with another body
    reply = _run(call, user, prompt["id"], {"query": "something else"}, headers=headers)
    # Then 409 and no second call
    assert reply.status == 409
    assert fake.request_count == 1
