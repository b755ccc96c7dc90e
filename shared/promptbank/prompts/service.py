"""Prompt CRUD, versions and labels. Every write is one transaction conditioned on the revision it read."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from promptbank.auth.principal import Principal
from promptbank.clock import iso, now
from promptbank.cursor import decode_cursor, encode_cursor
from promptbank.discovery.index import public_state
from promptbank.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from promptbank.outputs import Page
from promptbank.prompts.models import (
    UUID_RE,
    LabelSet,
    Prompt,
    PromptCreate,
    PromptSummary,
    PromptUpdate,
    Publish,
    Version,
    VersionSummary,
)
from promptbank.store.base import TransactionConflict, TransactOp, dedupe
from promptbank.store.catalogue import public_index_ops
from promptbank.store.prompts import MAX_LABELS, PromptStore, meta_item, version_item
from promptbank.templates import (
    IncludeRef,
    Template,
    check_compiled_size,
    check_include_cycles,
    parse,
    parse_cached,
    variable_specs,
)

VERSIONED = ("content", "system_prompt", "variables", "model_config")
META_FIELDS = ("name", "description", "category", "tags", "framework", "is_public")
WRITE_ATTEMPTS = 12
# The one label anyone but a prompt's owner may read (a public prompt's published version).
PUBLISHED = "production"

T = TypeVar("T")


class _Retry(Exception):
    """A concurrent write moved the prompt's revision: read again and recompute."""


class SlugTaken(Conflict):
    """The slug claim exists: another prompt of this owner has the slug."""


def version_etag(prompt_id: str, version: int, fields: dict[str, Any]) -> str:
    material = json.dumps(
        {"id": prompt_id, "v": version, **{k: fields.get(k) for k in VERSIONED}}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def normalise_etag(value: str | None) -> str | None:
    """Accept `abc`, `"abc"` and `W/"abc"` alike (the header carries the quoted form): one entity tag."""
    if value is None:
        return None
    value = value.strip()
    value = value.removeprefix("W/")
    return value.strip('"')


#: One member of an entity-tag list: up to the next comma that is outside quotes (an entity tag may hold one).
_ETAG_LIST_MEMBER = re.compile(r'(?:[^,"]|"[^"]*"?)+')


def etag_matches(header: str, etag: str) -> bool:
    """Whether an `If-Match` or `If-None-Match` value holds the current `etag` (RFC 9110 §13.1.1-2): `*` matches
    any current version; otherwise the value is a comma-separated list of entity tags and matches when one of
    them is `etag`, in any form `normalise_etag` accepts (`W/` included: a proxy may weaken the tags it passes)."""
    if header.strip() == "*":
        return True
    return any(normalise_etag(member) == etag for member in _ETAG_LIST_MEMBER.findall(header))


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:90].strip("-")
    return slug or "prompt"


def variables_list(fields: dict[str, Any]) -> list[dict[str, Any]]:
    parts = [parse_cached(fields["content"])]
    if fields.get("system_prompt"):
        parts.append(parse_cached(fields["system_prompt"]))
    return [spec.to_dict() for spec in variable_specs(parts, fields.get("variables") or {})]


def _view(meta: dict[str, Any], versioned: dict[str, Any], number: int, etag: str | None) -> dict[str, Any]:
    """The fields of `Prompt` and `PromptSummary` in API.md's order, with the versioned fields given by the caller."""
    labels = dict(sorted(meta["labels"].items()))
    return {
        "id": meta["id"],
        "slug": meta["slug"],
        "name": meta["name"],
        "description": meta.get("description"),
        "category": meta["category"],
        "tags": meta.get("tags") or [],
        "framework": meta.get("framework"),
        "is_public": meta["is_public"],
        "owner_id": meta["owner_id"],
        **versioned,
        "version": number,
        "latest_version": meta["latest_version"],
        "labels": labels,
        "published_version": labels.get("production"),
        "etag": etag,
        "created_at": meta["created_at"],
        "updated_at": meta["updated_at"],
    }


def prompt_view(meta: dict[str, Any], version: dict[str, Any]) -> Prompt:
    versioned = {
        "content": version["content"],
        "system_prompt": version.get("system_prompt"),
        "variables": variables_list(version),
        "model_config": version.get("model_config") or {},
    }
    return Prompt.model_validate(_view(meta, versioned, version["version"], version["etag"]))


def visible_meta(meta: dict[str, Any] | None, user_id: str) -> dict[str, Any] | None:
    """The prompt as `user_id` may read it, or None when hidden (a missing prompt looks the same).

    Its owner sees all of it. Anyone else sees a public prompt's `production` version and nothing of its
    drafts: `labels` holds only `production`, and `latest_version` is the production version's number
    (it is the newest version they can read). A public prompt with no production version is hidden.
    """
    if meta is None:
        return None
    if meta["owner_id"] == user_id:
        return meta
    production = meta["labels"].get(PUBLISHED)
    if not meta["is_public"] or production is None:
        return None
    shown = {k: v for k, v in meta.items() if k not in ("latest_etag", "latest_model_config")}
    return {**shown, "labels": {PUBLISHED: production}, "latest_version": production}


def readable_label(principal: Principal, owner_id: str, label: str | None) -> str:
    """The label a read resolves to: the credential's default for the owner, `production` for anyone else."""
    if label is not None:
        return label
    return principal.default_label if owner_id == principal.user_id else PUBLISHED


def summary_view(meta: dict[str, Any]) -> PromptSummary:
    """PromptSummary: the metadata, and the latest version's number, settings and etag (kept on the META item)."""
    versioned = {"model_config": meta.get("latest_model_config") or {}}
    return PromptSummary.model_validate(_view(meta, versioned, meta["latest_version"], meta.get("latest_etag")))


def _version_fields(version: dict[str, Any], labels: dict[str, int]) -> dict[str, Any]:
    """The fields of `Version` in API.md's order; `labels` names the labels that point at this version."""
    return {
        "prompt_id": version["prompt_id"],
        "version": version["version"],
        "content": version["content"],
        "system_prompt": version.get("system_prompt"),
        "variables": variables_list(version),
        "model_config": version.get("model_config") or {},
        "commit_message": version.get("commit_message"),
        "author_id": version["author_id"],
        "labels": sorted(name for name, n in labels.items() if n == version["version"]),
        "etag": version["etag"],
        "created_at": version["created_at"],
    }


def version_view(version: dict[str, Any], labels: dict[str, int]) -> Version:
    return Version.model_validate(_version_fields(version, labels))


def version_summary_view(version: dict[str, Any], labels: dict[str, int]) -> VersionSummary:
    """A list entry: `Version` without `content` and `system_prompt`."""
    fields = _version_fields(version, labels)
    del fields["content"], fields["system_prompt"]
    return VersionSummary.model_validate(fields)


class PromptService:
    def __init__(self, store: PromptStore | None = None, clock: Callable[[], datetime] = now) -> None:
        self.store = store or PromptStore()
        self.clock = clock

    # access -----------------------------------------------------------------------------------------------
    def meta_for(self, principal: Principal, ref: str, *, write: bool = False, consistent: bool = False) -> dict:
        """The prompt `ref` names for this caller: own by id or slug; another user's by id, only if public and
        published, and then only its production version (`visible_meta`)."""
        if UUID_RE.fullmatch(ref):
            found = self.store.get_meta(ref, consistent=consistent)
        else:
            target = self.store.slug_target(principal.user_id, ref, consistent=consistent)
            found = self.store.get_meta(target, consistent=consistent) if target else None
        meta = visible_meta(found, principal.user_id)
        if meta is None:
            raise NotFound("Prompt not found")
        if write:
            principal.require_write()
            if meta["owner_id"] != principal.user_id:
                raise Forbidden("You cannot change another user's prompt")
        return meta

    def version_of(self, meta: dict[str, Any], version: int, *, consistent: bool = False) -> dict[str, Any]:
        item = self.store.get_version(meta["id"], version, consistent=consistent)
        if item is None:
            raise NotFound(f"Version {version} not found")
        return item

    # validation -------------------------------------------------------------------------------------------
    def _validate_templates(
        self, owner_id: str, slug: str, fields: dict[str, Any], *, gone: str | None = None
    ) -> None:
        """Syntax, conflicting variable types, includes (missing targets, cycles, depth) and the compiled size's
        worst case (MAX_COMPILED_CHARS), on save. `gone` is a slug this write frees (a rename's old slug): an
        include of it will not resolve once the write is done."""
        parts = [parse(fields["content"], field="content")]
        if fields.get("system_prompt"):
            parts.append(parse(fields["system_prompt"], field="system_prompt"))
        variable_specs(parts, fields.get("variables") or {})
        resolve = self._include_resolver(owner_id, gone)
        check_compiled_size(parts, resolve, self_slug=slug, defaults=fields.get("variables") or {})

    def _check_rename(self, owner_id: str, new_slug: str, old_slug: str, fields: dict[str, Any]) -> None:
        """A slug change with the same templates: includes of `new_slug` elsewhere now resolve to this prompt, so
        any cycle it closes runs through this prompt's own includes. Only the cycle is refused (a missing target
        it already had is not the rename's doing)."""
        parts = [parse_cached(fields["content"], "content")]
        if fields.get("system_prompt"):
            parts.append(parse_cached(fields["system_prompt"], "system_prompt"))
        check_include_cycles(parts, self._include_resolver(owner_id, old_slug), self_slug=new_slug)

    def _include_resolver(self, owner_id: str, gone: str | None) -> Callable[[IncludeRef], Template | None]:
        def resolve(ref: IncludeRef) -> Template | None:
            if ref.slug == gone:
                return None
            document = self._include_document(owner_id, ref, default_label="latest")
            return parse_cached(document["content"]) if document else None

        return resolve

    def _include_document(self, owner_id: str, ref: IncludeRef, default_label: str) -> dict[str, Any] | None:
        if ref.version is not None:
            target = self.store.slug_target(owner_id, ref.slug)
            return self.store.get_version(target, ref.version) if target else None
        return self.store.label_by_slug(owner_id, ref.slug, ref.label or default_label)

    # create -----------------------------------------------------------------------------------------------
    def create(self, principal: Principal, data: PromptCreate) -> Prompt:
        principal.require_write()
        fields = {
            "content": data.content,
            "system_prompt": data.system_prompt or None,
            "variables": data.variables,
            "model_config": data.model_settings.stored() if data.model_settings else {},
        }
        candidates = [data.slug] if data.slug else self._slug_candidates(data.name)
        for index, slug in enumerate(candidates):
            self._validate_templates(principal.user_id, slug, fields)
            try:
                return self._create_with_slug(principal, data, fields, slug)
            except SlugTaken:
                if data.slug or index == len(candidates) - 1:
                    raise Conflict(f"Slug '{slug}' is already used by another of your prompts") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _slug_candidates(name: str) -> list[str]:
        base = slugify(name)
        return [base] + [f"{base}-{n}" for n in range(2, 6)] + [f"{base}-{uuid.uuid4().hex[:8]}"]

    def _create_with_slug(
        self, principal: Principal, data: PromptCreate, fields: dict[str, Any], slug: str
    ) -> Prompt:
        moment = iso(self.clock())
        prompt_id = str(uuid.uuid4())
        version = version_item(
            prompt_id,
            1,
            fields,
            commit_message=data.commit_message,
            author_id=principal.user_id,
            etag=version_etag(prompt_id, 1, fields),
            created_at=moment,
        )
        labels = {"latest": 1, **({"production": 1} if data.publish else {})}
        meta = meta_item({
            "id": prompt_id,
            "owner_id": principal.user_id,
            "slug": slug,
            "name": data.name,
            "description": data.description,
            "category": data.category,
            "tags": data.tags,
            "framework": data.framework,
            "is_public": data.is_public,
            "latest_version": 1,
            "latest_etag": version["etag"],
            "latest_model_config": fields["model_config"],
            "labels": labels,
            "meta_rev": 1,
            "created_at": moment,
            "updated_at": moment,
        })
        ops = [
            self.store.claim_slug(principal.user_id, slug, prompt_id),
            self.store.put_new(meta),
            self.store.put_new(version),
        ]
        ops += self.store.label_puts(meta, version, labels.keys())
        ops += public_index_ops(None, public_state(meta, version if data.publish else None))
        # A public prompt's index counts are shared with every other listing: a concurrent one is retried here,
        # not mistaken (by create's `except Conflict`) for a taken slug.
        for tries in range(WRITE_ATTEMPTS):
            try:
                self.store.transact(ops, on_conflict=lambda index: SlugTaken() if index == 0 else Conflict())
                return prompt_view(meta, version)
            except TransactionConflict:
                time.sleep(random.uniform(0, 0.02 * (2 ** min(tries, 5))))
            except SlugTaken:
                # An SDK retry of a transaction that had in fact committed finds its own claim: that is success.
                if self.store.slug_target(principal.user_id, slug, consistent=True) == prompt_id:
                    return prompt_view(meta, version)
                raise
        raise Conflict("The prompt is being changed concurrently; try again")

    # update -----------------------------------------------------------------------------------------------
    def update(self, principal: Principal, ref: str, data: PromptUpdate, if_match: str | None) -> Prompt:
        return self._retrying(lambda: self._update_once(principal, ref, data, if_match))

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for tries in range(WRITE_ATTEMPTS):
            try:
                return attempt()
            except _Retry:
                time.sleep(random.uniform(0, 0.02 * (2 ** min(tries, 5))))
        raise Conflict("The prompt is being changed concurrently; try again")

    def _update_once(
        self, principal: Principal, ref: str, data: PromptUpdate, if_match: str | None
    ) -> Prompt:
        meta = self.meta_for(principal, ref, write=True, consistent=True)
        latest = self.version_of(meta, meta["latest_version"], consistent=True)
        if if_match is not None and not etag_matches(if_match, latest["etag"]):
            raise PreconditionFailed("If-Match does not match the current version's ETag")
        sent = data.model_dump(exclude_unset=True, by_alias=True)
        if "model_config" in sent:
            sent["model_config"] = data.model_settings.stored() if data.model_settings else {}
        fields = {key: latest.get(key) for key in VERSIONED}
        fields["variables"] = fields["variables"] or {}
        fields["model_config"] = fields["model_config"] or {}
        for key in VERSIONED:
            if key in sent:
                fields[key] = sent[key] if sent[key] is not None or key != "system_prompt" else None
        if fields.get("system_prompt") == "":
            fields["system_prompt"] = None
        new_version = any(fields[key] != (latest.get(key) or ({} if key in ("variables", "model_config") else None)) for key in VERSIONED)

        new_meta = dict(meta)
        for key in META_FIELDS:
            if key in sent:
                new_meta[key] = sent[key]
        new_slug = sent.get("slug", meta["slug"])
        new_meta["slug"] = new_slug
        moment = iso(self.clock())
        new_meta["updated_at"] = moment
        new_meta["meta_rev"] = meta["meta_rev"] + 1
        labels = dict(meta["labels"])

        version = latest
        renamed = new_slug != meta["slug"]
        if new_version:
            self._validate_templates(meta["owner_id"], new_slug, fields, gone=meta["slug"] if renamed else None)
            number = meta["latest_version"] + 1
            version = version_item(
                meta["id"],
                number,
                fields,
                commit_message=sent.get("commit_message"),
                author_id=principal.user_id,
                etag=version_etag(meta["id"], number, fields),
                created_at=moment,
            )
            labels["latest"] = number
            if data.publish:
                labels["production"] = number
        elif "publish" in sent and data.publish:
            labels["production"] = meta["latest_version"]
        elif renamed and not self._slug_free(meta["owner_id"], new_slug):
            raise Conflict(f"Slug '{new_slug}' is already used by another of your prompts")
        if renamed and not new_version:
            self._check_rename(meta["owner_id"], new_slug, meta["slug"], fields)
        new_meta["labels"] = labels
        new_meta["latest_version"] = version["version"]
        new_meta["latest_etag"] = version["etag"]
        new_meta["latest_model_config"] = version.get("model_config") or {}

        new_meta = meta_item(new_meta)
        ops: list[TransactOp] = [self.store.put_meta(new_meta, meta)]
        if new_version:
            ops.append(self.store.put_new(version))
        ops += self._relabel_ops(meta, new_meta, labels, {version["version"]: version})
        slug_index = None
        if new_slug != meta["slug"]:
            slug_index = len(ops)
            ops.append(self.store.claim_slug(meta["owner_id"], new_slug, meta["id"]))
            ops.append(self.store.release_slug(meta["owner_id"], meta["slug"]))
        self._transact(ops, slug_index, new_slug)
        return prompt_view(new_meta, version)

    def _slug_free(self, owner_id: str, slug: str) -> bool:
        return self.store.slug_target(owner_id, slug, consistent=True) is None

    def _relabel_ops(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        labels: dict[str, int],
        known: dict[int, dict[str, Any]] | None = None,
    ) -> list[TransactOp]:
        """Rewrite the label documents whose version or shown metadata changed; drop removed ones.

        `known` holds versions this transaction itself writes (not readable yet) or has just read.
        """
        shown_changed = any(old.get(k) != new.get(k) for k in ("name", "is_public", "slug"))
        ops: list[TransactOp] = []
        versions: dict[int, dict[str, Any]] = dict(known or {})
        for label, number in labels.items():
            if not shown_changed and old["labels"].get(label) == number:
                continue
            if number not in versions:
                versions[number] = self.version_of(new, number, consistent=True)
            ops += self.store.label_puts(new, versions[number], [label])
        ops += self.store.label_deletes(old, [label for label in old["labels"] if label not in labels])
        if old["slug"] != new["slug"]:
            ops += self.store.label_deletes(old, old["labels"], by_id=False)
        ops += public_index_ops(
            public_state(old, self._production(old, versions)), public_state(new, self._production(new, versions))
        )
        return dedupe(ops)

    def _production(self, meta: dict[str, Any], versions: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
        """The version `production` points at (read once per write, only for public prompts)."""
        number = meta["labels"].get("production")
        if number is None or not meta.get("is_public"):
            return None
        if number not in versions:
            versions[number] = self.version_of(meta, number, consistent=True)
        return versions[number]

    def _transact(self, ops: list[TransactOp], slug_index: int | None, slug: str) -> None:
        def conflict(index: int) -> Exception:
            if slug_index is not None and index == slug_index:
                return Conflict(f"Slug '{slug}' is already used by another of your prompts")
            return _Retry()

        try:
            self.store.transact(ops, on_conflict=conflict)  # type: ignore[arg-type]
        except TransactionConflict:
            raise _Retry() from None

    # labels -----------------------------------------------------------------------------------------------
    def set_label(self, principal: Principal, ref: str, label: str, data: LabelSet) -> Prompt:
        if label == "latest":
            raise ValidationFailed.field("label", "'latest' always points at the newest version and cannot be set")
        return self._retrying(lambda: self._move_label(principal, ref, label, data.version))

    def publish(self, principal: Principal, ref: str, data: Publish) -> Prompt:
        return self._retrying(lambda: self._move_label(principal, ref, "production", data.version))

    def _move_label(self, principal: Principal, ref: str, label: str, number: int | None) -> Prompt:
        meta = self.meta_for(principal, ref, write=True, consistent=True)
        number = number or meta["latest_version"]
        version = self.store.get_version(meta["id"], number, consistent=True)
        if version is None:
            raise NotFound(f"Version {number} not found")
        labels = dict(meta["labels"])
        if label not in labels and len(labels) >= MAX_LABELS:
            raise ValidationFailed.field("label", f"A prompt has at most {MAX_LABELS} labels")
        labels[label] = number
        new_meta = {**meta, "labels": labels, "meta_rev": meta["meta_rev"] + 1, "updated_at": iso(self.clock())}
        ops = [self.store.put_meta(new_meta, meta), *self._relabel_ops(meta, new_meta, labels, {number: version})]
        self._transact(ops, None, meta["slug"])
        latest = self.version_of(new_meta, new_meta["latest_version"])
        return prompt_view(new_meta, latest)

    def delete_label(self, principal: Principal, ref: str, label: str) -> None:
        if label == "latest":
            raise ValidationFailed.field("label", "'latest' cannot be removed")

        def attempt() -> dict[str, Any]:
            meta = self.meta_for(principal, ref, write=True, consistent=True)
            if label not in meta["labels"]:
                raise NotFound(f"Label '{label}' not found")
            labels = {k: v for k, v in meta["labels"].items() if k != label}
            new_meta = {**meta, "labels": labels, "meta_rev": meta["meta_rev"] + 1, "updated_at": iso(self.clock())}
            ops = [self.store.put_meta(new_meta, meta), *self._relabel_ops(meta, new_meta, labels)]
            self._transact(ops, None, meta["slug"])
            return new_meta

        self._retrying(attempt)

    # reads ------------------------------------------------------------------------------------------------
    def get(self, principal: Principal, ref: str, version: int | None, label: str | None) -> Prompt:
        meta = self.meta_for(principal, ref)
        if version is not None:
            return prompt_view(meta, self._readable_version(principal, meta, version))
        wanted = readable_label(principal, meta["owner_id"], label)
        number = meta["labels"].get(wanted)
        if number is None:
            raise NotFound(f"Prompt has no version labelled '{wanted}'")
        return prompt_view(meta, self.version_of(meta, number))

    def get_version(self, principal: Principal, ref: str, number: int) -> Version:
        meta = self.meta_for(principal, ref)
        return version_view(self._readable_version(principal, meta, number), meta["labels"])

    def _readable_version(self, principal: Principal, meta: dict[str, Any], number: int) -> dict[str, Any]:
        """Version `number`; for anyone but the owner only the production one, other numbers as if missing."""
        if meta["owner_id"] != principal.user_id and number != meta["labels"][PUBLISHED]:
            raise NotFound(f"Version {number} not found")
        return self.version_of(meta, number)

    def list_versions(self, principal: Principal, ref: str, limit: int, cursor: str | None) -> Page[VersionSummary]:
        meta = self.meta_for(principal, ref)
        scope = f"versions:{meta['id']}"
        start = decode_cursor(cursor, scope)
        if meta["owner_id"] != principal.user_id:
            # Anyone else's list is the production version alone: one read, always on the first page.
            shown, last = ([] if start else [self.version_of(meta, meta["labels"][PUBLISHED])]), None
        else:
            shown, last = self.store.versions_page(meta["id"], limit, start)
        return Page[VersionSummary](
            data=[version_summary_view(item, meta["labels"]) for item in shown], next_cursor=encode_cursor(last, scope)
        )

    def list_prompts(
        self,
        principal: Principal,
        *,
        category: str | None,
        tag: str | None,
        q: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[PromptSummary]:
        """Most recently updated first; filters applied in DynamoDB, pages filled up to `limit`."""
        scope = f"prompts:{principal.user_id}"
        start = decode_cursor(cursor, scope)
        found, last = self.store.owner_prompts(principal.user_id, limit, start, category=category, tag=tag, q=q)
        return Page[PromptSummary](data=[summary_view(i) for i in found], next_cursor=encode_cursor(last, scope))

    # delete -----------------------------------------------------------------------------------------------
    def delete(self, principal: Principal, ref: str) -> None:
        """Unreachable at once (META, slug claim and every label document in one transaction); versions after."""

        def attempt() -> dict[str, Any]:
            meta = self.meta_for(principal, ref, write=True, consistent=True)
            rest = self.store.leftovers(meta["id"])
            ops = [self.store.delete_meta(meta), self.store.release_slug(meta["owner_id"], meta["slug"])]
            ops += self.store.label_deletes(meta, meta["labels"])
            ops += self.store.companions(meta["id"])
            ops += public_index_ops(public_state(meta, self._production(meta, {})), None)
            self._transact(dedupe(ops), None, meta["slug"])
            self.store.delete_many(rest)
            return meta

        self._retrying(attempt)
