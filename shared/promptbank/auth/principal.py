"""Who a request acts as: built from the authorizer's context, checked by routes before they act."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from promptbank.errors import Forbidden, Unauthorized

CredentialKind = Literal["api_key", "session"]


@dataclass(frozen=True)
class Principal:
    user_id: str
    credential: CredentialKind
    environment: Literal["production", "development"]
    access: Literal["full", "read"]
    plan: str
    key_id: str | None = None
    session_id: str | None = None

    @property
    def is_session(self) -> bool:
        return self.credential == "session"

    @property
    def default_label(self) -> str:
        """API.md §2: production keys resolve to `production`; development keys and sessions to `latest`."""
        return "production" if self.credential == "api_key" and self.environment == "production" else "latest"

    def require_session(self) -> Principal:
        if not self.is_session:
            raise Forbidden("This route needs a session; API keys are not accepted")
        return self

    def require_write(self) -> Principal:
        if self.access != "full":
            raise Forbidden("This API key is read-only")
        return self

    def to_context(self) -> dict[str, str]:
        """The authorizer context (API Gateway allows only flat string/number/boolean values)."""
        ctx = {
            "user_id": self.user_id,
            "credential": self.credential,
            "environment": self.environment,
            "access": self.access,
            "plan": self.plan,
        }
        if self.key_id:
            ctx["key_id"] = self.key_id
        if self.session_id:
            ctx["session_id"] = self.session_id
        return ctx

    @classmethod
    def from_context(cls, ctx: dict[str, Any] | None) -> Principal:
        if not ctx or not ctx.get("user_id"):
            raise Unauthorized()
        return cls(
            user_id=str(ctx["user_id"]),
            credential="session" if ctx.get("credential") == "session" else "api_key",
            environment="development" if ctx.get("environment") == "development" else "production",
            access="read" if ctx.get("access") == "read" else "full",
            plan=str(ctx.get("plan") or "free"),
            key_id=ctx.get("key_id") or None,
            session_id=ctx.get("session_id") or None,
        )
