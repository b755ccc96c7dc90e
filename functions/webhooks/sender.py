"""The webhook queue's consumer: one signed attempt per message, up to 10 at once, each recorded and retried."""

from promptbank.consumers import EventType, make_consumer
from promptbank.webhooks.sender import WebhookSender

sender = WebhookSender()

handler = make_consumer(sender.process, EventType.SQS, concurrency=10)
