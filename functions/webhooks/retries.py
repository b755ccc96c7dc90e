"""Every minute (EventBridge Scheduler): queues the parked webhook deliveries whose next attempt is due."""

from promptbank.consumers import make_scheduled
from promptbank.webhooks.sender import ParkedDeliveries

parked = ParkedDeliveries()

handler = make_scheduled(parked.dispatch)
