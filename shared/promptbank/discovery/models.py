"""Response models of the public catalogue and public profile pages (API.md §2 and §4)."""

from __future__ import annotations

from pydantic import Field

from promptbank.auth.models import PublicProfile
from promptbank.outputs import Output
from promptbank.prompts.models import Variable


class Author(Output):
    """A public prompt's author: never the email."""

    id: str
    display_name: str | None
    username: str | None
    avatar_url: str | None


class PublicPrompt(Output):
    """A listed prompt at its `production` version (public prompts with no `production` version are not listed)."""

    id: str
    name: str
    slug: str
    description: str | None
    content: str
    tags: list[str]
    category: str | None
    variables: list[Variable]
    created_at: str
    updated_at: str
    author: Author


class CataloguePage(Output):
    """A page of the public catalogue: numbered pages of `page_size` (18), not a cursor."""

    data: list[PublicPrompt]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int
    total_pages: int = Field(ge=0)


class ProfilePage(Output):
    """A public profile and the user's newest public prompts (at most 50; explore has the rest)."""

    profile: PublicProfile
    prompts: list[PublicPrompt]
