"""Public profile pages: a user's public profile and their public prompts (API.md §2 and §4)."""

from __future__ import annotations

from promptbank.auth.service import AccountService
from promptbank.discovery.models import Author, ProfilePage
from promptbank.discovery.service import CatalogueService


def public_page(*, user_id: str | None = None, username: str | None = None) -> ProfilePage:
    """The profile and the user's newest listed prompts (`PublicPrompt`, at most 50: explore has the rest)."""
    accounts = AccountService()
    profile = (
        accounts.public_profile(user_id) if user_id else accounts.public_profile_by_username(username or "")
    )
    author = Author(
        id=profile.id, display_name=profile.display_name, username=profile.username, avatar_url=profile.avatar_url
    )
    return ProfilePage(profile=profile, prompts=CatalogueService().author_prompts(author))
