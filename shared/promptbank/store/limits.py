"""The AI limiter's counters on the single table: one item per user and minute.

Keys (docs/data-model.md): `AILIMIT#<user>`/`W#<minute>`, attribute `hits`, with a TTL. Cost: one GetItem to
read a window's count, one conditional UpdateItem (`ADD`) to take a hit only while the window holds fewer than
its cap.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from promptbank.store.base import TableStore, deserialize, serialize


def limit_pk(user_id: str) -> str:
    return f"AILIMIT#{user_id}"


def window_sk(window: int) -> str:
    return f"W#{window}"


class AiLimitStore(TableStore):
    def count(self, user_id: str, window: int) -> int:
        item = self.get(limit_pk(user_id), window_sk(window))
        return int(item.get("hits", 0)) if item else 0

    def try_add(self, user_id: str, window: int, cap: int, expires_at: int) -> tuple[bool, int]:
        """Add one hit if the window holds fewer than `cap`: (accepted, the window's hits before this one)."""
        try:
            response = self.client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": limit_pk(user_id), "sk": window_sk(window)}),
                UpdateExpression="ADD #hits :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#hits) OR #hits < :cap",
                ExpressionAttributeNames={"#hits": "hits", "#ttl": "ttl"},
                ExpressionAttributeValues=serialize({":one": 1, ":cap": cap, ":ttl": expires_at}),
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] = deserialize(err.response.get("Item") or {})  # type: ignore[arg-type]
            return False, int(old.get("hits", cap))
        new = deserialize(response.get("Attributes") or {})
        return True, int(new.get("hits", 1)) - 1
