"""KMS envelope for provider keys: encrypt on save, decrypt at call time, bound to (user, provider).

The encryption context names the owner and the provider, so a ciphertext copied to another user's or
provider's row does not decrypt. Keys are at most 200 bytes, well under KMS's 4 KiB direct-encrypt limit,
so no data key is needed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from promptbank.settings import get_settings


@lru_cache(maxsize=1)
def kms_client() -> Any:
    """One client per container, created on first use."""
    import boto3
    from botocore.config import Config

    return boto3.client("kms", config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3}))


class KeyDecryptFailed(RuntimeError):
    """A stored ciphertext did not decrypt (wrong context, key disabled): a server-side fault, never shown."""


PROVIDER_KEY = "promptbank-provider-key"
WEBHOOK_SECRET = "promptbank-webhook-secret"


def _context(user_id: str, provider: str, purpose: str) -> dict[str, str]:
    """What a ciphertext is bound to. For a webhook secret, `provider` is the webhook's id (the context keys stay
    the same so that one cipher serves both; `purpose` keeps a provider key and a secret from standing in for
    each other)."""
    return {"purpose": purpose, "user_id": user_id, "provider": provider}


class KeyCipher:
    def __init__(self, client: Any | None = None, key_id: str | None = None) -> None:
        self._client = client
        self._key_id = key_id

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = kms_client()
        return self._client

    @property
    def key_id(self) -> str:
        key_id = self._key_id or get_settings().kms_key_id
        if not key_id:
            raise RuntimeError("PROMPTBANK_KMS_KEY_ID is not set for this function")
        return key_id

    def encrypt(self, plaintext: str, *, user_id: str, provider: str, purpose: str = PROVIDER_KEY) -> bytes:
        response = self.client.encrypt(
            KeyId=self.key_id, Plaintext=plaintext.encode(), EncryptionContext=_context(user_id, provider, purpose)
        )
        return bytes(response["CiphertextBlob"])

    def decrypt(self, ciphertext: bytes, *, user_id: str, provider: str, purpose: str = PROVIDER_KEY) -> str:
        from botocore.exceptions import ClientError

        try:
            response = self.client.decrypt(
                KeyId=self.key_id, CiphertextBlob=ciphertext, EncryptionContext=_context(user_id, provider, purpose)
            )
        except ClientError as err:
            # Only the error code: the message could quote request parameters.
            code = err.response["Error"]["Code"]
            raise KeyDecryptFailed(f"KMS refused to decrypt a {purpose} ({code})") from None
        return bytes(response["Plaintext"]).decode()
