"""The public catalogue (API.md §4): explore public prompts, one public prompt, a user's public prompts.

A page is one index `Query` (reading page x 18 slim entries at most) and one `BatchGetItem` of the page's
cards, their authors and the count that gives `total`. Filters no index serves (`q`, or `tag` with `author`)
are a filtered `Query` over the newest `SCAN_BUDGET` entries of the narrowest partition (docs/data-model.md).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from promptbank.discovery.models import Author, CataloguePage, PublicPrompt
from promptbank.errors import NotFound
from promptbank.prompts.models import UUID_RE, Variable
from promptbank.store.catalogue import Cards, CatalogueStore, Listing

PAGE_SIZE = 18
MAX_PAGE = 500
SCAN_BUDGET = 2_000
PROFILE_PROMPTS = 50
Sort = Literal["newest", "oldest"]

VARIABLE_FIELDS = ("key", "type", "max_length", "description", "default_value", "required")


def author_view(user_id: str, user: dict[str, Any] | None) -> Author:
    """The author block: never the email."""
    user = user or {}
    return Author(
        id=user_id,
        display_name=user.get("display_name") or user.get("name"),
        username=user.get("username"),
        avatar_url=user.get("avatar_url"),
    )


def public_prompt_view(card: dict[str, Any], author: Author) -> PublicPrompt:
    """API.md's `PublicPrompt` (the store drops null attributes, so every optional field is put back)."""
    return PublicPrompt(
        id=card["id"],
        name=card["name"],
        slug=card["slug"],
        description=card.get("description"),
        content=card["content"],
        tags=card.get("tags") or [],
        category=card.get("category"),
        variables=[Variable(**{f: v.get(f) for f in VARIABLE_FIELDS}) for v in card.get("variables") or []],
        created_at=card["created_at"],
        updated_at=card["updated_at"],
        author=author,
    )


class CatalogueService:
    def __init__(self, store: CatalogueStore | None = None) -> None:
        self.store = store or CatalogueStore()

    def explore(
        self, *, q: str | None, tag: str | None, author: str | None, sort: Sort, page: int
    ) -> CataloguePage:
        needle = (q or "").strip().lower() or None
        offset = (page - 1) * PAGE_SIZE
        listing = Listing(tag=tag or None, author=author or None)
        if needle is None and not (tag and author):
            entries = self.store.entries(listing, forward=sort == "oldest", limit=offset + PAGE_SIZE)
            page_entries = entries[offset:]
            found = self.store.cards(page_entries, total_of=listing)
            total = found.total
        else:
            matches, _complete = self.store.matching_entries(listing, q=needle, budget=SCAN_BUDGET)
            if sort == "oldest":
                matches.reverse()
            total = len(matches)
            page_entries = matches[offset : offset + PAGE_SIZE]
            found = self.store.cards(page_entries)
        return CataloguePage(
            data=self._views(page_entries, found),
            total=total,
            page=page,
            page_size=PAGE_SIZE,
            total_pages=math.ceil(total / PAGE_SIZE),
        )

    @staticmethod
    def _views(entries: list[dict[str, Any]], found: Cards) -> list[PublicPrompt]:
        views = []
        for entry in entries:
            card = found.cards.get(entry["prompt_id"])
            if card is None:  # unlisted since the index was read
                continue
            user = found.users.get(card["owner_id"])
            views.append(public_prompt_view(card, author_view(card["owner_id"], user)))
        return views

    def public_prompt(self, prompt_id: str) -> PublicPrompt:
        """A listed prompt (404 when private, unpublished or unknown): its card and its author, two reads."""
        card = self.store.card(prompt_id) if UUID_RE.fullmatch(prompt_id) else None
        if card is None:
            raise NotFound("Prompt not found")
        return public_prompt_view(card, author_view(card["owner_id"], self.store.user(card["owner_id"])))

    def author_prompts(self, author: Author, limit: int = PROFILE_PROMPTS) -> list[PublicPrompt]:
        """A user's newest listed prompts, for their profile page (`author` is their public author block)."""
        entries = self.store.entries(Listing(author=author.id), forward=False, limit=limit)
        found = self.store.cards(entries, authors=False)
        cards = [found.cards.get(e["prompt_id"]) for e in entries]
        return [public_prompt_view(card, author) for card in cards if card is not None]
