"""GET /v1/models: the catalogue as the API's `Model` shape, without credentials."""

from __future__ import annotations

from promptbank.models import load_models


def test_the_model_catalogue_is_served_without_credentials(call):
    # When an anonymous caller lists the models
    reply = call("ListModelsFunction", None)
    # Then every catalogue model is listed in the Model shape
    assert reply.status == 200
    data = reply.json["data"]
    assert [m["id"] for m in data] == [m.id for m in load_models()]
    assert all(set(m) == {"id", "provider", "context_window", "input_usd_per_mtok", "output_usd_per_mtok",
                          "tokenizer", "pricing_as_of"} for m in data)


def test_the_default_model_is_in_the_catalogue_with_its_price(call):
    # When the models are listed
    data = {m["id"]: m for m in call("ListModelsFunction", None).json["data"]}
    # Then deepseek-chat, the default model, is there with a provider and prices
    assert data["deepseek-chat"]["provider"] == "deepseek"
    assert data["deepseek-chat"]["input_usd_per_mtok"] > 0
