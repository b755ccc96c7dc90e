"""Public profile pages: a user's public profile and their public prompts (API.md §2 and §4)."""

from __future__ import annotations

from typing import Any

from promptbank.auth.service import AccountService


def public_page(*, user_id: str | None = None, username: str | None = None) -> dict[str, Any]:
    service = AccountService()
    profile = service.public_profile(user_id) if user_id else service.public_profile_by_username(username or "")
    # Public prompts join this page with the prompts capability (issue: discovery and sharing).
    prompts: list[dict[str, Any]] = []
    return {"profile": profile.model_dump(), "prompts": prompts}
