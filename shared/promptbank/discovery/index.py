"""The public catalogue's index items, written in the same transaction as the prompt change that moves them.

A prompt is *listed* while it is public and has a `production` version. Listed, it owns these items (all in
its own partition, so they die with it):

- the card `PROMPT#<id>`/`PUBLIC`: everything `PublicPrompt` shows, at the production version;
- the entry `PROMPT#<id>`/`PUBLIC#ENTRY`: slim, on gsi2 `PUBLIC` (the whole catalogue) and gsi1
  `PUBLIC#AUTHOR#<owner>` (one author's), sorted by `<created_at>#<id>`; carries `search_text` and `tags` so
  `q` and combined filters can be applied to it;
- one tag slot per distinct tag, `PROMPT#<id>`/`PUBLIC#TAGSLOT#<nn>`, on gsi2 `PUBLIC#TAG#<tag>`. Slots are
  positional, so replacing a tag rewrites one item instead of deleting one and putting another.

and counts in `PUBLIC#COUNTS`: `ALL` and `AUTHOR#<owner>` (attribute `n`), and the tag counts spread over
`TAGS#0`..`TAGS#3` (one attribute `t:<tag>` per tag, shard chosen by a hash of the tag), all moved with `ADD`.

Operations per transition are at most 2 + 20 (slots) + 2 + 4 (tag shards) = 28, which keeps the prompt
service's largest transaction (64 operations) under DynamoDB's 100 (docs/data-model.md).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from promptbank.store.base import TransactOp
from promptbank.templates import parse_cached, variable_specs

CARD_SK = "PUBLIC"
ENTRY_SK = "PUBLIC#ENTRY"
CATALOGUE_PK = "PUBLIC"
COUNTS_PK = "PUBLIC#COUNTS"
ALL_SK = "ALL"
TAG_SHARDS = 4
MAX_TAGS = 20


def card_key(prompt_id: str) -> tuple[str, str]:
    return f"PROMPT#{prompt_id}", CARD_SK


def entry_key(prompt_id: str) -> tuple[str, str]:
    return f"PROMPT#{prompt_id}", ENTRY_SK


def tag_slot_sk(slot: int) -> str:
    return f"PUBLIC#TAGSLOT#{slot:02d}"


def author_index_pk(owner_id: str) -> str:
    return f"PUBLIC#AUTHOR#{owner_id}"


def tag_index_pk(tag: str) -> str:
    return f"PUBLIC#TAG#{tag}"


def author_count_key(owner_id: str) -> tuple[str, str]:
    return COUNTS_PK, f"AUTHOR#{owner_id}"


def tag_shard(tag: str) -> int:
    return hashlib.sha256(tag.encode()).digest()[0] % TAG_SHARDS


def tag_count_key(tag: str) -> tuple[str, str]:
    return COUNTS_PK, f"TAGS#{tag_shard(tag)}"


def tag_count_attribute(tag: str) -> str:
    # Prefixed so that no tag can name a key attribute (`pk`, `sk`).
    return f"t:{tag}"


def search_text(name: str, description: str | None) -> str:
    return f"{name}\n{description or ''}".lower()


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


def _card_item(state: dict[str, Any]) -> dict[str, Any]:
    pk, sk = card_key(state["prompt_id"])
    return {"pk": pk, "sk": sk, "kind": "public_card", **state["card"]}


def _entry_item(state: dict[str, Any]) -> dict[str, Any]:
    pk, sk = entry_key(state["prompt_id"])
    return {
        "pk": pk,
        "sk": sk,
        "kind": "public_entry",
        "prompt_id": state["prompt_id"],
        "owner_id": state["owner_id"],
        "created_at": state["created_at"],
        "search_text": state["search_text"],
        "tags": state["tags"],
        "gsi2pk": CATALOGUE_PK,
        "gsi2sk": state["sort_key"],
        "gsi1pk": author_index_pk(state["owner_id"]),
        "gsi1sk": state["sort_key"],
    }


def _slot_item(state: dict[str, Any], slot: int, tag: str) -> dict[str, Any]:
    return {
        "pk": f"PROMPT#{state['prompt_id']}",
        "sk": tag_slot_sk(slot),
        "kind": "public_tag",
        "prompt_id": state["prompt_id"],
        "owner_id": state["owner_id"],
        "tag": tag,
        "gsi2pk": tag_index_pk(tag),
        "gsi2sk": state["sort_key"],
    }


def _entry_fields(state: dict[str, Any]) -> tuple[Any, ...]:
    return state["search_text"], tuple(state["tags"]), state["sort_key"], state["owner_id"]


def public_index_ops(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[TransactOp]:
    """Operations that move the index from `before` to `after` (either may be None).

    Only what differs is written: a listed prompt whose shown fields are unchanged costs nothing.
    """
    if before is None and after is None:
        return []
    ops: list[TransactOp] = []
    prompt_id = (after or before or {})["prompt_id"]

    if after is None:
        ops.append(TransactOp.delete(*card_key(prompt_id)))
        ops.append(TransactOp.delete(*entry_key(prompt_id)))
    else:
        if before is None or before["card"] != after["card"]:
            ops.append(TransactOp.put(_card_item(after)))
        if before is None or _entry_fields(before) != _entry_fields(after):
            ops.append(TransactOp.put(_entry_item(after)))

    old_tags = before["tags"] if before else []
    new_tags = after["tags"] if after else []
    moved = before is None or after is None or before["sort_key"] != after["sort_key"]
    for slot in range(max(len(old_tags), len(new_tags))):
        old = old_tags[slot] if slot < len(old_tags) else None
        new = new_tags[slot] if slot < len(new_tags) else None
        if new is None:
            ops.append(TransactOp.delete(f"PROMPT#{prompt_id}", tag_slot_sk(slot)))
        elif after is not None and (moved or old != new):
            ops.append(TransactOp.put(_slot_item(after, slot, new)))

    listed_delta = (after is not None) - (before is not None)
    if listed_delta:
        owner_id = (after or before or {})["owner_id"]
        for pk, sk in ((COUNTS_PK, ALL_SK), author_count_key(owner_id)):
            ops.append(TransactOp.update(pk, sk, "ADD #n :d", names={"#n": "n"}, values={":d": listed_delta}))

    deltas: dict[str, int] = defaultdict(int)
    for tag in old_tags:
        deltas[tag] -= 1
    for tag in new_tags:
        deltas[tag] += 1
    by_shard: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for tag, delta in deltas.items():
        if delta:
            by_shard[tag_count_key(tag)].append((tag, delta))
    for (pk, sk), changes in sorted(by_shard.items()):
        names = {f"#t{i}": tag_count_attribute(tag) for i, (tag, _) in enumerate(changes)}
        values = {f":d{i}": delta for i, (_, delta) in enumerate(changes)}
        expression = "ADD " + ", ".join(f"#t{i} :d{i}" for i in range(len(changes)))
        ops.append(TransactOp.update(pk, sk, expression, names=names, values=values))
    return ops
