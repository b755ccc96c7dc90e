"""Users' LLM provider keys: `USER#<user_id>`/`PROVIDERKEY#<provider>`, KMS ciphertext, never the key."""

from __future__ import annotations

from typing import Any

from promptbank.store.base import TableStore


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def provider_key_sk(provider: str) -> str:
    return f"PROVIDERKEY#{provider}"


def _bytes(value: Any) -> bytes:
    """A deserialised binary attribute (boto3's `Binary`) as bytes."""
    return bytes(value.value) if hasattr(value, "value") else bytes(value)


class ProviderKeyStore(TableStore):
    def get_key(self, user_id: str, provider: str) -> dict[str, Any] | None:
        item = self.get(user_pk(user_id), provider_key_sk(provider))
        if item is not None:
            item["ciphertext"] = _bytes(item["ciphertext"])
        return item

    def list_keys(self, user_id: str) -> list[dict[str, Any]]:
        items = self.query_all(
            "pk = :pk AND begins_with(sk, :prefix)", {":pk": user_pk(user_id), ":prefix": "PROVIDERKEY#"}
        )
        for item in items:
            item.pop("ciphertext", None)  # listing never needs it
        return items

    def put_key(
        self,
        user_id: str,
        provider: str,
        *,
        ciphertext: bytes,
        key_last4: str,
        base_url: str | None,
        updated_at: str,
    ) -> dict[str, Any]:
        item = {
            "pk": user_pk(user_id),
            "sk": provider_key_sk(provider),
            "kind": "provider_key",
            "provider": provider,
            "ciphertext": ciphertext,
            "key_last4": key_last4,
            "base_url": base_url,
            "updated_at": updated_at,
        }
        self.put(item)
        return item

    def delete_key(self, user_id: str, provider: str) -> None:
        self.delete(user_pk(user_id), provider_key_sk(provider))
