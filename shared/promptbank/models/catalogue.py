"""The model catalogue (models.json): context windows, list prices and tokenizers, and the cost of a call."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from promptbank.errors import ValidationFailed
from promptbank.models.routing import PROVIDERS, route

_COST_QUANTUM = Decimal("0.00000001")
_PER_MTOK = Decimal(1_000_000)
_DATA_FILE = Path(__file__).with_name("models.json")


@dataclass(frozen=True, slots=True)
class Model:
    """One catalogue entry; the API's `Model` (runs.models.Model) is it without `aliases`."""

    id: str
    provider: str
    context_window: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    tokenizer: str
    pricing_as_of: str
    # Other ids the provider itself accepts for the same model at the same price (dated snapshots,
    # Anthropic's `-latest`/`-4-0` aliases): looked up by get_model, never rewritten when routing.
    aliases: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Catalogue:
    pricing_as_of: str
    source: tuple[str, ...]
    models: tuple[Model, ...]


def load_catalogue() -> Catalogue:
    """The whole data file, parsed and checked once per process."""
    return _catalogue()


def load_models() -> list[Model]:
    """Every model in the catalogue, in the data file's order."""
    return list(_catalogue().models)


def get_model(model_id: str) -> Model | None:
    """The catalogue entry for ``model_id`` (an id, an alias, or either behind its `provider/`), else None.

    A `provider/` prefix must name the model's own provider: `openai_compatible/gpt-4o` is some other
    server's model, whose price is unknown.
    """
    try:
        provider, model = route(model_id)
    except ValidationFailed:
        return None
    return _index().get((provider, model))


def cost_usd(model_id: str, input_tokens: int, output_tokens: int) -> float | None:
    """List-price cost of a call, rounded to 8 decimals; None when the model's price is unknown."""
    for name, count in (("input_tokens", input_tokens), ("output_tokens", output_tokens)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{name} must be a non-negative int, got {count!r}")
    model = get_model(model_id)
    if model is None:
        return None
    cost = (
        Decimal(repr(model.input_usd_per_mtok)) * input_tokens
        + Decimal(repr(model.output_usd_per_mtok)) * output_tokens
    ) / _PER_MTOK
    return float(cost.quantize(_COST_QUANTUM, rounding=ROUND_HALF_EVEN))


@cache
def _catalogue() -> Catalogue:
    raw = json.loads(_DATA_FILE.read_bytes())
    return Catalogue(
        pricing_as_of=str(raw["pricing_as_of"]),
        source=tuple(raw["source"]),
        models=tuple(_parse_model(entry) for entry in raw["models"]),
    )


@cache
def _index() -> dict[tuple[str, str], Model]:
    index: dict[tuple[str, str], Model] = {}
    for model in _catalogue().models:
        for name in (model.id, *model.aliases):
            key = (model.provider, name)
            if key in index:
                raise ValueError(f"models.json: {name!r} is listed twice for {model.provider}")
            if route(name).provider != model.provider:
                raise ValueError(f"models.json: {name!r} does not route to {model.provider}")
            index[key] = model
    return index


def _parse_model(entry: dict[str, Any]) -> Model:
    model = Model(
        id=str(entry["id"]),
        provider=str(entry["provider"]),
        context_window=int(entry["context_window"]),
        input_usd_per_mtok=float(entry["input_usd_per_mtok"]),
        output_usd_per_mtok=float(entry["output_usd_per_mtok"]),
        tokenizer=str(entry["tokenizer"]),
        pricing_as_of=str(entry["pricing_as_of"]),
        aliases=tuple(str(alias) for alias in entry.get("aliases", ())),
    )
    unknown = set(entry) - set(Model.__dataclass_fields__)
    if unknown or model.provider not in PROVIDERS or model.context_window <= 0:
        raise ValueError(f"models.json: invalid entry {model.id!r}")
    if model.input_usd_per_mtok < 0 or model.output_usd_per_mtok < 0:
        raise ValueError(f"models.json: negative price for {model.id!r}")
    return model
