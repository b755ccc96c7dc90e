"""GET/POST /v1/token-count: tiktoken-exact OpenAI, provider-exact Claude/Gemini with a key, estimates otherwise."""

from __future__ import annotations

import pytest

from promptbank.tokens import count_exact_openai, count_tokens

TEXT = "You are an expert code reviewer. Find the bugs in this function."


def _get(call, user, prompt, model):
    return call("CountTokensGetFunction", user, query={"prompt": prompt, "model": model})


def _post(call, user, prompt, model):
    return call("CountTokensPostFunction", user, body={"prompt": prompt, "model": model})


def test_openai_models_count_exactly_with_o200k(call, user):
    # When a user counts for gpt-4o
    reply = _get(call, user, TEXT, "gpt-4o")
    # Then the count is tiktoken's o200k_base, exact
    assert reply.status == 200
    assert reply.json == {"model": "gpt-4o", "token_count": count_exact_openai(TEXT, "o200k_base"),
                          "character_count": len(TEXT), "tokenizer": "o200k_base", "exact": True}


def test_gpt_4_counts_with_cl100k(call, user):
    # When a user counts for gpt-4
    body = _get(call, user, TEXT, "gpt-4").json
    # Then cl100k_base is used
    assert (body["tokenizer"], body["token_count"]) == ("cl100k_base", count_exact_openai(TEXT, "cl100k_base"))


@pytest.mark.parametrize(("alias", "tokenizer", "exact"), [
    ("openai", "o200k_base", True),
    ("claude", "anthropic-estimate", False),
    ("gemini", "gemini-estimate", False),
    ("deepseek", "deepseek-estimate", False),
])
def test_family_aliases_count_without_a_provider_key(call, user, fake, alias, tokenizer, exact):
    # Given a user without provider keys
    # When they count with a family alias
    body = _get(call, user, TEXT, alias).json
    # Then the family's tokenizer (or estimate) answers, and no provider is called
    assert (body["model"], body["tokenizer"], body["exact"]) == (alias, tokenizer, exact)
    assert body["token_count"] == count_tokens(TEXT, alias).token_count
    assert fake.request_count == 0


def test_claude_counts_exactly_through_anthropic_when_the_user_has_a_key(call, user, fake, save_key):
    # Given an anthropic key
    save_key(user, "anthropic")
    # When the user counts for a Claude model
    body = _get(call, user, TEXT, "claude-sonnet-4-5").json
    # Then Anthropic's count-tokens endpoint answers (the fake counts words), exactly
    assert fake.last_request.path == "/v1/messages/count_tokens"
    assert fake.last_request.json["model"] == "claude-sonnet-4-5"
    assert body == {"model": "claude-sonnet-4-5", "token_count": len(TEXT.split()),
                    "character_count": len(TEXT), "tokenizer": "anthropic", "exact": True}


def test_the_claude_alias_counts_exactly_with_a_key(call, user, fake, save_key):
    # Given an anthropic key
    save_key(user, "anthropic")
    # When the user counts with the alias `claude`
    body = _get(call, user, TEXT, "claude").json
    # Then a Claude model is counted by Anthropic
    assert (body["model"], body["exact"], body["tokenizer"]) == ("claude", True, "anthropic")
    assert fake.last_request.json["model"].startswith("claude-")


def test_gemini_counts_exactly_through_google_when_the_user_has_a_key(call, user, fake, save_key):
    # Given a gemini key
    save_key(user, "gemini")
    # When the user counts for a Gemini model
    body = _get(call, user, TEXT, "gemini-2.5-pro").json
    # Then Gemini's countTokens answers, exactly
    assert fake.last_request.path == "/v1beta/models/gemini-2.5-pro:countTokens"
    assert (body["token_count"], body["tokenizer"], body["exact"]) == (len(TEXT.split()), "gemini", True)


def test_a_failing_count_endpoint_falls_back_to_the_estimate(call, user, fake, save_key):
    # Given an anthropic key and a provider failing every attempt
    save_key(user, "anthropic")
    fake.fail_next(3, status=503)
    # When the user counts for a Claude model
    body = _get(call, user, TEXT, "claude-sonnet-4-5").json
    # Then the estimate answers, marked not exact
    assert (body["exact"], body["tokenizer"]) == (False, "anthropic-estimate")
    assert body["token_count"] == count_tokens(TEXT, "claude-sonnet-4-5").token_count


def test_deepseek_is_estimated_even_with_a_key(call, user, fake, save_key):
    # Given a deepseek key
    save_key(user, "deepseek")
    # When the user counts for deepseek-chat
    body = _get(call, user, TEXT, "deepseek-chat").json
    # Then it is the estimate (DeepSeek has no count endpoint), and nothing is called
    assert body["exact"] is False
    assert fake.request_count == 0


def test_post_counts_long_text(call, user):
    # Given a text far over GET's 8,000 characters
    text = "tokens and more tokens " * 20_000
    # When the user POSTs it
    reply = _post(call, user, text, "gpt-4o-mini")
    # Then it is counted exactly
    assert reply.status == 200
    assert reply.json["token_count"] == count_exact_openai(text, "o200k_base")
    assert reply.json["character_count"] == len(text)


def test_read_only_api_keys_may_count(call, user):
    # When a read-only key counts
    reply = _get(call, user.as_key("read"), TEXT, "gpt-4o")
    # Then it is allowed (K-read)
    assert reply.status == 200


@pytest.mark.parametrize(("prompt", "model", "field"), [
    ("", "gpt-4o", "prompt"),
    ("x" * 8001, "gpt-4o", "prompt"),
    ("hello", "llama-3", "model"),
    ("hello", "mistral/large", "model"),
    ("hello", "", "model"),
])
def test_bad_get_queries_are_a_400_naming_the_field(call, user, prompt, model, field):
    # When the count query is invalid
    reply = _get(call, user, prompt, model)
    # Then 400 naming it
    assert reply.status == 400
    assert reply.fields == [field]


def test_a_get_without_a_model_is_a_400(call, user):
    # When the model parameter is missing
    reply = call("CountTokensGetFunction", user, query={"prompt": "hello"})
    # Then 400 on model
    assert reply.status == 400
    assert reply.fields == ["model"]


@pytest.mark.parametrize(("body", "field"), [
    ({"prompt": "", "model": "gpt-4o"}, "prompt"),
    ({"prompt": "x" * 1_000_001, "model": "gpt-4o"}, "prompt"),
    ({"prompt": "hi"}, "model"),
    ({"prompt": "hi", "model": "gpt-4o", "encoding": "r50k"}, "encoding"),
])
def test_bad_post_bodies_are_a_400_naming_the_field(call, user, body, field):
    # When the count body is invalid
    reply = call("CountTokensPostFunction", user, body=body)
    # Then 400 naming it
    assert reply.status == 400
    assert reply.fields == [field]
