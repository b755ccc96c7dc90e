"""Opaque, tamper-evident list cursors: an HMAC-signed DynamoDB key bound to the caller's scope."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from promptbank.errors import ValidationFailed
from promptbank.settings import get_settings


def _sign(payload: bytes, scope: str) -> bytes:
    key = get_settings().cursor_secret.encode()
    return hmac.new(key, scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]


def encode_cursor(last_key: dict[str, Any] | None, scope: str) -> str | None:
    """`scope` names who may use the cursor and for what list (e.g. "prompts:<user_id>")."""
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    token = payload + _sign(payload, scope)
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_cursor(cursor: str | None, scope: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    invalid = ValidationFailed.field("cursor", "Invalid cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise invalid from None
    payload, signature = raw[:-16], raw[-16:]
    if len(raw) <= 16 or not hmac.compare_digest(signature, _sign(payload, scope)):
        raise invalid
    try:
        key = json.loads(payload)
    except ValueError:
        raise invalid from None
    if not isinstance(key, dict):
        raise invalid
    return key
