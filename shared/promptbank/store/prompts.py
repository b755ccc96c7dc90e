"""Prompts on the single table: metadata, immutable versions, slug claims and denormalised label documents.

Keys (docs/data-model.md): `PROMPT#<id>`/`META`, `PROMPT#<id>`/`V#<n:08d>`, `PROMPT#<id>`/`L#<label>`,
`SLUG#<owner>#<slug>`/`SLUG`, `SLUG#<owner>#<slug>`/`L#<label>`. A label document carries everything compiled
delivery needs, under both the id and the slug key, so delivery by either costs one GetItem.
"""

from __future__ import annotations

from typing import Any

from promptbank.store.base import TableStore

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
        return self.query(
            "pk = :pk AND begins_with(sk, :v)",
            {":pk": prompt_pk(prompt_id), ":v": "V#"},
            forward=False,
            limit=limit,
            start_key=start_key,
        )

    def owner_page(
        self,
        owner_id: str,
        limit: int,
        start_key: dict[str, Any] | None,
        filter_expression: str | None,
        names: dict[str, str] | None,
        values: dict[str, Any],
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self.query(
            "gsi1pk = :owner",
            {":owner": owner_index_pk(owner_id), **values},
            index="gsi1",
            forward=False,
            limit=limit,
            start_key=start_key,
            filter_expression=filter_expression,
            names=names,
        )

    def partition_keys(self, prompt_id: str) -> list[tuple[str, str]]:
        items = self.query_all("pk = :pk", {":pk": prompt_pk(prompt_id)}, consistent=True)
        return [(item["pk"], item["sk"]) for item in items]

    def delete_many(self, keys: list[tuple[str, str]]) -> None:
        """Best-effort batch delete of items already unreachable (versions of a deleted prompt)."""
        from promptbank.store.base import serialize

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
