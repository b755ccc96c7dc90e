"""Credentials: generation, shapes, hashing and extraction from a request. Raw values never leave this module's callers' hands."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Literal

API_KEY_PREFIXES = {"production": "pb_live_", "development": "pb_dev_"}
SESSION_PREFIX = "pbs_"
TOKEN_RE = re.compile(r"^(pb_live_|pb_dev_|pbs_)[0-9a-f]{64}$")
COOKIE_NAME = "pb_session"

# scrypt with N=2^14, r=8, p=1 uses 16 MiB per hash: memory-hard, ~50 ms on a 1 GB Lambda.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN = 2**14, 8, 1, 32


def new_api_key(environment: Literal["production", "development"]) -> str:
    return API_KEY_PREFIXES[environment] + secrets.token_hex(32)


def new_session_token() -> str:
    return SESSION_PREFIX + secrets.token_hex(32)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_SCRYPT_LEN, maxmem=64 * 2**20
    )
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=64 * 2**20
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def dummy_password_hash() -> str:
    """Verified against when the email is unknown, so "no such user" takes as long as "wrong password".

    Made on first use (login only), not at import: scrypt would otherwise slow every function's cold start.
    """
    return hash_password(secrets.token_hex(8))


def credential_from_headers(headers: Mapping[str, str] | None) -> str | None:
    """The raw token from `Authorization: Bearer`, `X-API-Key` or the `pb_session` cookie (in that order).

    Returns "" when a credential is present but malformed, None when there is none.
    """
    lowered = {k.lower(): v for k, v in (headers or {}).items() if isinstance(v, str)}
    candidate: str | None = None
    if "authorization" in lowered:
        scheme, _, value = lowered["authorization"].strip().partition(" ")
        candidate = value.strip() if scheme.lower() == "bearer" else ""
    elif "x-api-key" in lowered:
        candidate = lowered["x-api-key"].strip()
    elif "cookie" in lowered:
        for part in lowered["cookie"].split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE_NAME:
                candidate = value.strip()
                break
    if candidate is None:
        return None
    return candidate if TOKEN_RE.fullmatch(candidate) else ""
