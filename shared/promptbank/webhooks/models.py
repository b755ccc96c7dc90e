"""Request and response models of webhooks and their deliveries (API.md §7)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, field_validator

from promptbank.inputs import StrictInput
from promptbank.outputs import Output

EventType = Literal[
    "prompt.created",
    "prompt.version_created",
    "prompt.label_moved",
    "prompt.deleted",
    "eval_run.completed",
    "eval_run.regressed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
TEST_EVENT = "webhook.test"
DeliveryStatus = Literal["pending", "succeeded", "failed"]
MAX_URL = 2000
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL, examples=["https://example.com/hooks/promptbank"])]
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]
Description = Annotated[str, Field(max_length=200)]


def _unique(events: list[str] | None) -> list[str] | None:
    """The events, each once, in the order given (a repeat is harmless, so it is dropped rather than refused)."""
    return list(dict.fromkeys(events)) if events is not None else None


class WebhookCreate(StrictInput):
    """`POST /v1/webhooks`: where to send (https; http to loopback only when running locally) and which events."""

    url: Url
    events: Events
    description: Description | None = None

    _events = field_validator("events")(_unique)


class WebhookUpdate(StrictInput):
    """`PATCH /v1/webhooks/{id}`: the fields given replace the webhook's; `enabled: true` re-enables a disabled
    webhook (and clears `disabled_reason`); `description: null` clears it."""

    url: Url = None  # type: ignore[assignment]
    events: Events = None  # type: ignore[assignment]
    description: Description | None = None
    enabled: bool = None  # type: ignore[assignment]

    _events = field_validator("events")(_unique)

    @field_validator("url", "events", "enabled", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Cannot be null")
        return value


class Webhook(Output):
    """A subscription. `enabled` false with a `disabled_reason` when the receiver answered 410 or every delivery
    failed for 24 h; PATCH `enabled: true` to turn it back on."""

    id: str
    url: str
    events: list[EventType]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: str
    updated_at: str


class WebhookSecret(Output):
    """A webhook and its signing secret, shown this once (`whsec_` + base64 of 32 bytes)."""

    webhook: Webhook
    secret: str


class DeliveryAttempt(Output):
    """One POST: when, what the receiver answered (null when it did not), how long it took, and what went wrong."""

    at: str
    response_status: int | None
    duration_ms: int | None
    error: str | None


class Delivery(Output):
    """One event for one webhook, and every attempt to deliver it. `event_id` is the `webhook-id` header, the same
    on every attempt; `next_attempt_at` is when the next attempt is due, null when none is."""

    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: list[DeliveryAttempt]
    response_status: int | None
    next_attempt_at: str | None
    created_at: str
