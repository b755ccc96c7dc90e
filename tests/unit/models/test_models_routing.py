"""route(): which provider serves a model id (API.md section 5)."""

from __future__ import annotations

import pytest

from promptbank.errors import ValidationFailed
from promptbank.models import DEFAULT_MODEL, PROVIDERS, Route, route


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4o", "openai"),
        ("gpt-4.1-nano", "openai"),
        ("gpt-3.5-turbo", "openai"),
        ("o1", "openai"),
        ("o3-mini", "openai"),
        ("o4-mini", "openai"),
        ("chatgpt-4o-latest", "openai"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai"),
        ("claude-sonnet-4-20250514", "anthropic"),
        ("claude-3-5-haiku-latest", "anthropic"),
        ("deepseek-chat", "deepseek"),
        ("deepseek-reasoner", "deepseek"),
        ("gemini-2.5-pro", "gemini"),
        ("gemini-2.0-flash", "gemini"),
    ],
)
def test_a_bare_model_id_routes_by_its_family(model: str, provider: str) -> None:
    # Given a model id without a provider prefix
    # When it is routed
    # Then its family names the provider and the id is kept as is
    assert route(model) == Route(provider, model)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai/gpt-4o", ("openai", "gpt-4o")),
        ("anthropic/claude-opus-4-20250514", ("anthropic", "claude-opus-4-20250514")),
        ("deepseek/deepseek-chat", ("deepseek", "deepseek-chat")),
        ("gemini/gemini-2.5-flash", ("gemini", "gemini-2.5-flash")),
        ("openai_compatible/llama3.1:8b", ("openai_compatible", "llama3.1:8b")),
        ("openai_compatible/meta-llama/Llama-3-8b", ("openai_compatible", "meta-llama/Llama-3-8b")),
        ("openai/my-finetune", ("openai", "my-finetune")),
    ],
)
def test_a_provider_prefix_picks_the_provider_and_keeps_the_rest(
    model: str, expected: tuple[str, str]
) -> None:
    # Given provider/model
    # When it is routed
    # Then the prefix is the provider and everything after the first slash is the model
    assert route(model) == expected


def test_an_explicit_provider_wins_over_the_family() -> None:
    # Given a gpt-* model sent to an OpenAI-compatible server (e.g. OpenRouter)
    # When it is routed
    # Then the prefix decides
    assert route("openai_compatible/gpt-4o") == Route("openai_compatible", "gpt-4o")


def test_a_route_unpacks_as_provider_and_model() -> None:
    # Given a route
    provider, model = route("gpt-4o")
    # When it is unpacked
    # Then it is (provider, model)
    assert (provider, model) == ("openai", "gpt-4o")


@pytest.mark.parametrize(
    "model",
    ["llama-3", "mistral-large", "omni-moderation-latest", "o", "GPT-4o", "claude", "text-embedding-3-small"],
)
def test_an_unknown_family_is_a_validation_error(model: str) -> None:
    # Given a bare id that matches no family
    # When it is routed
    # Then it is a 400 on the model field that says the model is unknown
    with pytest.raises(ValidationFailed) as caught:
        route(model)
    assert caught.value.details == [{"field": "model", "message": caught.value.details[0]["message"]}]
    assert caught.value.details[0]["message"].startswith("Unknown model")


@pytest.mark.parametrize("model", ["azure/gpt-4o", "meta-llama/Llama-3-8b", "OpenAI/gpt-4o", "/gpt-4o"])
def test_an_unknown_provider_prefix_is_a_validation_error(model: str) -> None:
    # Given a prefix that is not one of the providers
    # When it is routed
    # Then it is refused, naming the unknown provider
    with pytest.raises(ValidationFailed, match="Unknown model provider"):
        route(model)


@pytest.mark.parametrize(
    "model", ["", "openai/", "gpt-4o ", " gpt-4o", "gpt-4o\n", "gpt\t4o", "gpt-4ö", "gpt-" + "x" * 300]
)
def test_a_malformed_model_id_is_a_validation_error(model: str) -> None:
    # Given an empty, unfinished, padded, non-ASCII or overlong id
    # When it is routed
    # Then it is a 400 on the model field
    with pytest.raises(ValidationFailed) as caught:
        route(model)
    assert caught.value.details[0]["field"] == "model"


def test_a_non_string_model_is_a_validation_error() -> None:
    # Given a number where a model id belongs (e.g. from JSON)
    # When it is routed
    # Then it is a 400, not a crash
    with pytest.raises(ValidationFailed):
        route(4)  # type: ignore[arg-type]


def test_the_providers_are_the_five_of_the_api() -> None:
    # Given the module's constants
    # When they are read
    # Then they are API.md's providers, in its order
    assert PROVIDERS == ("openai", "anthropic", "deepseek", "gemini", "openai_compatible")


def test_the_default_model_is_deepseek_chat() -> None:
    # Given the default model
    # When it is routed
    # Then it is deepseek-chat on deepseek
    assert route(DEFAULT_MODEL) == Route("deepseek", "deepseek-chat")
