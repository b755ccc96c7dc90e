"""Share links on the single table: a record per link, in its prompt's partition, resolved in one request.

Keys (docs/data-model.md): the record is `PROMPT#<prompt_id>`/`SHARE#<share_id>` (on gsi1 `SHARES#<owner>` by
creation time, for the owner's list of all links). A token names its prompt and its share, so resolving it is
one strongly consistent `BatchGetItem` of the record, the prompt's META and its `production` and `latest`
label documents, all of which the prompt's delete transaction removes or makes unreachable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from promptbank.errors import NotFound
from promptbank.store.base import TableStore, deserialize, serialize
from promptbank.store.prompts import META, label_sk, prompt_pk

SHARE_PREFIX = "SHARE#"
SHOWN_LABELS = ("production", "latest")
BATCH_GET_LIMIT = 100


def share_sk(share_id: str) -> str:
    return f"{SHARE_PREFIX}{share_id}"


def owner_shares_pk(owner_id: str) -> str:
    return f"SHARES#{owner_id}"


def batch_get(
    store: TableStore, keys: Iterable[tuple[str, str]], *, consistent: bool = False
) -> dict[tuple[str, str], dict[str, Any]]:
    """Items by key, in as few `BatchGetItem` requests as possible (100 keys each, unprocessed retried)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(wanted), BATCH_GET_LIMIT):
        chunk = wanted[start : start + BATCH_GET_LIMIT]
        request: dict[str, Any] = {
            store.table_name: {
                "Keys": [serialize({"pk": pk, "sk": sk}) for pk, sk in chunk],
                "ConsistentRead": consistent,
            }
        }
        for _ in range(8):
            response = store.client.batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(store.table_name, []):
                item = deserialize(raw)
                found[(item["pk"], item["sk"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
    return found


class ShareStore(TableStore):
    def put_share(self, record: dict[str, Any]) -> dict[str, Any]:
        """Store a new share record (its `id`, `prompt_id`, `owner_id`, `created_at`...); the item written."""
        item = {
            **record,
            "pk": prompt_pk(record["prompt_id"]),
            "sk": share_sk(record["id"]),
            "kind": "share",
            "gsi1pk": owner_shares_pk(record["owner_id"]),
            "gsi1sk": f"{record['created_at']}#{record['id']}",
        }
        self.put(item, condition="attribute_not_exists(pk)")
        return item

    def get_share(self, prompt_id: str, share_id: str) -> dict[str, Any] | None:
        return self.get(prompt_pk(prompt_id), share_sk(share_id), consistent=True)

    def replace_prefilled(self, prompt_id: str, share_id: str, prefilled: dict[str, str]) -> dict[str, Any]:
        updated = self.update(
            prompt_pk(prompt_id),
            share_sk(share_id),
            "SET prefilled_variables = :p",
            condition="attribute_exists(pk)",
            values={":p": prefilled},
            on_conflict=lambda: NotFound("Share link not found"),
            return_new=True,
        )
        assert updated is not None
        return updated

    def delete_share(self, prompt_id: str, share_id: str) -> None:
        self.delete(
            prompt_pk(prompt_id),
            share_sk(share_id),
            condition="attribute_exists(pk)",
            on_conflict=lambda: NotFound("Share link not found"),
        )

    def prompt_shares(self, prompt_id: str) -> list[dict[str, Any]]:
        return self.query_all(
            "pk = :pk AND begins_with(sk, :share)",
            {":pk": prompt_pk(prompt_id), ":share": SHARE_PREFIX},
            consistent=True,
        )

    def owner_shares(self, owner_id: str) -> list[dict[str, Any]]:
        return self.query_all(
            "gsi1pk = :owner", {":owner": owner_shares_pk(owner_id)}, index="gsi1", forward=False
        )

    def prompt_metas(self, prompt_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found = batch_get(self, [(prompt_pk(pid), META) for pid in prompt_ids], consistent=True)
        return {item["id"]: item for item in found.values()}

    def resolve(self, prompt_id: str, share_id: str) -> dict[str, dict[str, Any] | None]:
        """The share, its prompt's META and label documents: one request, strongly consistent."""
        pk = prompt_pk(prompt_id)
        keys = {
            "share": (pk, share_sk(share_id)),
            "meta": (pk, META),
            **{label: (pk, label_sk(label)) for label in SHOWN_LABELS},
        }
        found = batch_get(self, keys.values(), consistent=True)
        return {name: found.get(key) for name, key in keys.items()}
