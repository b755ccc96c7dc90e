"""Webhooks (API.md §7): subscriptions, the events made from the table's changes, and their signed deliveries."""
