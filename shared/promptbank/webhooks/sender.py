"""The webhook sender (SQS consumer) and the parked-retry dispatcher: each attempt signed, recorded, retried.

A queue message names one delivery and the attempt it is for (`{"webhook_id", "delivery_id", "attempt"}`). The
sender makes that attempt only if the delivery is pending with exactly `attempt - 1` attempts made, and only after
taking a short lease on it: a message sent twice (a retried stream batch, SQS's at-least-once delivery) reaches
the receiver once. Each attempt is signed per Standard Webhooks, POSTed with a 15 s timeout and no redirects
through the pinned egress transport, and recorded (time, status, duration, error). A failure schedules the next
attempt, on the spec's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h after each failure, then a last one 24 h
after the first; the six waits with +-10% jitter (the last attempt's time is fixed by the first's), none sooner
than the receiver's `Retry-After`. Delays up to 15 minutes are SQS `DelaySeconds`; longer ones park the delivery
(`next_attempt_at` on a sparse index) for `ParkedDeliveries`, which runs every minute and re-enqueues what is
due. A 410 disables the webhook at once; so does a run of failures lasting 24 h.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from promptbank.clock import iso, now
from promptbank.observability import count, logger
from promptbank.queues import sqs_client
from promptbank.settings import get_settings
from promptbank.webhooks.models import TEST_EVENT
from promptbank.webhooks.service import WebhookService

#: Waits after the 1st, 2nd, ... 6th failed attempt (standardwebhooks.com: retry schedule); the 8th and last
#: attempt comes 24 h after the first.
DELAYS_S = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
LAST_ATTEMPT_AFTER = timedelta(hours=24)
JITTER = 0.1  # each of DELAYS_S is drawn from +-10% of its nominal length
MAX_QUEUE_DELAY_S = 15 * 60  # SQS DelaySeconds' limit: longer waits are parked
TIMEOUT_S = 15.0
#: How long an attempt holds its delivery: longer than an attempt takes (15 s), shorter than the queue's visibility
#: timeout, so that a sender that died mid-attempt lets the redelivered message try again.
LEASE_S = 60
FAILING_FOR = timedelta(hours=24)
USER_AGENT = "promptbank-webhooks/1"


def enqueue(sqs: Any, delivery: dict[str, Any], *, delay_s: float, queue_url: str | None = None) -> None:
    """Queue the delivery's next attempt (`attempt` = attempts made + 1), `delay_s` from now (at most 15 min)."""
    body = {
        "webhook_id": delivery["webhook_id"],
        "delivery_id": delivery["id"],
        "attempt": len(delivery.get("attempts") or []) + 1,
    }
    (sqs or sqs_client()).send_message(
        QueueUrl=queue_url or get_settings().webhook_queue_url,
        MessageBody=json.dumps(body),
        DelaySeconds=max(0, min(MAX_QUEUE_DELAY_S, int(delay_s))),
    )


@lru_cache(maxsize=1)
def http_client() -> Any:
    """One client per container, through the pinned transport (every connection's address checked and pinned);
    no redirects: a receiver's 3xx is an answer, not a place to send the event to."""
    import httpx

    from promptbank.egress.transport import PinnedTransport

    return httpx.Client(
        transport=PinnedTransport(limits=httpx.Limits(max_connections=50, max_keepalive_connections=20)),
        timeout=httpx.Timeout(TIMEOUT_S),
        follow_redirects=False,
    )


def next_delay(
    made: int, first_at: datetime, moment: datetime, retry_after: float | None, rng: Callable[[], float]
) -> float | None:
    """Seconds until the next attempt after `made` attempts of this cycle failed; None when that was the last."""
    if made <= len(DELAYS_S):
        nominal = DELAYS_S[made - 1]
        wait = nominal * (1 + JITTER * (2 * rng() - 1))
    elif made == len(DELAYS_S) + 1:
        wait = (first_at + LAST_ATTEMPT_AFTER - moment).total_seconds()
    else:
        return None
    return max(wait, retry_after or 0.0, 0.0)


def retry_after_s(value: str | None, moment: datetime) -> float | None:
    """`Retry-After` in seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - moment).total_seconds()) if when.tzinfo else None


class WebhookSender:
    def __init__(
        self,
        webhooks: WebhookService | None = None,
        *,
        clock: Callable[[], datetime] = now,
        client: Any = None,
        sqs: Any = None,
        queue_url: str | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.webhooks = webhooks or WebhookService(clock=clock)
        self.clock = clock
        self._client = client
        self._sqs = sqs
        self.queue_url = queue_url
        self.rng = rng

    @property
    def store(self) -> Any:
        return self.webhooks.store

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = sqs_client()
        return self._sqs

    @property
    def client(self) -> Any:
        return self._client or http_client()

    def process(self, record: SQSRecord) -> str:
        """One attempt: "succeeded", "retrying", "failed", or "skipped" (a duplicate, or nothing left to do).
        Each but "skipped" is counted (`WebhookDeliveries` by outcome)."""
        outcome = self._process(record)
        if outcome != "skipped":
            count("WebhookDeliveries", outcome=outcome)
        return outcome

    def _process(self, record: SQSRecord) -> str:
        message = json.loads(record.body)
        webhook_id, delivery_id, attempt = (
            str(message["webhook_id"]),
            str(message["delivery_id"]),
            int(message["attempt"]),
        )
        delivery = self.store.get_delivery(webhook_id, delivery_id)
        if delivery is None or delivery["status"] != "pending" or len(delivery.get("attempts") or []) != attempt - 1:
            return "skipped"
        webhook = self.store.get_webhook(webhook_id, consistent=True)
        if webhook is None:
            return "skipped"  # deleted: its pending deliveries are dropped
        moment = self.clock()
        if not self.store.claim(delivery, attempt, int(moment.timestamp()), LEASE_S):
            return "skipped"
        if not webhook.get("enabled") and delivery["event_type"] != TEST_EVENT:
            unsent: dict[str, Any] = {
                "at": iso(moment),
                "response_status": None,
                "duration_ms": None,
                "error": "not sent: the webhook is disabled",
            }
            self.store.record_attempt(delivery, unsent, status="failed", next_attempt_at=None, park=False)
            return "failed"
        outcome, retry_after = self.attempt(webhook, delivery, moment)
        status: int | None = outcome["response_status"]
        if status is not None and 200 <= status < 300:
            self.store.record_attempt(delivery, outcome, status="succeeded", next_attempt_at=None, park=False)
            self.store.clear_failing(webhook_id)
            return "succeeded"
        if status == 410:
            self.store.record_attempt(delivery, outcome, status="failed", next_attempt_at=None, park=False)
            self.store.disable(webhook_id, "The endpoint answered 410 Gone", iso(moment))
            return "failed"
        result = self._schedule_next(delivery, outcome, moment, retry_after)
        self._note_failure(webhook_id, moment)
        return result

    def attempt(
        self, webhook: dict[str, Any], delivery: dict[str, Any], moment: datetime
    ) -> tuple[dict[str, Any], float | None]:
        """POST the event once; what happened, and the receiver's `Retry-After` in seconds."""
        import httpx

        from promptbank import egress
        from promptbank.webhooks.signing import headers

        body = str(delivery["body"])
        sent_headers = {
            **headers(
                delivery["event_id"], int(moment.timestamp()), body, self.webhooks.signing_secrets(webhook, moment)
            ),
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        retry_after: float | None = None
        try:
            response = self.client.post(webhook["url"], content=body.encode(), headers=sent_headers)
            status = response.status_code
            retry_after = retry_after_s(response.headers.get("retry-after"), moment)
            if not 200 <= status < 300:
                error = f"the endpoint answered {status}"
        except egress.EgressRefused as err:
            error = f"not sent: {err}"
        except httpx.TimeoutException:
            error = f"no answer within {TIMEOUT_S:g} s"
        except httpx.HTTPError as err:
            error = f"could not connect ({type(err).__name__})"
        duration_ms = int((time.monotonic() - started) * 1000)
        outcome: dict[str, Any] = {
            "at": iso(moment),
            "response_status": status,
            "duration_ms": duration_ms,
            "error": error,
        }
        return outcome, retry_after

    def _schedule_next(
        self, delivery: dict[str, Any], outcome: dict[str, Any], moment: datetime, retry_after: float | None
    ) -> str:
        made = len(delivery.get("attempts") or []) + 1 - int(delivery.get("cycle_start") or 0)
        first_at = datetime.fromisoformat(str(delivery.get("first_attempt_at") or outcome["at"]))
        wait = next_delay(made, first_at, moment, retry_after, self.rng)
        if wait is None:
            self.store.record_attempt(delivery, outcome, status="failed", next_attempt_at=None, park=False)
            return "failed"
        next_at = iso(moment + timedelta(seconds=wait))
        park = wait > MAX_QUEUE_DELAY_S
        if not park:
            # Queued before it is recorded: a crash in between leaves a message the delivery no longer matches
            # (skipped) and this one redelivered, never a pending delivery with nothing to send it.
            made_now = [*(delivery.get("attempts") or []), outcome]
            enqueue(self.sqs, {**delivery, "attempts": made_now}, delay_s=wait, queue_url=self.queue_url)
        self.store.record_attempt(delivery, outcome, status="pending", next_attempt_at=next_at, park=park)
        logger.info("webhook attempt failed; retrying", extra={"delivery_id": delivery["id"], "in_s": round(wait, 1)})
        return "retrying"

    def _note_failure(self, webhook_id: str, moment: datetime) -> None:
        webhook = self.store.mark_failing(webhook_id, iso(moment))
        since = (webhook or {}).get("failing_since")
        if since and datetime.fromisoformat(str(since)) <= moment - FAILING_FOR:
            self.store.disable(webhook_id, "Every delivery failed for 24 hours", iso(moment))


class ParkedDeliveries:
    """Every minute: queue the attempts of parked deliveries that are due."""

    PAGE = 100

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
        self._sqs = sqs
        self.queue_url = queue_url

    def dispatch(self, event: dict[str, Any], context: Any = None) -> dict[str, int]:
        due = enqueued = 0
        store = self.webhooks.store
        for _ in range(10):  # at most 1,000 a minute; the rest next minute
            page = store.parked_due(iso(self.clock()), limit=self.PAGE)
            for delivery in page:
                due += 1
                # Sent, then taken off the index: a crash in between sends it again next minute, and the sender
                # skips the message whose attempt was made already.
                enqueue(self._sqs, delivery, delay_s=0, queue_url=self.queue_url)
                enqueued += store.unpark(delivery)
            if len(page) < self.PAGE:
                break
        logger.info("parked deliveries dispatched", extra={"due": due, "enqueued": enqueued})
        return {"due": due, "enqueued": enqueued}
