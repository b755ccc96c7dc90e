"""Accounts: registration, login with lockout, sessions, API keys and profiles (API.md §2)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from promptbank.auth.models import (
    ApiKey,
    KeyCreateIn,
    LoginIn,
    Profile,
    ProfileUpdateIn,
    PublicProfile,
    RegisterIn,
    User,
)
from promptbank.auth.principal import Principal
from promptbank.auth.secrets import (
    dummy_password_hash,
    hash_password,
    new_api_key,
    new_session_token,
    token_hash,
    verify_password,
)
from promptbank.auth.usage import UsagePlans, usage_plans
from promptbank.clock import epoch, iso, now
from promptbank.errors import InvalidCredentials, NotFound, RateLimited
from promptbank.settings import get_settings
from promptbank.store.accounts import AccountStore

LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW_S = 15 * 60


def to_user(item: dict[str, Any]) -> User:
    return User(id=item["id"], email=item["email"], name=item["name"], plan=item["plan"], created_at=item["created_at"])


def to_public_profile(item: dict[str, Any]) -> PublicProfile:
    return PublicProfile(
        id=item["id"],
        display_name=item.get("display_name") or item["name"],
        username=item.get("username"),
        avatar_url=item.get("avatar_url"),
        bio=item.get("bio"),
        created_at=item["created_at"],
    )


def to_profile(item: dict[str, Any]) -> Profile:
    return Profile(**to_public_profile(item).model_dump(), email=item["email"], plan=item["plan"])


def to_api_key(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=item["id"],
        name=item["name"],
        prefix=item["prefix"],
        environment=item["environment"],
        access=item["access"],
        last_used_at=item.get("last_used_at"),
        created_at=item["created_at"],
    )


class AccountService:
    def __init__(
        self,
        store: AccountStore | None = None,
        plans: UsagePlans | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store or AccountStore()
        self._plans = plans
        self.clock = clock

    @property
    def plans(self) -> UsagePlans:
        if self._plans is None:
            self._plans = usage_plans()
        return self._plans

    # sessions ---------------------------------------------------------------------------------------------
    def _session_item(self, user: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A new session token and its credential (stored under the token's hash)."""
        raw = new_session_token()
        moment = self.clock()
        expires = moment + timedelta(days=get_settings().session_days)
        return raw, {
            "token_hash": token_hash(raw),
            "kind": "session",
            "session_id": str(uuid.uuid4()),
            "user_id": user["id"],
            "plan": user["plan"],
            "environment": "development",
            "access": "full",
            "usage_key": user["usage_key_value"],
            "created_at": iso(moment),
            "expires_at": epoch(expires),
            "ttl": epoch(expires),
        }

    def register(self, data: RegisterIn) -> tuple[User, str]:
        moment = iso(self.clock())
        user_id = str(uuid.uuid4())
        email_lower = data.email.lower()
        if self.store.user_id_by_email(email_lower):
            # Cheap early answer; the transaction below is what actually guarantees uniqueness.
            from promptbank.errors import Conflict

            raise Conflict("Email is already registered")
        usage = self.plans.issue("sessions", f"sessions:{user_id}")
        user = {
            "id": user_id,
            "email": data.email,
            "email_lower": email_lower,
            "name": data.name,
            "display_name": data.name,
            "plan": "free",
            "password_hash": hash_password(data.password),
            "usage_key_id": usage.id,
            "usage_key_value": usage.value,
            "created_at": moment,
        }
        raw, session = self._session_item(user)
        try:
            self.store.create_user(user, session)
        except Exception:
            # An SDK retry of a transaction that had in fact committed finds its own email claim: that is success.
            if self.store.user_id_by_email(email_lower, consistent=True) == user_id:
                return to_user(user), raw
            self.plans.delete(usage.id)
            raise
        return to_user(user), raw

    def login(self, data: LoginIn) -> tuple[User, str]:
        email_lower = data.email.strip().lower()
        now_epoch = epoch(self.clock())
        failures = self.store.login_failures(email_lower)
        if (
            failures
            and failures.get("failures", 0) >= LOCKOUT_FAILURES
            and failures["window_start"] > now_epoch - LOCKOUT_WINDOW_S
        ):
            raise RateLimited(
                "Too many failed logins for this email; try again later",
                retry_after=failures["window_start"] + LOCKOUT_WINDOW_S - now_epoch,
            )
        user_id = self.store.user_id_by_email(email_lower)
        user = self.store.get_user(user_id) if user_id else None
        valid = verify_password(data.password, user["password_hash"] if user else dummy_password_hash())
        if not user or not valid:
            self.store.record_login_failure(email_lower, now_epoch, LOCKOUT_WINDOW_S)
            raise InvalidCredentials()
        if failures:
            self.store.clear_login_failures(email_lower)
        raw, session = self._session_item(user)
        self.store.put_session(session)
        return to_user(user), raw

    def logout(self, principal: Principal, raw_token: str | None) -> None:
        principal.require_session()
        if raw_token:
            self.store.delete_session(token_hash(raw_token))

    def me(self, principal: Principal) -> User:
        return to_user(self.store.require_user(principal.user_id))

    # API keys ---------------------------------------------------------------------------------------------
    def create_key(self, principal: Principal, data: KeyCreateIn) -> tuple[ApiKey, str]:
        principal.require_session()
        user = self.store.require_user(principal.user_id)
        raw = new_api_key(data.environment)
        key_id = str(uuid.uuid4())
        hashed = token_hash(raw)
        usage = self.plans.issue(user["plan"], f"key:{key_id}")
        record = {
            "id": key_id,
            "name": data.name,
            "prefix": raw[:12],
            "environment": data.environment,
            "access": data.access,
            "key_hash": hashed,
            "usage_key_id": usage.id,
            "created_at": iso(self.clock()),
        }
        credential = {
            "token_hash": hashed,
            "kind": "api_key",
            "key_id": key_id,
            "user_id": user["id"],
            "plan": user["plan"],
            "environment": data.environment,
            "access": data.access,
            "usage_key": usage.value,
        }
        try:
            self.store.create_api_key(user["id"], credential, record)
        except Exception:
            self.plans.delete(usage.id)
            raise
        return to_api_key(record), raw

    def list_keys(self, principal: Principal) -> list[ApiKey]:
        principal.require_session()
        items = self.store.list_api_keys(principal.user_id)
        return [to_api_key(item) for item in sorted(items, key=lambda i: i["created_at"], reverse=True)]

    def revoke_key(self, principal: Principal, key_id: str) -> None:
        principal.require_session()
        record = self.store.get_api_key(principal.user_id, key_id)
        if record is None:
            raise NotFound("API key not found")
        self.store.revoke_api_key(principal.user_id, key_id, record["key_hash"])
        self.plans.delete(record["usage_key_id"])

    # profiles ---------------------------------------------------------------------------------------------
    def profile(self, principal: Principal) -> Profile:
        principal.require_session()
        return to_profile(self.store.require_user(principal.user_id))

    def update_profile(self, principal: Principal, data: ProfileUpdateIn) -> Profile:
        principal.require_session()
        user = self.store.require_user(principal.user_id)
        changes = data.model_dump(exclude_unset=True)
        return to_profile(self.store.update_profile(user, changes))

    def public_profile(self, user_id: str) -> PublicProfile:
        user = self.store.get_user(user_id)
        if user is None:
            raise NotFound("User not found")
        return to_public_profile(user)

    def public_profile_by_username(self, username: str) -> PublicProfile:
        user_id = self.store.user_id_by_username(username.lower())
        if user_id is None:
            raise NotFound("User not found")
        return self.public_profile(user_id)
