"""The fixture app's 'layer': found on sys.path because the runtime puts <template dir>/shared there."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def client(service: str) -> Any:
    return boto3.client(service)


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def table() -> str:
    return os.environ["TABLE_NAME"]
