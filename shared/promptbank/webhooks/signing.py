"""Standard Webhooks signatures (standardwebhooks.com): secrets, and the three headers of every attempt.

The signing is the `standardwebhooks` package's own (`Webhook.sign`), so what a receiver verifies with that
package, or with its port in any language, is exactly what was signed here. A secret is `whsec_` + the base64 of
32 random bytes; the HMAC key is those bytes. While a rotated secret is still valid (24 h), each attempt carries a
signature per secret, space-separated, newest first.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature_header(event_id: str, timestamp: int, body: str, signing_secrets: Sequence[str]) -> str:
    """`webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per secret, space-separated."""
    from standardwebhooks.webhooks import Webhook

    moment = datetime.fromtimestamp(timestamp, UTC)
    return " ".join(Webhook(secret).sign(event_id, moment, body) for secret in signing_secrets)


def headers(event_id: str, timestamp: int, body: str, signing_secrets: Sequence[str]) -> dict[str, str]:
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(event_id, timestamp, body, signing_secrets),
    }
