"""The public catalogue on the single table: its index items, the transaction that moves them, and its reads.

A prompt is *listed* while it is public and has a `production` version (`discovery.index.public_state` says
what it shows). Listed, it owns these items (all in its own partition, so they die with it):

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

Reads: a listing served by an index is one `Query` of its partition (whole catalogue, one tag, one author);
one that no index serves (`q`, or `tag` with `author`) is a filtered `Query` of the narrowest partition within
a budget of items examined. A page's cards, their authors and the listing's count are one `BatchGetItem`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from promptbank.store.accounts import user_pk
from promptbank.store.base import TableStore, TransactOp, deserialize, serialize
from promptbank.store.filters import listing_filter
from promptbank.store.prompts import prompt_pk
from promptbank.store.shares import batch_get

CARD_SK = "PUBLIC"
ENTRY_SK = "PUBLIC#ENTRY"
CATALOGUE_PK = "PUBLIC"
COUNTS_PK = "PUBLIC#COUNTS"
ALL_SK = "ALL"
TAG_SHARDS = 4


def card_key(prompt_id: str) -> tuple[str, str]:
    return prompt_pk(prompt_id), CARD_SK


def entry_key(prompt_id: str) -> tuple[str, str]:
    return prompt_pk(prompt_id), ENTRY_SK


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
        "pk": prompt_pk(state["prompt_id"]),
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
            ops.append(TransactOp.delete(prompt_pk(prompt_id), tag_slot_sk(slot)))
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


KEY_ATTRIBUTE = {"gsi1": "gsi1pk", "gsi2": "gsi2pk"}


@dataclass(frozen=True)
class Listing:
    """Which part of the catalogue: all of it, one tag's, one author's, or one author's with a tag."""

    tag: str | None = None
    author: str | None = None

    def index(self) -> tuple[str, str]:
        """(index, partition) that holds exactly the listing (one with both a tag and an author has none)."""
        if self.tag:
            return "gsi2", tag_index_pk(self.tag)
        if self.author:
            return "gsi1", author_index_pk(self.author)
        return "gsi2", CATALOGUE_PK

    def entry_index(self) -> tuple[str, str]:
        """(index, partition) of the narrowest set of entries (the items that carry text and tags) holding it."""
        if self.author:
            return "gsi1", author_index_pk(self.author)
        return "gsi2", CATALOGUE_PK

    def count(self) -> tuple[tuple[str, str], str]:
        """(count item key, attribute) of the listing's size (kept for every listing an index serves)."""
        if self.tag:
            return tag_count_key(self.tag), tag_count_attribute(self.tag)
        if self.author:
            return author_count_key(self.author), "n"
        return (COUNTS_PK, ALL_SK), "n"


@dataclass
class Cards:
    """A page's cards by prompt id, their authors' USER items by user id, and the listing's size if asked for."""

    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: int = 0


class CatalogueStore(TableStore):
    def entries(self, listing: Listing, *, forward: bool, limit: int) -> list[dict[str, Any]]:
        """The first `limit` entries of an index-served listing in sort order (every item read is returned)."""
        index, partition = listing.index()
        found: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while len(found) < limit:
            items, start = self.query(
                f"{KEY_ATTRIBUTE[index]} = :p",
                {":p": partition},
                index=index,
                forward=forward,
                limit=limit - len(found),
                start_key=start,
            )
            found.extend(items)
            if not start:
                break
        return found

    def matching_entries(self, listing: Listing, *, q: str | None, budget: int) -> tuple[list[dict[str, Any]], bool]:
        """Entries of the listing whose text holds `q`, newest first, among the narrowest partition's newest
        `budget`; and whether that was all of the partition."""
        index, partition = listing.entry_index()
        where = listing_filter(tag=listing.tag, q=q)
        found: list[dict[str, Any]] = []
        examined = 0
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": f"{KEY_ATTRIBUTE[index]} = :p",
            "ExpressionAttributeValues": serialize({":p": partition, **where.values}),
            "ScanIndexForward": False,
        }
        if where.expression:
            kwargs["FilterExpression"] = where.expression
            kwargs["ExpressionAttributeNames"] = where.names
        while examined < budget:
            # Limit bounds the items evaluated (before the filter); ScannedCount says how many were.
            response = self.client.query(**kwargs, Limit=budget - examined)
            found.extend(deserialize(item) for item in response.get("Items", []))
            examined += max(1, response.get("ScannedCount", 0))
            start = response.get("LastEvaluatedKey")
            if not start:
                return found, True
            kwargs["ExclusiveStartKey"] = start
        return found, False

    def cards(
        self, entries: Iterable[dict[str, Any]], *, authors: bool = True, total_of: Listing | None = None
    ) -> Cards:
        """The entries' cards (an entry unlisted since it was read has none), with their authors and the size
        of `total_of`: one `BatchGetItem` (chunked past 100 keys)."""
        entries = list(entries)
        keys = [card_key(e["prompt_id"]) for e in entries]
        if authors:
            keys += [(user_pk(e["owner_id"]), "USER") for e in entries]
        if total_of is not None:
            count_key, count_attribute = total_of.count()
            keys.append(count_key)
        found = batch_get(self, keys)
        result = Cards()
        for entry in entries:
            card = found.get(card_key(entry["prompt_id"]))
            if card is not None:
                result.cards[entry["prompt_id"]] = card
            user = found.get((user_pk(entry["owner_id"]), "USER")) if authors else None
            if user is not None:
                result.users[entry["owner_id"]] = user
        if total_of is not None:
            result.total = max(0, int((found.get(count_key) or {}).get(count_attribute, 0)))
        return result

    def card(self, prompt_id: str) -> dict[str, Any] | None:
        return self.get(*card_key(prompt_id))

    def user(self, user_id: str) -> dict[str, Any] | None:
        return self.get(user_pk(user_id), "USER")
