"""DynamoDB access: one class per aggregate over the single table (see docs/data-model.md)."""

from promptbank.store.base import TableStore, dynamodb_client

__all__ = ["TableStore", "dynamodb_client"]
