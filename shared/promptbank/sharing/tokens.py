"""Share tokens: which prompt and share they name, plus 192 secret bits from `secrets`.

`<prompt id: 22 chars><share id: 22 chars><secret: 32 chars>`, all base64url (76 characters). The ids are not
secret (the prompt's id is in the resolve response anyway); they let one request fetch the share record and
the prompt's documents together. The secret is compared in constant time with the one the record keeps.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from dataclasses import dataclass

SECRET_BYTES = 24
TOKEN_LENGTH = 22 + 22 + 32
TOKEN_RE = re.compile(rf"^[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}$")


@dataclass(frozen=True)
class ShareToken:
    prompt_id: str
    share_id: str
    raw: str


def _compact(value: str) -> str:
    return base64.urlsafe_b64encode(uuid.UUID(value).bytes).decode().rstrip("=")


def _expand(text: str) -> str:
    return str(uuid.UUID(bytes=base64.urlsafe_b64decode(text + "==")))


def new_token(prompt_id: str, share_id: str) -> str:
    return _compact(prompt_id) + _compact(share_id) + secrets.token_urlsafe(SECRET_BYTES)


def parse_token(raw: str) -> ShareToken | None:
    """The ids a well-formed token names, or None (a malformed token is simply unknown: 404, no read)."""
    if not TOKEN_RE.fullmatch(raw):
        return None
    try:
        prompt_id, share_id = _expand(raw[:22]), _expand(raw[22:44])
    except (binascii.Error, ValueError):
        return None
    if _compact(prompt_id) != raw[:22] or _compact(share_id) != raw[22:44]:
        return None
    return ShareToken(prompt_id=prompt_id, share_id=share_id, raw=raw)
