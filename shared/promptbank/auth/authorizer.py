"""The Lambda REQUEST authorizer's logic: one GetItem turns a credential into a principal and a usage key."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.auth.secrets import credential_from_headers, token_hash
from promptbank.clock import epoch, iso, now, seconds_until_next_month
from promptbank.errors import Conflict, Unauthorized
from promptbank.store.accounts import AccountStore

TOUCH_INTERVAL_S = 60
_last_touch: dict[str, float] = {}


def _allow_all(method_arn: str) -> str:
    """`arn:...:<api>/<stage>/<METHOD>/<path>` -> `arn:...:<api>/<stage>/*` (the policy is not cached anyway)."""
    parts = method_arn.split("/")
    return "/".join(parts[:2]) + "/*" if len(parts) >= 2 else method_arn


def authorize(
    event: dict[str, Any], store: AccountStore, clock: Callable[[], datetime] = now
) -> dict[str, Any]:
    raw = credential_from_headers(event.get("headers"))
    if not raw:
        raise Unauthorized()
    credential = store.get_credential(token_hash(raw))
    moment = clock()
    if credential is None or (credential.get("expires_at") and credential["expires_at"] <= epoch(moment)):
        raise Unauthorized()
    principal = Principal.from_context(
        {
            "user_id": credential["user_id"],
            "credential": "session" if credential["kind"] == "session" else "api_key",
            "environment": credential.get("environment"),
            "access": credential.get("access"),
            "plan": credential.get("plan"),
            "key_id": credential.get("key_id"),
            "session_id": credential.get("session_id"),
        }
    )
    if principal.key_id:
        _touch(store, principal, moment)
    return {
        "principalId": principal.user_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _allow_all(event.get("methodArn", "*"))}
            ],
        },
        # `quota_resets_in`: the gateway response QUOTA_EXCEEDED sends it as Retry-After (it cannot compute it).
        "context": {**principal.to_context(), "quota_resets_in": str(seconds_until_next_month(moment))},
        "usageIdentifierKey": credential.get("usage_key", ""),
    }


def _touch(store: AccountStore, principal: Principal, moment: datetime) -> None:
    """`last_used_at` at most once a minute per key: skipped in-container, and conditional in DynamoDB."""
    assert principal.key_id
    mono = time.monotonic()
    if mono - _last_touch.get(principal.key_id, -1e9) < TOUCH_INTERVAL_S:
        return
    _last_touch[principal.key_id] = mono
    with contextlib.suppress(Conflict):  # another container recorded this minute's use already
        store.touch_api_key(
            principal.user_id, principal.key_id, iso(moment), iso(moment - timedelta(seconds=TOUCH_INTERVAL_S))
        )
