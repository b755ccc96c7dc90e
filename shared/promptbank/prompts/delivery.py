"""Compiled delivery: resolve (ref, version | label) to one version document and compile it (the frozen `Compiled`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.errors import NotFound, ValidationFailed
from promptbank.jsontext import loads
from promptbank.prompts.models import UUID_RE
from promptbank.prompts.service import PUBLISHED, variables_list, visible_meta
from promptbank.store.prompts import PromptStore
from promptbank.templates import Compiled, IncludeRef, Template, compile_parts, parse_cached

DEFAULT_ENCODING = "o200k_base"


def parse_variables_json(raw: str | None, field: str = "variables") -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    value = loads(raw, field)
    if not isinstance(value, dict):
        raise ValidationFailed.field(field, "Must be a JSON object")
    return value


def parse_variables_base64(raw: str | None, field: str = "variables") -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    try:
        padded = raw + "=" * (-len(raw) % 4)
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed.field(field, "Must be base64 of a JSON object") from None
    return parse_variables_json(decoded, field)


def count(text: str, model: str | None) -> tuple[int, str]:
    """Tokens of the compiled text for the prompt's model, o200k_base when no model is set."""
    from promptbank.tokens import count_exact_openai, count_tokens

    if not model:
        return count_exact_openai(text, DEFAULT_ENCODING), DEFAULT_ENCODING
    try:
        result = count_tokens(text, model)
    except ValidationFailed:
        # A model id we cannot route (a prompt's free-form setting) still gets a count: the default encoding's.
        return count_exact_openai(text, DEFAULT_ENCODING), DEFAULT_ENCODING
    return result.token_count, result.tokenizer


class DeliveryService:
    def __init__(self, store: PromptStore | None = None) -> None:
        self.store = store or PromptStore()

    def document(
        self, principal: Principal, ref: str, version: int | None, label: str | None
    ) -> tuple[dict[str, Any], str | None]:
        """One GetItem for a label (the denormalised document); metadata and version for an explicit version.

        Anyone but the owner reads only a public prompt's `production` version (`visible_meta`); the label
        returned is the one includes resolve at, so theirs resolve at `production` too, never at a draft.
        """
        if version is not None:
            return self._version_document(principal, ref, version)
        wanted = label or principal.default_label
        doc = self._label_document(principal, ref, wanted)
        if label is None and wanted != PUBLISHED and doc and doc["owner_id"] != principal.user_id and doc["is_public"]:
            # Another user's prompt defaults to `production` whatever the credential's default: a second GetItem
            # only here (the owner's reads, and anyone's by `production`, stay one).
            wanted = PUBLISHED
            doc = self._label_document(principal, ref, wanted)
        if doc is None or (doc["owner_id"] != principal.user_id and (not doc["is_public"] or wanted != PUBLISHED)):
            raise NotFound(f"Prompt not found, or it has no version labelled '{wanted}'")
        return doc, wanted

    def _label_document(self, principal: Principal, ref: str, label: str) -> dict[str, Any] | None:
        if UUID_RE.fullmatch(ref):
            return self.store.label_by_id(ref, label)
        return self.store.label_by_slug(principal.user_id, ref, label)

    def _version_document(self, principal: Principal, ref: str, version: int) -> tuple[dict[str, Any], str | None]:
        if UUID_RE.fullmatch(ref):
            prompt_id: str | None = ref
        else:
            prompt_id = self.store.slug_target(principal.user_id, ref)
        meta = visible_meta(self.store.get_meta(prompt_id) if prompt_id else None, principal.user_id)
        if meta is None:
            raise NotFound("Prompt not found")
        owner = meta["owner_id"] == principal.user_id
        # Another user's explicit version is readable only when it is the production one (else as if missing).
        item = self.store.get_version(meta["id"], version) if owner or version == meta["labels"][PUBLISHED] else None
        if item is None:
            raise NotFound(f"Version {version} not found")
        document = {
            **item,
            "prompt_id": meta["id"],
            "owner_id": meta["owner_id"],
            "slug": meta["slug"],
            "name": meta["name"],
            "is_public": meta["is_public"],
        }
        return document, None if owner else PUBLISHED

    def render(
        self, doc: dict[str, Any], label: str | None, variables: dict[str, Any], *, strict: bool = False
    ) -> Compiled:
        """Render content and system prompt with the same values; includes at the same label (or latest).

        Includes are checked again (a target may have changed since the save), and a compile longer than
        MAX_COMPILED_CHARS is a 400 before any text is built (an included prompt may have grown).
        """
        include_label = label or "latest"

        def resolve(ref: IncludeRef) -> Template | None:
            if ref.version is not None:
                target = self.store.slug_target(doc["owner_id"], ref.slug)
                found = self.store.get_version(target, ref.version) if target else None
            else:
                found = self.store.label_by_slug(doc["owner_id"], ref.slug, ref.label or include_label)
            return parse_cached(found["content"]) if found else None

        system = doc.get("system_prompt")
        parts = [parse_cached(doc["content"]), parse_cached(system, "system_prompt") if system else None]
        return compile_parts(
            parts,
            variables,
            defaults=doc.get("variables") or {},
            strict=strict,
            resolve_include=resolve,
            self_slug=doc.get("slug"),
        )

    def compile(
        self, doc: dict[str, Any], label: str | None, variables: dict[str, Any], *, strict: bool
    ) -> dict[str, Any]:
        outcome = self.render(doc, label, variables, strict=strict)
        compiled_prompt = outcome.text_by_part[0] or ""
        compiled_system = outcome.text_by_part[1]
        model_config = doc.get("model_config") or {}
        tokens, tokenizer = count((compiled_system or "") + compiled_prompt, model_config.get("model"))
        body = {
            "id": doc["prompt_id"],
            "slug": doc["slug"],
            "name": doc["name"],
            "version": doc["version"],
            "label": label,
            "compiled_prompt": compiled_prompt,
            "compiled_system_prompt": compiled_system,
            "model_config": model_config,
            "variables": variables_list(doc),
            "variables_used": outcome.variables_used,
            "missing_variables": outcome.missing_variables,
            "unused_variables": outcome.unused_variables,
            "tokens": tokens,
            "tokenizer": tokenizer,
        }
        material = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        body["etag"] = hashlib.sha256(material.encode()).hexdigest()[:32]
        return body


def markdown_file(doc: dict[str, Any], meta: dict[str, Any]) -> str:
    """The raw prompt file: YAML front matter that YAML 1.1 and 1.2 readers load back to these values, then the
    content exactly."""
    # Imported here: PyYAML takes tens of milliseconds to import, which the compiled route (this module too) need
    # not pay on a cold start.
    from promptbank.prompts.frontmatter import front_matter

    front = {
        "name": meta["name"],
        "slug": meta["slug"],
        "description": meta.get("description"),
        "category": meta.get("category"),
        "tags": meta.get("tags") or [],
        "framework": meta.get("framework"),
        "model_config": doc.get("model_config") or {},
        "system_prompt": doc.get("system_prompt"),
        "variables": doc.get("variables") or {},
        "version": doc["version"],
    }
    return front_matter(front) + doc["content"]
