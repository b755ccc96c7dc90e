"""The model catalogue (models.json): its contents, lookups and the cost of a call."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from promptbank.models import (
    DEFAULT_MODEL,
    PROVIDERS,
    Model,
    cost_usd,
    get_model,
    load_catalogue,
    load_models,
    route,
)
from promptbank.runs.models import Model as ApiModel
from promptbank.tokens import encoding_for_model

DATA_FILE = Path(__file__).resolve().parents[3] / "shared" / "promptbank" / "models" / "models.json"
API_FIELDS = {
    "id",
    "provider",
    "context_window",
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "tokenizer",
    "pricing_as_of",
}
REQUIRED_IDS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o3",
    "o4-mini",
    "gpt-4-turbo",
    "gpt-3.5-turbo",
    "claude-opus-4-20250514",
    "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-20241022",
    "deepseek-chat",
    "deepseek-reasoner",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.0-flash",
]


@pytest.mark.parametrize("model_id", REQUIRED_IDS)
def test_the_catalogue_has_each_supported_model(model_id: str) -> None:
    # Given the catalogue
    # When a supported model is looked up by its provider's id
    model = get_model(model_id)
    # Then it is there under that id
    assert model is not None and model.id == model_id


def test_every_model_shows_as_the_api_model_shape() -> None:
    # Given every model in the catalogue
    # When each is serialised
    # Then it has exactly API.md's Model fields, with sensible values
    for model in load_models():
        data = ApiModel.model_validate(model, from_attributes=True).model_dump()
        assert set(data) == API_FIELDS
        assert data["provider"] in PROVIDERS
        assert isinstance(data["context_window"], int) and data["context_window"] >= 8192
        assert isinstance(data["input_usd_per_mtok"], float) and data["input_usd_per_mtok"] > 0
        assert isinstance(data["output_usd_per_mtok"], float) and data["output_usd_per_mtok"] > 0
        dt.date.fromisoformat(data["pricing_as_of"])


def test_every_id_and_alias_routes_to_its_models_provider() -> None:
    # Given every name in the catalogue
    # When each is routed
    # Then it reaches the model's own provider, so a run and its price agree
    for model in load_models():
        for name in (model.id, *model.aliases):
            assert route(name).provider == model.provider, name


def test_ids_and_aliases_are_unique() -> None:
    # Given every name in the catalogue
    names = [name for model in load_models() for name in (model.id, *model.aliases)]
    # When they are compared
    # Then none is listed twice
    assert len(names) == len(set(names))


def test_openai_models_name_the_encoding_their_tokens_are_counted_with() -> None:
    # Given the OpenAI models of the catalogue
    openai = [model for model in load_models() if model.provider == "openai"]
    # When their tokenizer is compared with the token counter's choice
    # Then they agree (e.g. gpt-4-turbo on cl100k_base, gpt-4o on o200k_base)
    assert openai
    assert all(model.tokenizer == encoding_for_model(model.id) for model in openai)


def test_other_models_name_their_providers_tokenizer() -> None:
    # Given the models of the other providers
    # When their tokenizer is read
    # Then it is the provider's own
    for model in load_models():
        if model.provider != "openai":
            assert model.tokenizer == model.provider


def test_the_data_file_records_its_pricing_date_and_sources() -> None:
    # Given the raw data file
    raw = json.loads(DATA_FILE.read_text())
    # When its header is read
    catalogue = load_catalogue()
    # Then it has an ISO date no earlier than any model's, and the providers' pricing pages
    assert catalogue.pricing_as_of == raw["pricing_as_of"]
    assert all(model.pricing_as_of <= catalogue.pricing_as_of for model in catalogue.models)
    assert len(catalogue.source) == 4 and all(url.startswith("https://") for url in catalogue.source)
    assert len(catalogue.models) == len(raw["models"])


def test_load_models_returns_a_fresh_list_over_a_cached_catalogue() -> None:
    # Given the models, loaded once
    first = load_models()
    # When the caller changes its list and loads again
    first.clear()
    second = load_models()
    # Then the catalogue is unharmed and the same objects come back
    assert second and second[0] is load_catalogue().models[0]


def test_the_default_model_is_in_the_catalogue() -> None:
    # Given the default model
    # When it is looked up
    # Then it has a price
    assert get_model(DEFAULT_MODEL) is not None


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("claude-sonnet-4-0", "claude-sonnet-4-20250514"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("anthropic/claude-opus-4-0", "claude-opus-4-20250514"),
        ("gemini/gemini-2.5-pro", "gemini-2.5-pro"),
    ],
)
def test_get_model_resolves_aliases_and_provider_prefixes(name: str, model_id: str) -> None:
    # Given an alias or a provider-prefixed id
    # When it is looked up
    model = get_model(name)
    # Then it finds the model
    assert model is not None and model.id == model_id


@pytest.mark.parametrize(
    "name",
    ["gpt-99", "openai_compatible/gpt-4o", "anthropic/gpt-4o", "llama-3", "", "openai/", "claude-sonnet-4"],
)
def test_get_model_is_none_for_what_the_catalogue_does_not_price(name: str) -> None:
    # Given a model the catalogue has no entry for (or one served by another provider)
    # When it is looked up
    # Then it is None, not an error
    assert get_model(name) is None


def test_cost_is_the_list_price_per_million_tokens() -> None:
    # Given gpt-4o at $2.50 in and $10.00 out per million tokens
    # When 1,000 input and 500 output tokens are priced
    # Then it is 0.0025 + 0.005
    assert cost_usd("gpt-4o", 1000, 500) == 0.0075


def test_cost_has_no_binary_float_error() -> None:
    # Given gpt-4o-mini at $0.15 per million input tokens
    # When 3 tokens are priced (0.15 * 3 is 0.44999999999999996 in binary floats)
    # Then the result is the decimal 0.00000045
    assert cost_usd("gpt-4o-mini", 3, 0) == 0.00000045


def test_cost_is_rounded_to_eight_decimals_half_even() -> None:
    # Given gemini-2.0-flash-lite at $0.075 per million input tokens
    # When three tokens are priced (0.000000225, exactly half-way at 8 decimals)
    # Then it rounds half to even: down to ...22, where half-up would give ...23
    assert cost_usd("gemini-2.0-flash-lite", 3, 0) == 0.00000022


def test_cost_of_a_large_call() -> None:
    # Given Claude Opus 4.1 at $15 in and $75 out
    # When a million tokens each way are priced
    # Then it is $90
    assert cost_usd("claude-opus-4-1-20250805", 1_000_000, 1_000_000) == 90.0


def test_cost_through_an_alias_equals_cost_through_the_id() -> None:
    # Given a model and one of its aliases
    # When the same call is priced through each
    # Then the cost is the same
    assert cost_usd("anthropic/claude-sonnet-4-0", 1234, 567) == cost_usd(
        "claude-sonnet-4-20250514", 1234, 567
    )


def test_cost_of_nothing_is_zero() -> None:
    # Given no tokens
    # When priced
    # Then it is 0.0, not None
    assert cost_usd("deepseek-chat", 0, 0) == 0.0


@pytest.mark.parametrize("model", ["openai_compatible/llama3.1:8b", "gpt-99", "not a model"])
def test_cost_is_none_when_the_price_is_unknown(model: str) -> None:
    # Given a model the catalogue does not price
    # When a call to it is priced
    # Then the cost is None (API.md: cost_usd is null when the price is unknown)
    assert cost_usd(model, 100, 100) is None


@pytest.mark.parametrize(("input_tokens", "output_tokens"), [(-1, 0), (0, -5), (True, 0), (1.5, 0)])
def test_cost_refuses_impossible_token_counts(input_tokens: int, output_tokens: int) -> None:
    # Given a negative, boolean or fractional token count
    # When it is priced
    # Then it is a programming error
    with pytest.raises(ValueError):
        cost_usd("gpt-4o", input_tokens, output_tokens)


def test_model_is_a_frozen_value() -> None:
    # Given a model from the catalogue
    model = load_models()[0]
    # When it is changed
    # Then it refuses (the catalogue is shared across the container)
    assert isinstance(model, Model)
    with pytest.raises(AttributeError):
        model.input_usd_per_mtok = 0.0  # type: ignore[misc]
