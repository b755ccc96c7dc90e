"""Reads of the public catalogue: index entries, cards, authors and counts (keys in discovery/index.py)."""

from __future__ import annotations

from typing import Any

from promptbank.discovery.index import card_key
from promptbank.store.accounts import user_pk
from promptbank.store.base import TableStore, deserialize, serialize
from promptbank.store.shares import batch_get

KEY_ATTRIBUTE = {"gsi1": "gsi1pk", "gsi2": "gsi2pk"}


class CatalogueStore(TableStore):
    def entries(self, index: str, partition: str, *, forward: bool, limit: int) -> list[dict[str, Any]]:
        """The first `limit` entries of an index partition in sort order (every item read is returned)."""
        found: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while len(found) < limit:
            items, start = self.query(
                f"{KEY_ATTRIBUTE[index]} = :p",
                {":p": partition},
                index=index,
                forward=forward,
                limit=limit - len(found),
                start_key=start,
            )
            found.extend(items)
            if not start:
                break
        return found

    def matching_entries(
        self,
        index: str,
        partition: str,
        *,
        filter_expression: str,
        names: dict[str, str],
        values: dict[str, Any],
        budget: int,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Entries passing the filter among the partition's newest `budget`; whether that was all of it."""
        found: list[dict[str, Any]] = []
        examined = 0
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": f"{KEY_ATTRIBUTE[index]} = :p",
            "FilterExpression": filter_expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize({":p": partition, **values}),
            "ScanIndexForward": False,
        }
        while examined < budget:
            # Limit bounds the items evaluated (before the filter); ScannedCount says how many were.
            response = self.client.query(**kwargs, Limit=budget - examined)
            found.extend(deserialize(item) for item in response.get("Items", []))
            examined += max(1, response.get("ScannedCount", 0))
            start = response.get("LastEvaluatedKey")
            if not start:
                return found, True
            kwargs["ExclusiveStartKey"] = start
        return found, False

    def card(self, prompt_id: str) -> dict[str, Any] | None:
        return self.get(*card_key(prompt_id))

    def user(self, user_id: str) -> dict[str, Any] | None:
        return self.get(user_pk(user_id), "USER")

    def many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        return batch_get(self, keys)
