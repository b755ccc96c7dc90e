"""Response models: the shapes of API.md, declared once and reused by every route that returns them.

Each area keeps its output models beside its input models (`prompts.models.Prompt`, `auth.models.ApiKey`, ...);
this module holds what they share: the base class and the generic list envelope. The generated OpenAPI
document (scripts/openapi.py) carries every one under `components/schemas`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Output(BaseModel):
    """A response body. Fields are exactly the contract's (no extras), in the order the API returns them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Page[T](Output):
    """A cursor-paged list (API.md §1): `{"data": [...], "next_cursor": "<opaque>" | null}`."""

    data: list[T]
    next_cursor: str | None
