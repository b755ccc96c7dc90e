"""WebhookEvents on the table's stream: a prompt change becomes one delivery per enabled, subscribed webhook of
the prompt's owner, a record seen again makes nothing new, and a new delivery is queued for the sender."""

from __future__ import annotations

from promptbank.auth.principal import Principal
from promptbank.webhooks.models import WebhookUpdate

from .conftest import Webhooks, principal


def test_a_new_prompt_makes_one_delivery_per_subscribed_enabled_webhook_of_its_owner(
    wh: Webhooks, owner: Principal
) -> None:
    # Given the owner's subscribed webhook, an unsubscribed and a disabled one, and another user's webhook
    subscribed = wh.create(owner, ["prompt.created"]).webhook.id
    unsubscribed = wh.create(owner, ["eval_run.completed"]).webhook.id
    disabled = wh.create(owner, ["prompt.created"]).webhook.id
    wh.service.update(owner, disabled, WebhookUpdate.model_validate({"enabled": False}))
    stranger = principal()
    strangers = wh.create(stranger, ["prompt.created"]).webhook.id
    wh.stream_records()  # the webhooks' own writes are not events

    # When the owner creates a prompt and the stream reaches the consumer
    prompt_id = wh.prompt(owner)
    made = wh.deliver_stream()

    # Then the subscribed webhook alone has a pending delivery of prompt.created, for that prompt
    assert made == 1
    [delivery] = wh.deliveries(subscribed)
    assert (delivery["event_type"], delivery["status"], delivery["attempts"]) == ("prompt.created", "pending", [])
    assert f'"prompt_id":"{prompt_id}"' in delivery["body"]
    assert delivery["event_id"].startswith("evt_")
    assert wh.deliveries(unsubscribed) == []
    assert wh.deliveries(disabled) == []
    assert wh.deliveries(strangers) == []


def test_each_event_of_a_prompt_change_is_delivered_to_a_webhook_of_every_type(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook of every event type
    webhook_id = wh.create(owner).webhook.id
    wh.stream_records()

    # When a prompt is created (version 1, in production) and the stream reaches the consumer
    wh.prompt(owner)
    wh.deliver_stream()

    # Then it has one delivery per event (its labels are `latest` and `production`), each its own event
    deliveries = wh.deliveries(webhook_id)
    assert sorted(d["event_type"] for d in deliveries) == [
        "prompt.created",
        "prompt.label_moved",
        "prompt.label_moved",
        "prompt.version_created",
    ]
    assert len({d["event_id"] for d in deliveries}) == 4


def test_the_same_record_twice_makes_no_second_delivery(wh: Webhooks, owner: Principal) -> None:
    # Given a prompt change already turned into a delivery
    webhook_id = wh.create(owner, ["prompt.created"]).webhook.id
    wh.stream_records()
    wh.prompt(owner)
    records = wh.stream_records()
    assert sum(wh.events.process(record) for record in records) == 1

    # When the same records come again (a retried stream batch)
    again = sum(wh.events.process(record) for record in records)

    # Then nothing new is made
    assert again == 0
    assert len(wh.deliveries(webhook_id)) == 1


def test_a_deleted_prompt_is_delivered_as_deleted(wh: Webhooks, owner: Principal) -> None:
    webhook_id = wh.create(owner, ["prompt.deleted"]).webhook.id
    prompt_id = wh.prompt(owner)
    wh.stream_records()

    wh.prompts.delete(owner, prompt_id)
    assert wh.deliver_stream() == 1

    [delivery] = wh.deliveries(webhook_id)
    assert delivery["event_type"] == "prompt.deleted"


def test_a_new_delivery_on_the_stream_queues_one_message_for_its_first_attempt(wh: Webhooks, owner: Principal) -> None:
    # Given a prompt change turned into a delivery
    webhook_id = wh.create(owner, ["prompt.created"]).webhook.id
    wh.stream_records()
    wh.prompt(owner)
    wh.deliver_stream()
    [delivery] = wh.deliveries(webhook_id)

    # When the delivery's own INSERT reaches the consumer
    queued = wh.deliver_stream()

    # Then one message for its first attempt is on WebhookQueue, to be sent now
    assert queued == 1
    expected = {"webhook_id": webhook_id, "delivery_id": delivery["id"], "attempt": 1}
    assert wh.queue.visible() == [expected]
    assert wh.queue.for_delivery(delivery["id"]) == [{"body": expected, "delay": 0}]


def test_a_delivery_changed_on_the_stream_is_not_queued_again(wh: Webhooks, owner: Principal) -> None:
    # Given a delivery whose insert was queued
    webhook_id = wh.create(owner, ["prompt.created"]).webhook.id
    delivery = wh.pending_delivery(webhook_id)
    wh.stream_records()

    # When its attempt is recorded (a MODIFY of the delivery)
    wh.send(delivery)

    # Then that change queues nothing
    assert [r for r in wh.stream_records() if wh.events.process(r)] == []
    assert wh.queue.for_delivery(delivery["id"]) == []
