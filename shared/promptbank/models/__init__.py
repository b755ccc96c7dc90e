"""Supported LLM models: routing a model id to its provider, and the catalogue of prices and limits."""

from promptbank.models.catalogue import (
    Catalogue,
    Model,
    cost_usd,
    get_model,
    load_catalogue,
    load_models,
)
from promptbank.models.routing import DEFAULT_MODEL, PROVIDERS, Route, provider_for, route

__all__ = [
    "DEFAULT_MODEL",
    "PROVIDERS",
    "Catalogue",
    "Model",
    "Route",
    "cost_usd",
    "get_model",
    "load_catalogue",
    "load_models",
    "provider_for",
    "route",
]
