"""The public catalogue (API.md §4): explore public prompts, one public prompt, a user's public prompts.

A page is one index `Query` (reading page x 18 slim entries at most) and one `BatchGetItem` of the page's
cards, their authors and the count that gives `total`. Filters no index serves (`q`, or `tag` with `author`)
are a filtered `Query` over the newest `SCAN_BUDGET` entries of the narrowest partition (docs/data-model.md).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from promptbank.discovery.index import (
    ALL_SK,
    CATALOGUE_PK,
    COUNTS_PK,
    author_count_key,
    author_index_pk,
    card_key,
    tag_count_attribute,
    tag_count_key,
    tag_index_pk,
)
from promptbank.discovery.store import CatalogueStore
from promptbank.errors import NotFound
from promptbank.prompts.models import UUID_RE
from promptbank.store.accounts import user_pk

PAGE_SIZE = 18
MAX_PAGE = 500
SCAN_BUDGET = 2_000
PROFILE_PROMPTS = 50
Sort = Literal["newest", "oldest"]

VARIABLE_FIELDS = ("key", "type", "max_length", "description", "default_value", "required")


def author_view(user_id: str, user: dict[str, Any] | None) -> dict[str, Any]:
    """The author block: never the email."""
    user = user or {}
    return {
        "id": user_id,
        "display_name": user.get("display_name") or user.get("name"),
        "username": user.get("username"),
        "avatar_url": user.get("avatar_url"),
    }


def public_prompt_view(card: dict[str, Any], author: dict[str, Any]) -> dict[str, Any]:
    """API.md's `PublicPrompt` (the store drops null attributes, so every optional field is put back)."""
    return {
        "id": card["id"],
        "name": card["name"],
        "slug": card["slug"],
        "description": card.get("description"),
        "content": card["content"],
        "tags": card.get("tags") or [],
        "category": card.get("category"),
        "variables": [{f: v.get(f) for f in VARIABLE_FIELDS} for v in card.get("variables") or []],
        "created_at": card["created_at"],
        "updated_at": card["updated_at"],
        "author": author,
    }


class CatalogueService:
    def __init__(self, store: CatalogueStore | None = None) -> None:
        self.store = store or CatalogueStore()

    def explore(
        self, *, q: str | None, tag: str | None, author: str | None, sort: Sort, page: int
    ) -> dict[str, Any]:
        needle = (q or "").strip().lower() or None
        offset = (page - 1) * PAGE_SIZE
        if needle is None and not (tag and author):
            index, partition, count_key, count_attribute = self._indexed(tag, author)
            entries = self.store.entries(index, partition, forward=sort == "oldest", limit=offset + PAGE_SIZE)
            page_entries = entries[offset:]
            found = self._fetch(page_entries, extra=[count_key])
            total = max(0, int((found.get(count_key) or {}).get(count_attribute, 0)))
        else:
            matches = self._matching(needle, tag, author)
            if sort == "oldest":
                matches.reverse()
            total = len(matches)
            page_entries = matches[offset : offset + PAGE_SIZE]
            found = self._fetch(page_entries)
        return {
            "data": self._views(page_entries, found),
            "total": total,
            "page": page,
            "page_size": PAGE_SIZE,
            "total_pages": math.ceil(total / PAGE_SIZE),
        }

    @staticmethod
    def _indexed(tag: str | None, author: str | None) -> tuple[str, str, tuple[str, str], str]:
        """(index, partition, count item key, count attribute) for an index-served listing."""
        if tag:
            return "gsi2", tag_index_pk(tag), tag_count_key(tag), tag_count_attribute(tag)
        if author:
            return "gsi1", author_index_pk(author), author_count_key(author), "n"
        return "gsi2", CATALOGUE_PK, (COUNTS_PK, ALL_SK), "n"

    def _matching(self, needle: str | None, tag: str | None, author: str | None) -> list[dict[str, Any]]:
        conditions, names, values = [], {}, {}
        if needle:
            conditions.append("contains(#search, :q)")
            names["#search"] = "search_text"
            values[":q"] = needle
        if tag:
            conditions.append("contains(#tags, :tag)")
            names["#tags"] = "tags"
            values[":tag"] = tag
        index, partition = ("gsi1", author_index_pk(author)) if author else ("gsi2", CATALOGUE_PK)
        matches, _complete = self.store.matching_entries(
            index,
            partition,
            filter_expression=" AND ".join(conditions),
            names=names,
            values=values,
            budget=SCAN_BUDGET,
        )
        return matches

    def _fetch(
        self, entries: list[dict[str, Any]], extra: list[tuple[str, str]] | None = None
    ) -> dict[tuple[str, str], dict[str, Any]]:
        keys = [card_key(e["prompt_id"]) for e in entries]
        keys += [(user_pk(e["owner_id"]), "USER") for e in entries]
        return self.store.many(keys + (extra or []))

    @staticmethod
    def _views(entries: list[dict[str, Any]], found: dict[tuple[str, str], dict[str, Any]]) -> list[dict]:
        views = []
        for entry in entries:
            card = found.get(card_key(entry["prompt_id"]))
            if card is None:  # unlisted since the index was read
                continue
            user = found.get((user_pk(card["owner_id"]), "USER"))
            views.append(public_prompt_view(card, author_view(card["owner_id"], user)))
        return views

    def public_prompt(self, prompt_id: str) -> dict[str, Any]:
        """A listed prompt (404 when private, unpublished or unknown): its card and its author, two reads."""
        card = self.store.card(prompt_id) if UUID_RE.fullmatch(prompt_id) else None
        if card is None:
            raise NotFound("Prompt not found")
        return public_prompt_view(card, author_view(card["owner_id"], self.store.user(card["owner_id"])))

    def author_prompts(self, author: dict[str, Any], limit: int = PROFILE_PROMPTS) -> list[dict[str, Any]]:
        """A user's newest listed prompts, for their profile page (`author` is their public author block)."""
        entries = self.store.entries("gsi1", author_index_pk(author["id"]), forward=False, limit=limit)
        found = self.store.many([card_key(e["prompt_id"]) for e in entries])
        cards = [found.get(card_key(e["prompt_id"])) for e in entries]
        return [public_prompt_view(card, author) for card in cards if card is not None]
