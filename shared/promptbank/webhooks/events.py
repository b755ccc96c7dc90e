"""Domain events from the table's changes, and their deliveries: the webhook stream consumer's record handler.

- A prompt's META item: INSERT is `prompt.created` (and `prompt.version_created` of version 1, and
  `prompt.label_moved` for each label it starts with); MODIFY is `prompt.version_created` for each new version
  and `prompt.label_moved` (label, from and to version) for each label that moved, was added or removed; REMOVE is
  `prompt.deleted`.
- A suite run that went from queued or running to succeeded or failed is `eval_run.completed`, and also
  `eval_run.regressed` when it regressed.

An event's id is derived from what changed (the prompt and the version, the label and the prompt's revision, the
run), so a stream record delivered again makes the same event; each enabled webhook of the resource's owner that
subscribes to the type gets one `Delivery` item, its id derived from the event and the webhook (put once). A
delivery's INSERT on the stream comes back here and is queued for the sender: the stream is the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from promptbank.clock import iso, now
from promptbank.store.base import deserialize
from promptbank.store.evals import RUN_PK_PREFIX, RUN_SK
from promptbank.store.prompts import META
from promptbank.store.webhooks import DELIVERY_SK_PREFIX, WEBHOOK_PK_PREFIX
from promptbank.webhooks.sender import enqueue
from promptbank.webhooks.service import EVENT_NAMESPACE, WebhookService, event_body, new_delivery

#: (type, id key, data, owner, created_at) of one event.
Event = tuple[str, str, dict[str, Any], str, str]
RUN_FIELDS = (
    "id",
    "suite_id",
    "status",
    "trigger",
    "prompt_id",
    "prompt_version",
    "summary",
    "regressed",
    "error",
    "created_at",
    "finished_at",
)


def event_id_for(event_type: str, key: str) -> str:
    return f"evt_{uuid.uuid5(EVENT_NAMESPACE, f'{event_type}:{key}').hex}"


def prompt_events(name: DynamoDBRecordEventName, old: dict[str, Any], new: dict[str, Any], moment: str) -> list[Event]:
    meta = new or old
    prompt_id, owner = str(meta["id"]), str(meta["owner_id"])
    shown = {"prompt_id": prompt_id, "slug": meta.get("slug"), "name": meta.get("name")}
    when = str(new.get("updated_at") or moment)
    events: list[Event] = []
    if name is DynamoDBRecordEventName.REMOVE:
        return [("prompt.deleted", prompt_id, shown, owner, moment)]
    if name is DynamoDBRecordEventName.INSERT:
        events.append(("prompt.created", prompt_id, {**shown, "version": new.get("latest_version")}, owner, when))
    before, after = int(old.get("latest_version") or 0), int(new.get("latest_version") or 0)
    for version in range(before + 1, after + 1):
        events.append(("prompt.version_created", f"{prompt_id}:{version}", {**shown, "version": version}, owner, when))
    old_labels, new_labels = old.get("labels") or {}, new.get("labels") or {}
    for label in sorted(set(old_labels) | set(new_labels)):
        was, now_at = old_labels.get(label), new_labels.get(label)
        if was != now_at:
            data = {**shown, "label": label, "from_version": was, "to_version": now_at}
            events.append(("prompt.label_moved", f"{prompt_id}:{label}:{new.get('meta_rev')}", data, owner, when))
    return events


def run_events(old: dict[str, Any], new: dict[str, Any]) -> list[Event]:
    if old.get("status") not in ("queued", "running") or new.get("status") not in ("succeeded", "failed"):
        return []
    run = {field: new.get(field) for field in RUN_FIELDS}
    when = str(new.get("finished_at") or new["created_at"])
    events: list[Event] = [("eval_run.completed", str(new["id"]), {"run": run}, str(new["owner_id"]), when)]
    if new.get("regressed"):
        events.append(("eval_run.regressed", str(new["id"]), {"run": run}, str(new["owner_id"]), when))
    return events


class WebhookEvents:
    def __init__(
        self,
        webhooks: WebhookService | None = None,
        *,
        clock: Callable[[], datetime] = now,
        sqs: Any = None,
        queue_url: str | None = None,
    ) -> None:
        self.webhooks = webhooks or WebhookService(clock=clock)
        self.clock = clock
        self.sqs = sqs
        self.queue_url = queue_url

    def process(self, record: DynamoDBRecord) -> int:
        """How many deliveries the record made (or 1 when it queued a delivery)."""
        if record.dynamodb is None:
            return 0
        new = deserialize(record.dynamodb.get("NewImage") or {})
        old = deserialize(record.dynamodb.get("OldImage") or {})
        item = new or old
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        name = record.event_name
        if pk.startswith(WEBHOOK_PK_PREFIX) and sk.startswith(DELIVERY_SK_PREFIX):
            if name is DynamoDBRecordEventName.INSERT and new.get("status") == "pending" and not new.get("attempts"):
                enqueue(self.sqs, new, delay_s=0, queue_url=self.queue_url)
                return 1
            return 0
        if pk.startswith("PROMPT#") and sk == META and name is not None:
            events = prompt_events(name, old, new, iso(self.clock()))
        elif pk.startswith(RUN_PK_PREFIX) and sk == RUN_SK and name is DynamoDBRecordEventName.MODIFY:
            events = run_events(old, new)
        else:
            return 0
        return sum(self.fan_out(*event) for event in events)

    def fan_out(self, event_type: str, key: str, data: dict[str, Any], owner: str, created_at: str) -> int:
        """One delivery per enabled webhook of `owner` subscribed to `event_type`; how many were made now."""
        webhooks = [
            webhook
            for webhook in self.webhooks.store.owner_webhooks(owner)
            if webhook.get("enabled") and event_type in (webhook.get("events") or [])
        ]
        if not webhooks:
            return 0
        event_id = event_id_for(event_type, key)
        body = event_body(event_id, event_type, created_at, data)
        return sum(
            self.webhooks.store.put_delivery(new_delivery(webhook, event_id, event_type, body, created_at))
            for webhook in webhooks
        )
