"""The filter expression of the listings no key serves: a user's prompts and the public catalogue.

Both list items that carry `category`, `tags` (a list) and `search_text` (name and description, lower case,
see `search_text`), so one builder serves both: `tag` is list membership, `q` a case-insensitive substring of
the name or of the description, never one that runs from the end of the name into the description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Joins the lower-cased name and description in `search_text`. It has a lowercase form of its own (ⓓ), so it
#: is never in a lower-cased text: neither field nor a lower-cased `q` can hold it, and a substring that ran from
#: the name into the description would have to. (Items written before 2026-12-02 join them with a newline,
#: which only a `q` holding a newline can match across, until the prompt's name or description next changes.)
SEPARATOR = "\u24b9"


def search_text(name: str, description: str | None) -> str:
    """What `q` is matched against: the name and the description, each lower-cased, joined by SEPARATOR."""
    return f"{name.lower()}{SEPARATOR}{(description or '').lower()}"


@dataclass(frozen=True)
class ListingFilter:
    """A DynamoDB `FilterExpression` with its names and values (an empty filter has no expression)."""

    expression: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def listing_filter(*, category: str | None = None, tag: str | None = None, q: str | None = None) -> ListingFilter:
    """Every given criterion must hold; `None` (and an empty `q`) leaves a criterion out."""
    conditions: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if category is not None:
        conditions.append("#category = :category")
        names["#category"] = "category"
        values[":category"] = category
    if tag is not None:
        conditions.append("contains(#tags, :tag)")
        names["#tags"] = "tags"
        values[":tag"] = tag
    if q:
        conditions.append("contains(#search, :q)")
        names["#search"] = "search_text"
        values[":q"] = q.lower()
    return ListingFilter(" AND ".join(conditions) or None, names, values)
