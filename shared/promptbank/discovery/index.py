"""What the public catalogue lists for a prompt: its card and the fields its index entries are found by.

A prompt is *listed* while it is public and has a `production` version. The items that hold the listing, and
the transaction that moves them as the prompt changes, are the catalogue store's (store/catalogue.py).
"""

from __future__ import annotations

from typing import Any

from promptbank.store.filters import search_text
from promptbank.templates import parse_cached, variable_specs

MAX_TAGS = 20


def unique_tags(tags: list[str] | None) -> list[str]:
    """Tags in their order, each once (a prompt may repeat a tag; the catalogue lists it once)."""
    return list(dict.fromkeys(tags or []))[:MAX_TAGS]


def public_variables(version: dict[str, Any]) -> list[dict[str, Any]]:
    """API.md's `variables: [Variable]` of a version (the same list the prompt routes show)."""
    parts = [parse_cached(version["content"])]
    if version.get("system_prompt"):
        parts.append(parse_cached(version["system_prompt"]))
    specs = variable_specs(parts, version.get("variables") or {}, validate_defaults=False)
    return [spec.to_dict() for spec in specs]


def public_state(meta: dict[str, Any] | None, production: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the catalogue lists for a prompt, or None when it is not listed (private, or no production)."""
    if meta is None or production is None or not meta.get("is_public"):
        return None
    card = {
        "id": meta["id"],
        "name": meta["name"],
        "slug": meta["slug"],
        "description": meta.get("description"),
        "content": production["content"],
        "tags": list(meta.get("tags") or []),
        "category": meta.get("category"),
        "variables": public_variables(production),
        "created_at": meta["created_at"],
        "updated_at": meta["updated_at"],
        "owner_id": meta["owner_id"],
        "version": production["version"],
    }
    return {
        "prompt_id": meta["id"],
        "owner_id": meta["owner_id"],
        "sort_key": f"{meta['created_at']}#{meta['id']}",
        "created_at": meta["created_at"],
        "tags": unique_tags(meta.get("tags")),
        "search_text": search_text(meta["name"], meta.get("description")),
        "card": card,
    }
