"""Webhook subscriptions (API.md §7, session-only): create, read, change, delete, rotate the secret, test, and the
delivery log with its replay.

A webhook's URL is checked when saved (https, or http to loopback locally; deployed, every address its host
resolves to must be public) and again, pinned, at every attempt by the sender's transport. Secrets are stored
only KMS-encrypted, bound to the user and the webhook; the plain secret is in the create and rotate responses
only (their handlers name it a secret field, so an idempotency record never keeps it).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.clock import epoch, iso, now
from promptbank.cursor import decode_cursor, encode_cursor
from promptbank.errors import NotFound, ValidationFailed
from promptbank.outputs import Page
from promptbank.prompts.models import UUID_RE
from promptbank.provider_keys.crypto import WEBHOOK_SECRET, KeyCipher
from promptbank.store.webhooks import DELIVERY_TTL_S, WebhookStore
from promptbank.webhooks.models import (
    TEST_EVENT,
    Delivery,
    DeliveryAttempt,
    Webhook,
    WebhookCreate,
    WebhookSecret,
    WebhookUpdate,
)
from promptbank.webhooks.signing import new_secret

#: How long a rotated-out secret keeps signing, beside the new one (API.md §7).
ROTATION_OVERLAP = timedelta(hours=24)
#: Decrypted secrets kept per container (the oldest goes first when full).
SECRET_CACHE_SIZE = 1_000
#: Namespace of the ids derived from an event (uuid5): the same change makes the same event, for each webhook
#: the same delivery.
EVENT_NAMESPACE = uuid.UUID("6a1f0c2e-8b3d-4e5f-9a7b-1c2d3e4f5a6b")


def delivery_id_for(event_id: str, webhook_id: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{event_id}:{webhook_id}"))


def event_body(event_id: str, event_type: str, created_at: str, data: dict[str, Any]) -> str:
    """The JSON body every attempt sends, byte for byte (what the signature covers)."""
    return json.dumps(
        {"id": event_id, "type": event_type, "created_at": created_at, "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def new_delivery(webhook: dict[str, Any], event_id: str, event_type: str, body: str, created_at: str) -> dict[str, Any]:
    return {
        "id": delivery_id_for(event_id, webhook["id"]),
        "webhook_id": webhook["id"],
        "owner_id": webhook["owner_id"],
        "event_id": event_id,
        "event_type": event_type,
        "body": body,
        "status": "pending",
        "attempts": [],
        "cycle_start": 0,
        "created_at": created_at,
        "ttl": epoch(datetime.fromisoformat(created_at)) + DELIVERY_TTL_S,
    }


def delivery_view(item: dict[str, Any]) -> Delivery:
    return Delivery(
        id=item["id"],
        webhook_id=item["webhook_id"],
        event_id=item["event_id"],
        event_type=item["event_type"],
        status=item["status"],
        attempts=[
            DeliveryAttempt(
                at=attempt["at"],
                response_status=attempt.get("response_status"),
                duration_ms=attempt.get("duration_ms"),
                error=attempt.get("error"),
            )
            for attempt in item.get("attempts") or []
        ],
        response_status=item.get("response_status"),
        next_attempt_at=item.get("next_attempt_at"),
        created_at=item["created_at"],
    )


def webhook_view(item: dict[str, Any]) -> Webhook:
    return Webhook(
        id=item["id"],
        url=item["url"],
        events=item["events"],
        description=item.get("description"),
        enabled=bool(item.get("enabled")),
        disabled_reason=item.get("disabled_reason"),
        created_at=item["created_at"],
        updated_at=item["updated_at"],
    )


def check_url(url: str) -> str:
    """The URL if a delivery may go there (400 on `url` otherwise): the provider base URL rules, plus, under the
    egress policy of the tests (`loopback`), a host that resolves to loopback only."""
    from promptbank import egress
    from promptbank.provider_keys.urls import UnsafeBaseUrl, check_webhook_url

    try:
        checked = check_webhook_url(url, deployed=_deployed())
        if egress.current_policy() is egress.Policy.LOOPBACK:
            from urllib.parse import urlsplit

            parts = urlsplit(checked)
            egress.checked_addresses(parts.hostname or "", parts.port or 443, policy=egress.Policy.LOOPBACK)
    except UnsafeBaseUrl as err:
        raise ValidationFailed.field("url", str(err)) from None
    except egress.EgressRefused as err:
        raise ValidationFailed.field("url", str(err)) from None
    except (OSError, UnicodeError):  # getaddrinfo refuses an empty or over-long label with UnicodeError
        raise ValidationFailed.field("url", "host does not resolve") from None
    return checked


def _deployed() -> bool:
    from promptbank.settings import get_settings

    return get_settings().deployed


class WebhookService:
    def __init__(
        self,
        store: WebhookStore | None = None,
        cipher: KeyCipher | None = None,
        clock: Callable[[], datetime] = now,
        sqs: Any = None,
        queue_url: str | None = None,
    ) -> None:
        self.store = store or WebhookStore()
        self.cipher = cipher or KeyCipher()
        self.clock = clock
        self._sqs = sqs
        self.queue_url = queue_url
        self._secrets: dict[tuple[bytes, str, str], str] = {}
        self._secrets_lock = threading.Lock()

    # subscriptions ---------------------------------------------------------------------------------------
    def create(self, principal: Principal, data: WebhookCreate) -> WebhookSecret:
        principal.require_session()
        url = check_url(data.url)
        moment = iso(self.clock())
        webhook_id = str(uuid.uuid4())
        secret = new_secret()
        webhook = {
            "id": webhook_id,
            "owner_id": principal.user_id,
            "url": url,
            "events": list(data.events),
            "description": data.description,
            "enabled": True,
            "secrets": [{"ciphertext": self._encrypt(secret, principal.user_id, webhook_id)}],
            "created_at": moment,
            "updated_at": moment,
        }
        stored = self.store.create_webhook(webhook)
        return WebhookSecret(webhook=webhook_view(stored), secret=secret)

    def list_all(self, principal: Principal) -> Page[Webhook]:
        principal.require_session()
        items = sorted(self.store.owner_webhooks(principal.user_id), key=lambda i: i["created_at"], reverse=True)
        return Page[Webhook](data=[webhook_view(item) for item in items], next_cursor=None)

    def get(self, principal: Principal, webhook_id: str) -> Webhook:
        return webhook_view(self.webhook_for(principal, webhook_id))

    def update(self, principal: Principal, webhook_id: str, data: WebhookUpdate) -> Webhook:
        before = self.webhook_for(principal, webhook_id, consistent=True)
        given = data.model_fields_set
        after = dict(before)
        if "url" in given:
            after["url"] = check_url(data.url)
        if "events" in given:
            after["events"] = list(data.events)
        if "description" in given:
            after["description"] = data.description
        if "enabled" in given:
            after["enabled"] = data.enabled
            if data.enabled:  # turned back on: its past failures no longer count against it
                after.pop("disabled_reason", None)
                after.pop("failing_since", None)
        after["updated_at"] = iso(self.clock())
        return webhook_view(self.store.replace_webhook(before, after))

    def delete(self, principal: Principal, webhook_id: str) -> None:
        self.store.delete_webhook(self.webhook_for(principal, webhook_id, consistent=True))

    def rotate_secret(self, principal: Principal, webhook_id: str) -> WebhookSecret:
        before = self.webhook_for(principal, webhook_id, consistent=True)
        moment = self.clock()
        secret = new_secret()
        kept = [
            {**old, "expires_at": old.get("expires_at") or iso(moment + ROTATION_OVERLAP)}
            for old in before.get("secrets") or []
            if not old.get("expires_at") or old["expires_at"] > iso(moment)
        ]
        after = {
            **before,
            "secrets": [{"ciphertext": self._encrypt(secret, principal.user_id, webhook_id)}, *kept],
            "updated_at": iso(moment),
        }
        return WebhookSecret(webhook=webhook_view(self.store.replace_webhook(before, after)), secret=secret)

    def signing_secrets(self, webhook: dict[str, Any], moment: datetime) -> list[str]:
        """The webhook's secrets that still sign, newest first."""
        return [
            self._decrypted(bytes(entry["ciphertext"]), webhook["owner_id"], webhook["id"])
            for entry in webhook.get("secrets") or []
            if not entry.get("expires_at") or entry["expires_at"] > iso(moment)
        ]

    def _decrypted(self, ciphertext: bytes, user_id: str, webhook_id: str) -> str:
        """A secret, decrypted once per container: a ciphertext never changes (rotation makes a new one), and a
        KMS call per attempt would cost more than the attempt's own writes."""
        key = (ciphertext, user_id, webhook_id)
        with self._secrets_lock:
            found = self._secrets.get(key)
        if found is None:
            found = self.cipher.decrypt(ciphertext, user_id=user_id, provider=webhook_id, purpose=WEBHOOK_SECRET)
            with self._secrets_lock:
                if len(self._secrets) >= SECRET_CACHE_SIZE:
                    self._secrets.pop(next(iter(self._secrets)))
                self._secrets[key] = found
        return found

    def webhook_for(self, principal: Principal, webhook_id: str, *, consistent: bool = False) -> dict[str, Any]:
        principal.require_session()
        webhook = self.store.get_webhook(webhook_id, consistent=consistent) if UUID_RE.fullmatch(webhook_id) else None
        if webhook is None or webhook["owner_id"] != principal.user_id:
            raise NotFound("Webhook not found")
        return webhook

    def _encrypt(self, secret: str, user_id: str, webhook_id: str) -> bytes:
        return self.cipher.encrypt(secret, user_id=user_id, provider=webhook_id, purpose=WEBHOOK_SECRET)

    # deliveries ------------------------------------------------------------------------------------------
    def test(self, principal: Principal, webhook_id: str) -> Delivery:
        """A `webhook.test` event for this webhook alone; it is sent even while the webhook is disabled (to check
        a fixed endpoint before turning it back on)."""
        webhook = self.webhook_for(principal, webhook_id)
        moment = iso(self.clock())
        event_id = f"evt_{uuid.uuid4().hex}"
        data = {"webhook_id": webhook["id"], "message": "A test event from promptbank: this webhook works."}
        delivery = new_delivery(webhook, event_id, TEST_EVENT, event_body(event_id, TEST_EVENT, moment, data), moment)
        self.store.put_delivery(delivery)  # its insert on the table's stream enqueues it
        return delivery_view(delivery)

    def deliveries(
        self, principal: Principal, webhook_id: str, status: str | None, limit: int, cursor: str | None
    ) -> Page[Delivery]:
        webhook = self.webhook_for(principal, webhook_id)
        scope = f"deliveries:{webhook['id']}:{status or ''}"
        items, last = self.store.deliveries_page(
            webhook["id"], status=status, limit=limit, start_key=decode_cursor(cursor, scope)
        )
        return Page[Delivery](data=[delivery_view(item) for item in items], next_cursor=encode_cursor(last, scope))

    def retry(self, principal: Principal, webhook_id: str, delivery_id: str) -> Delivery:
        """Send the delivery's event again now (the same event id), whatever became of it; its retry schedule
        starts over from this attempt."""
        from promptbank.webhooks.sender import enqueue

        webhook = self.webhook_for(principal, webhook_id)
        delivery = self.store.get_delivery(webhook["id"], delivery_id) if UUID_RE.fullmatch(delivery_id) else None
        if delivery is None:
            raise NotFound("Delivery not found")
        restarted = self.store.restart(delivery, iso(self.clock()))
        enqueue(self._sqs, restarted, delay_s=0, queue_url=self.queue_url)
        return delivery_view(restarted)
