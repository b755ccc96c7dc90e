"""Webhooks and their deliveries on the single table.

Keys (docs/data-model.md, "Webhooks"):

- webhook: `WEBHOOK#<id>`/`WEBHOOK`, on gsi1 `WEBHOOKS#<owner>` by creation time (a user's webhooks, and the
  ones an event fans out to: one `Query` of at most 20). Holds the KMS-encrypted signing secrets.
- webhook count: `USER#<owner>`/`WEBHOOKS`, `n` `ADD`ed under `n < 20` in the create transaction.
- delivery: `WEBHOOK#<webhook_id>`/`D#<delivery_id>`, on gsi1 `DELIVERIES#<webhook_id>` by creation time (the
  delivery log), and, only while parked for a retry more than 15 minutes away, on gsi2 `DELIVERIES#PARKED` by
  `<next_attempt_at>#<id>` (what the retry dispatcher re-enqueues). Its id is derived from the event and the
  webhook, so an event made twice is delivered once. `ttl` 30 days.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from promptbank.errors import Conflict, NotFound, ValidationFailed
from promptbank.store.base import TableStore, TransactOp, listed_item

WEBHOOK_SK = "WEBHOOK"
WEBHOOK_PK_PREFIX = "WEBHOOK#"
DELIVERY_SK_PREFIX = "D#"
PARKED_PK = "DELIVERIES#PARKED"
MAX_WEBHOOKS = 20
DELIVERY_TTL_S = 30 * 24 * 3600


def webhook_pk(webhook_id: str) -> str:
    return f"{WEBHOOK_PK_PREFIX}{webhook_id}"


def delivery_sk(delivery_id: str) -> str:
    return f"{DELIVERY_SK_PREFIX}{delivery_id}"


def _count_key(owner_id: str) -> tuple[str, str]:
    return f"USER#{owner_id}", "WEBHOOKS"


def _webhook_item(webhook: Mapping[str, Any]) -> dict[str, Any]:
    owner = f"WEBHOOKS#{webhook['owner_id']}"
    return listed_item(webhook, pk=webhook_pk(webhook["id"]), sk=WEBHOOK_SK, kind="webhook", owner=owner)


class WebhookStore(TableStore):
    # webhooks ----------------------------------------------------------------------------------------------
    def create_webhook(self, webhook: dict[str, Any]) -> dict[str, Any]:
        webhook = {**webhook, "rev": 1}
        self.transact(
            [
                TransactOp.update(
                    *_count_key(webhook["owner_id"]),
                    "ADD n :one",
                    condition="attribute_not_exists(n) OR n < :max",
                    values={":one": 1, ":max": MAX_WEBHOOKS},
                ),
                TransactOp.put(_webhook_item(webhook), condition="attribute_not_exists(pk)"),
            ],
            on_conflict=lambda index: (
                ValidationFailed.field(
                    "url", f"You have {MAX_WEBHOOKS} webhooks, the most there may be; delete one first"
                )
                if index == 0
                else Conflict("A webhook with this id exists")
            ),
        )
        return webhook

    def get_webhook(self, webhook_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.get(webhook_pk(webhook_id), WEBHOOK_SK, consistent=consistent)

    def replace_webhook(self, before: Mapping[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        after = {**after, "rev": int(before["rev"]) + 1}
        self.put(
            _webhook_item(after),
            condition="attribute_exists(pk) AND #rev = :rev",
            names={"#rev": "rev"},
            values={":rev": before["rev"]},
            on_conflict=lambda: Conflict("The webhook changed while it was being updated; try again"),
        )
        return after

    def delete_webhook(self, webhook: Mapping[str, Any]) -> None:
        self.transact(
            [
                TransactOp.delete(webhook_pk(webhook["id"]), WEBHOOK_SK, condition="attribute_exists(pk)"),
                TransactOp.update(*_count_key(webhook["owner_id"]), "ADD n :minus", values={":minus": -1}),
            ],
            on_conflict=lambda _: NotFound("Webhook not found"),
        )

    def owner_webhooks(self, owner_id: str) -> list[dict[str, Any]]:
        """Every webhook of the user (at most 20), oldest first."""
        return self.query_all("gsi1pk = :pk", {":pk": f"WEBHOOKS#{owner_id}"}, index="gsi1")

    def mark_failing(self, webhook_id: str, since: str) -> dict[str, Any] | None:
        """Note the first failure of a run of failures; the webhook as it is now (None if it is gone)."""
        try:
            return self.update(
                webhook_pk(webhook_id),
                WEBHOOK_SK,
                "SET failing_since = if_not_exists(failing_since, :since)",
                condition="attribute_exists(pk)",
                values={":since": since},
                return_new=True,
            )
        except Conflict:
            return None

    def clear_failing(self, webhook_id: str) -> None:
        with contextlib.suppress(Conflict):  # nothing was failing, or the webhook is gone
            self.update(
                webhook_pk(webhook_id),
                WEBHOOK_SK,
                "REMOVE failing_since",
                condition="attribute_exists(failing_since)",
            )

    def disable(self, webhook_id: str, reason: str, at: str) -> None:
        with contextlib.suppress(Conflict):  # disabled already, or gone
            self.update(
                webhook_pk(webhook_id),
                WEBHOOK_SK,
                "SET enabled = :off, disabled_reason = :why, updated_at = :at ADD #rev :one",
                condition="attribute_exists(pk) AND enabled = :on",
                names={"#rev": "rev"},
                values={":off": False, ":on": True, ":why": reason, ":at": at, ":one": 1},
            )

    # deliveries --------------------------------------------------------------------------------------------
    @staticmethod
    def delivery_item(delivery: Mapping[str, Any]) -> dict[str, Any]:
        pk, sk = webhook_pk(delivery["webhook_id"]), delivery_sk(delivery["id"])
        return listed_item(delivery, pk=pk, sk=sk, kind="delivery", owner=f"DELIVERIES#{delivery['webhook_id']}")

    def put_delivery(self, delivery: Mapping[str, Any]) -> bool:
        """True when the delivery was made now; False when it exists (the same event for the same webhook)."""
        try:
            self.put(self.delivery_item(delivery), condition="attribute_not_exists(pk)")
        except Conflict:
            return False
        return True

    def get_delivery(self, webhook_id: str, delivery_id: str) -> dict[str, Any] | None:
        return self.get(webhook_pk(webhook_id), delivery_sk(delivery_id), consistent=True)

    def deliveries_page(
        self, webhook_id: str, *, status: str | None, limit: int, start_key: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        extra: dict[str, Any] = {}
        values: dict[str, Any] = {":pk": f"DELIVERIES#{webhook_id}"}
        if status:
            extra = {"filter_expression": "#status = :status", "names": {"#status": "status"}, "min_read": 50}
            values[":status"] = status
        return self.query_page(
            "gsi1pk = :pk", values, index="gsi1", limit=limit, start_key=start_key, forward=False, **extra
        )

    def claim(self, delivery: Mapping[str, Any], attempt: int, now_epoch: int, lease_s: int) -> bool:
        """Take the delivery's attempt `attempt` (1-based): only while it is pending with `attempt - 1` attempts
        made and nobody else holds it. False when another message got there first (a duplicate)."""
        try:
            self.update(
                webhook_pk(delivery["webhook_id"]),
                delivery_sk(delivery["id"]),
                "SET lease_until = :until",
                condition="#status = :pending AND size(attempts) = :made "
                "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                names={"#status": "status"},
                values={
                    ":pending": "pending",
                    ":made": attempt - 1,
                    ":now": now_epoch,
                    ":until": now_epoch + lease_s,
                },
            )
        except Conflict:
            return False
        return True

    def record_attempt(
        self,
        delivery: Mapping[str, Any],
        attempt: Mapping[str, Any],
        *,
        status: str,
        next_attempt_at: str | None,
        park: bool,
    ) -> None:
        """Append `attempt`, set the status and the next attempt's time, release the lease; `park` puts the
        delivery on the parked index (its retry is more than 15 minutes away)."""
        values: dict[str, Any] = {":attempt": [dict(attempt)], ":status": status, ":first": attempt["at"]}
        sets = [
            "attempts = list_append(attempts, :attempt)",
            "#status = :status",
            "first_attempt_at = if_not_exists(first_attempt_at, :first)",
        ]
        removes = ["lease_until"]
        # SET what has a value now, REMOVE what has none (the store keeps no nulls).
        changes = {
            "response_status": attempt.get("response_status"),
            "next_attempt_at": next_attempt_at,
            "gsi2pk": PARKED_PK if park and next_attempt_at else None,
            "gsi2sk": f"{next_attempt_at}#{delivery['id']}" if park and next_attempt_at else None,
        }
        for index, (name, value) in enumerate(changes.items()):
            if value is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :v{index}")
                values[f":v{index}"] = value
        self.update(
            webhook_pk(delivery["webhook_id"]),
            delivery_sk(delivery["id"]),
            f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
            names={"#status": "status"},
            values=values,
        )

    def restart(self, delivery: Mapping[str, Any], now_iso: str) -> dict[str, Any]:
        """A manual retry: pending again now, its retry schedule starting over from this attempt."""
        made = len(delivery.get("attempts") or [])
        updated = self.update(
            webhook_pk(delivery["webhook_id"]),
            delivery_sk(delivery["id"]),
            "SET #status = :pending, cycle_start = :made, first_attempt_at = :now, next_attempt_at = :now "
            "REMOVE lease_until, gsi2pk, gsi2sk",
            condition="attribute_exists(pk) AND size(attempts) = :made",
            names={"#status": "status"},
            values={":pending": "pending", ":now": now_iso, ":made": made},
            return_new=True,
            on_conflict=lambda: Conflict("The delivery is being attempted right now; try again in a moment"),
        )
        assert updated is not None
        return updated

    def parked_due(self, now_iso: str, *, limit: int = 100) -> list[dict[str, Any]]:
        items, _ = self.query(
            "gsi2pk = :pk AND gsi2sk <= :now", {":pk": PARKED_PK, ":now": f"{now_iso}~"}, index="gsi2", limit=limit
        )
        return items

    def unpark(self, delivery: Mapping[str, Any]) -> bool:
        """Take the delivery off the parked index, if it still has the due time it was read with."""
        try:
            self.update(
                webhook_pk(delivery["webhook_id"]),
                delivery_sk(delivery["id"]),
                "REMOVE gsi2pk, gsi2sk",
                condition="next_attempt_at = :seen AND attribute_exists(gsi2pk)",
                values={":seen": delivery["next_attempt_at"]},
            )
        except Conflict:
            return False
        return True
