"""Share links: create, list, change and revoke them (owners), resolve and compile through them (anyone).

A share shows its prompt at the `production` label, or at `latest` when the prompt has never been published,
as it is when the link is opened (not a snapshot). Resolving costs one DynamoDB request (store/shares.py).
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.clock import epoch, iso, now
from promptbank.errors import Conflict, Forbidden, Gone, NotFound
from promptbank.outputs import Page
from promptbank.prompts.models import UUID_RE, Variable
from promptbank.prompts.service import PromptService, variables_list
from promptbank.settings import get_settings
from promptbank.sharing.models import (
    OwnedShare,
    ResolvedShare,
    Share,
    ShareCreate,
    SharedPrompt,
    SharedPromptRef,
    ShareUpdate,
)
from promptbank.sharing.tokens import new_token, parse_token
from promptbank.store.shares import SHOWN_LABELS, ShareStore

MAX_SHARES_PER_PROMPT = 100
# Expired links answer 410 for this long, then the table's TTL removes them (and they answer 404).
EXPIRED_GRACE = timedelta(days=30)


@dataclass(frozen=True)
class Resolved:
    """A live share and what it shows: the prompt's metadata and the label document (delivery's input)."""

    share: dict[str, Any]
    meta: dict[str, Any]
    document: dict[str, Any]
    label: str


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def share_url(token: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/share/{token}"


def share_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The fields of API.md's `Share`, from a stored share record."""
    return {
        "id": record["id"],
        "token": record["token"],
        "share_url": share_url(record["token"]),
        "prompt_id": record["prompt_id"],
        "prefilled_variables": record.get("prefilled_variables") or {},
        "expires_at": record.get("expires_at"),
        "created_at": record["created_at"],
    }


def share_view(record: dict[str, Any]) -> Share:
    """API.md's `Share`."""
    return Share(**share_fields(record))


def resolved_view(resolved: Resolved) -> ResolvedShare:
    """The body of GET /v1/shares/{token}."""
    meta, doc = resolved.meta, resolved.document
    prompt = SharedPrompt(
        id=meta["id"],
        name=meta["name"],
        description=meta.get("description"),
        content=doc["content"],
        tags=meta.get("tags") or [],
        variables=[Variable(**v) for v in variables_list(doc)],
    )
    return ResolvedShare(
        prompt=prompt,
        prefilled_variables=resolved.share.get("prefilled_variables") or {},
        expires_at=resolved.share.get("expires_at"),
    )


class ShareService:
    def __init__(
        self,
        store: ShareStore | None = None,
        prompts: PromptService | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store or ShareStore()
        self.prompts = prompts or PromptService(clock=clock)
        self.clock = clock

    # owners -----------------------------------------------------------------------------------------------
    def create(self, principal: Principal, ref: str, data: ShareCreate) -> Share:
        meta = self.prompts.meta_for(principal, ref, write=True)
        if len(self.store.prompt_shares(meta["id"])) >= MAX_SHARES_PER_PROMPT:
            raise Conflict(f"A prompt has at most {MAX_SHARES_PER_PROMPT} share links; revoke one first")
        moment = self.clock()
        share_id = str(uuid.uuid4())
        created_at = iso(moment)
        record: dict[str, Any] = {
            "id": share_id,
            "prompt_id": meta["id"],
            "owner_id": meta["owner_id"],
            "token": new_token(meta["id"], share_id),
            "prefilled_variables": data.prefilled_variables,
            "created_at": created_at,
        }
        if data.expires_in_hours is not None:
            expires = moment + timedelta(hours=data.expires_in_hours)
            record["expires_at"] = iso(expires)
            record["ttl"] = epoch(expires + EXPIRED_GRACE)
        return share_view(self.store.put_share(record))

    def list_for_prompt(self, principal: Principal, ref: str) -> Page[Share]:
        """Active (unexpired) links of one of the caller's prompts, newest first."""
        meta = self._own_prompt(principal, ref)
        records = [r for r in self.store.prompt_shares(meta["id"]) if not self.is_expired(r)]
        records.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        return Page[Share](data=[share_view(r) for r in records], next_cursor=None)

    def update(self, principal: Principal, ref: str, share_id: str, data: ShareUpdate) -> Share:
        meta = self.prompts.meta_for(principal, ref, write=True)
        if not UUID_RE.fullmatch(share_id):
            raise NotFound("Share link not found")
        return share_view(self.store.replace_prefilled(meta["id"], share_id, data.prefilled_variables))

    def revoke(self, principal: Principal, ref: str, share_id: str) -> None:
        meta = self.prompts.meta_for(principal, ref, write=True)
        if not UUID_RE.fullmatch(share_id):
            raise NotFound("Share link not found")
        self.store.delete_share(meta["id"], share_id)

    def list_all(self, principal: Principal, prompt_id: str | None) -> Page[OwnedShare]:
        """All the caller's links (session only), expired ones flagged, with their prompt's id and name."""
        principal.require_session()
        records = self.store.owner_shares(principal.user_id)
        if prompt_id is not None:
            records = [r for r in records if r["prompt_id"] == prompt_id]
        metas = self.store.prompt_metas({r["prompt_id"] for r in records})
        data = []
        for record in records:
            meta = metas.get(record["prompt_id"])
            if meta is None:  # its prompt was just deleted; the record goes with the prompt's partition
                continue
            data.append(
                OwnedShare(
                    **share_fields(record),
                    is_expired=self.is_expired(record),
                    prompt=SharedPromptRef(id=meta["id"], name=meta["name"]),
                )
            )
        return Page[OwnedShare](data=data, next_cursor=None)

    def _own_prompt(self, principal: Principal, ref: str) -> dict[str, Any]:
        meta = self.prompts.meta_for(principal, ref)
        if meta["owner_id"] != principal.user_id:
            raise Forbidden("Only a prompt's owner can see its share links")
        return meta

    # anyone -----------------------------------------------------------------------------------------------
    def is_expired(self, record: dict[str, Any]) -> bool:
        expires_at = record.get("expires_at")
        return expires_at is not None and self.clock() >= parse_iso(expires_at)

    def resolve(self, raw_token: str) -> Resolved:
        """404 for a malformed, unknown or revoked token (or a deleted prompt), 410 for an expired one."""
        unknown = NotFound("Share link not found or revoked")
        token = parse_token(raw_token)
        if token is None:
            raise unknown
        found = self.store.resolve(token.prompt_id, token.share_id)
        share, meta = found["share"], found["meta"]
        if share is None or not hmac.compare_digest(share["token"].encode(), token.raw.encode()):
            raise unknown
        if meta is None:
            raise unknown
        if self.is_expired(share):
            raise Gone("This share link has expired")
        for label in SHOWN_LABELS:
            document = found[label]
            if document is not None:
                return Resolved(share=share, meta=meta, document=document, label=label)
        raise unknown

    def compile(self, raw_token: str, variables: dict[str, Any]) -> dict[str, Any]:
        """`Compiled` for the shared prompt: the given variables over the prefilled ones."""
        return self.compile_resolved(self.resolve(raw_token), variables)

    def compile_resolved(self, resolved: Resolved, variables: dict[str, Any]) -> dict[str, Any]:
        from promptbank.prompts.delivery import DeliveryService

        delivery = DeliveryService(self.prompts.store)
        values = {**(resolved.share.get("prefilled_variables") or {}), **variables}
        return delivery.compile(resolved.document, resolved.label, values, strict=False)
