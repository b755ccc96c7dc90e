"""Integration tests of webhooks against moto: subscriptions, events from the stream, the sender and its retries."""
