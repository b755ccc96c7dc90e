"""ANY on every known path: 405 with `Allow` for a method the path does not have, and CORS preflights (N)."""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from promptbank.apidoc import allowed_methods
from promptbank.errors import MethodNotAllowed, envelope
from promptbank.http import CORS, serve_raw


def respond(event: dict[str, Any], request_id: str) -> dict[str, Any]:
    allowed = allowed_methods(event.get("resource") or "")
    allow = ", ".join([*allowed, "OPTIONS"])
    if event.get("httpMethod") == "OPTIONS":
        return {
            "statusCode": 204,
            "headers": {
                "Allow": allow,
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": allow,
                "Access-Control-Allow-Headers": ",".join(sorted(CORS.allow_headers)),
                "Access-Control-Max-Age": str(CORS.max_age),
            },
            "body": "",
        }
    err = MethodNotAllowed(f"{event.get('httpMethod')} is not allowed here; allowed: {', '.join(allowed)}")
    return {
        "statusCode": err.status,
        "headers": {"Content-Type": "application/json", "Allow": allow},
        "body": json.dumps(envelope(err.code, err.message, request_id)),
    }


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve_raw(respond, event)
