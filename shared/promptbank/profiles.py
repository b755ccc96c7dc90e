"""Public profile pages: a user's public profile and their public prompts (API.md §2 and §4)."""

from __future__ import annotations

from typing import Any

from promptbank.auth.service import AccountService
from promptbank.discovery.service import CatalogueService


def public_page(*, user_id: str | None = None, username: str | None = None) -> dict[str, Any]:
    """The profile and the user's newest listed prompts (`PublicPrompt`, at most 50: explore has the rest)."""
    accounts = AccountService()
    profile = (
        accounts.public_profile(user_id) if user_id else accounts.public_profile_by_username(username or "")
    )
    author = {
        "id": profile.id,
        "display_name": profile.display_name,
        "username": profile.username,
        "avatar_url": profile.avatar_url,
    }
    return {"profile": profile.model_dump(), "prompts": CatalogueService().author_prompts(author)}
