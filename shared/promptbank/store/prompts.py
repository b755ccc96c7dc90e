"""Prompts on the single table: metadata, immutable versions, slug claims and denormalised label documents.

Keys (docs/data-model.md): `PROMPT#<id>`/`META`, `PROMPT#<id>`/`V#<n:08d>`, `PROMPT#<id>`/`L#<label>`,
`SLUG#<owner>#<slug>`/`SLUG`, `SLUG#<owner>#<slug>`/`L#<label>`. A label document carries everything compiled
delivery needs, under both the id and the slug key, so delivery by either costs one GetItem.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from promptbank.store.base import TableStore, TransactOp, serialize
from promptbank.store.filters import listing_filter, search_text

META = "META"
SLUG = "SLUG"
MAX_LABELS = 20


def prompt_pk(prompt_id: str) -> str:
    return f"PROMPT#{prompt_id}"


def slug_pk(owner_id: str, slug: str) -> str:
    return f"SLUG#{owner_id}#{slug}"


def version_sk(version: int) -> str:
    return f"V#{version:08d}"


def label_sk(label: str) -> str:
    return f"L#{label}"


def owner_index_pk(owner_id: str) -> str:
    return f"OWNER#{owner_id}"


def meta_item(meta: dict[str, Any]) -> dict[str, Any]:
    """A prompt's META item from its fields: keys, and the owner's index sorted by `updated_at`."""
    return {
        **meta,
        "pk": prompt_pk(meta["id"]),
        "sk": META,
        "kind": "prompt",
        "search_text": search_text(meta["name"], meta.get("description")),
        "gsi1pk": owner_index_pk(meta["owner_id"]),
        "gsi1sk": f"{meta['updated_at']}#{meta['id']}",
    }


def version_item(prompt_id: str, number: int, fields: dict[str, Any], **shown: Any) -> dict[str, Any]:
    """Version `number`'s item: its versioned `fields` and what else it shows (author, message, etag, time)."""
    return {
        "pk": prompt_pk(prompt_id),
        "sk": version_sk(number),
        "kind": "version",
        "prompt_id": prompt_id,
        "version": number,
        **fields,
        **shown,
    }


def label_document(meta: dict[str, Any], version: dict[str, Any], label: str, pk: str) -> dict[str, Any]:
    """What compiled delivery reads in one GetItem: the version's fields and the metadata it shows."""
    return {
        "pk": pk,
        "sk": label_sk(label),
        "kind": "label",
        "label": label,
        "prompt_id": meta["id"],
        "owner_id": meta["owner_id"],
        "slug": meta["slug"],
        "name": meta["name"],
        "is_public": meta["is_public"],
        "version": version["version"],
        "content": version["content"],
        "system_prompt": version.get("system_prompt"),
        "variables": version.get("variables") or {},
        "model_config": version.get("model_config") or {},
        "etag": version["etag"],
    }


class PromptStore(TableStore):
    def get_meta(self, prompt_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.get(prompt_pk(prompt_id), META, consistent=consistent)

    def slug_target(self, owner_id: str, slug: str, *, consistent: bool = False) -> str | None:
        claim = self.get(slug_pk(owner_id, slug), SLUG, consistent=consistent)
        return claim["prompt_id"] if claim else None

    def get_version(self, prompt_id: str, version: int, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.get(prompt_pk(prompt_id), version_sk(version), consistent=consistent)

    def label_by_id(self, prompt_id: str, label: str) -> dict[str, Any] | None:
        return self.get(prompt_pk(prompt_id), label_sk(label))

    def label_by_slug(self, owner_id: str, slug: str, label: str) -> dict[str, Any] | None:
        return self.get(slug_pk(owner_id, slug), label_sk(label))

    def versions_page(
        self, prompt_id: str, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self.query_page(
            "pk = :pk AND begins_with(sk, :v)",
            {":pk": prompt_pk(prompt_id), ":v": "V#"},
            forward=False,
            limit=limit,
            start_key=start_key,
        )

    def owner_prompts(
        self,
        owner_id: str,
        limit: int,
        start_key: dict[str, Any] | None,
        *,
        category: str | None = None,
        tag: str | None = None,
        q: str | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Up to `limit` of the owner's prompts (META items), most recently updated first, that pass the filter,
        and the key to resume after the last of them (None when no prompt that passes follows).

        The filter is applied in DynamoDB; a filtered listing reads index pages of at least 25 until `limit`
        items passed, so a selective filter costs a few requests rather than one per match.
        """
        where = listing_filter(category=category, tag=tag, q=q)
        return self.query_page(
            "gsi1pk = :owner",
            {":owner": owner_index_pk(owner_id), **where.values},
            index="gsi1",
            forward=False,
            limit=limit,
            min_read=25,
            start_key=start_key,
            filter_expression=where.expression,
            names=where.names or None,
        )

    def partition_keys(self, prompt_id: str) -> list[tuple[str, str]]:
        items = self.query_all("pk = :pk", {":pk": prompt_pk(prompt_id)}, consistent=True)
        return [(item["pk"], item["sk"]) for item in items]

    def delete_many(self, keys: list[tuple[str, str]]) -> None:
        """Best-effort batch delete of items already unreachable (versions of a deleted prompt)."""
        for start in range(0, len(keys), 25):
            requests = [
                {"DeleteRequest": {"Key": serialize({"pk": pk, "sk": sk})}} for pk, sk in keys[start : start + 25]
            ]
            pending: dict[str, Any] = {self.table_name: requests}
            for _ in range(5):
                response = self.client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break

    @staticmethod
    def meta_guard(meta: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Every write to a prompt is conditioned on the revision it read, so concurrent writes serialise."""
        return "meta_rev = :rev", {":rev": meta["meta_rev"]}

    # transaction operations --------------------------------------------------------------------------------
    @staticmethod
    def put_new(item: dict[str, Any]) -> TransactOp:
        """Put an item that must not exist yet (a new prompt's META, a new version)."""
        return TransactOp.put(item, "attribute_not_exists(pk)")

    def put_meta(self, new: dict[str, Any], read: dict[str, Any]) -> TransactOp:
        """Replace the META item, if it is still at the revision `read` had."""
        guard, values = self.meta_guard(read)
        return TransactOp.put(new, guard, values=values)

    def delete_meta(self, read: dict[str, Any]) -> TransactOp:
        guard, values = self.meta_guard(read)
        return TransactOp.delete(prompt_pk(read["id"]), META, guard, values=values)

    @staticmethod
    def claim_slug(owner_id: str, slug: str, prompt_id: str) -> TransactOp:
        """The owner's slug claim; the transaction fails on this operation when another prompt holds it."""
        return TransactOp.put({"pk": slug_pk(owner_id, slug), "sk": SLUG, "prompt_id": prompt_id}, "attribute_not_exists(pk)")

    @staticmethod
    def release_slug(owner_id: str, slug: str) -> TransactOp:
        return TransactOp.delete(slug_pk(owner_id, slug), SLUG)

    @staticmethod
    def label_puts(meta: dict[str, Any], version: dict[str, Any], labels: Iterable[str]) -> list[TransactOp]:
        """Each label's document, under the prompt id and under the slug (delivery by either is one GetItem)."""
        ops = []
        for label in labels:
            ops.append(TransactOp.put(label_document(meta, version, label, prompt_pk(meta["id"]))))
            ops.append(TransactOp.put(label_document(meta, version, label, slug_pk(meta["owner_id"], meta["slug"]))))
        return ops

    @staticmethod
    def label_deletes(meta: dict[str, Any], labels: Iterable[str], *, by_id: bool = True) -> list[TransactOp]:
        """Remove label documents: under the slug, and under the id unless `by_id` is false (a rename)."""
        ops = []
        for label in labels:
            if by_id:
                ops.append(TransactOp.delete(prompt_pk(meta["id"]), label_sk(label)))
            ops.append(TransactOp.delete(slug_pk(meta["owner_id"], meta["slug"]), label_sk(label)))
        return ops

    def companions(self, prompt_id: str) -> list[TransactOp]:
        """Deletes of the items outside the prompt's partition that die with it (share tokens), as its share
        records declare them."""
        items = self.query_all(
            "pk = :pk AND begins_with(sk, :share)", {":pk": prompt_pk(prompt_id), ":share": "SHARE#"}, consistent=True
        )
        return [TransactOp.delete(item["token_pk"], item["token_sk"]) for item in items if item.get("token_pk")]

    def leftovers(self, prompt_id: str) -> list[tuple[str, str]]:
        """Keys of the prompt's items that its delete transaction leaves (versions, shares): unreachable once
        META and the label documents are gone, so they are removed after it."""
        return [(pk, sk) for pk, sk in self.partition_keys(prompt_id) if sk != META and not sk.startswith("L#")]
