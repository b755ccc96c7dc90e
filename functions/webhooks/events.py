"""The table stream's consumer for webhooks: turns prompt and eval-run changes into deliveries, and queues them."""

from promptbank.consumers import EventType, make_consumer
from promptbank.webhooks.events import WebhookEvents

events = WebhookEvents()

handler = make_consumer(events.process, EventType.DynamoDBStreams)
