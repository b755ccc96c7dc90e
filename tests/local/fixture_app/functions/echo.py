"""Returns the event it got, which container served it, and a few environment values."""

import os
import uuid

import fixture_common
from fixture_common import respond

CONTAINER = str(uuid.uuid4())
ENV_KEYS = (
    "TABLE_NAME",
    "FIXTURE_STAGE",
    "FIXTURE_SECRET",
    "FIXTURE_API_URL",
    "PROMPTBANK_STAGE",
    "PROMPTBANK_PUBLIC_BASE_URL",
    "PROMPTBANK_FIXTURE_BASE_URL",
    "AWS_ENDPOINT_URL",
    "KEY_ID",
    "ISOLATED_ONLY",
)


def handler(event, context):
    return {
        **respond(
            200,
            {
                "function": "echo",
                "container": CONTAINER,
                "event": event,
                "env": {k: os.environ.get(k) for k in ENV_KEYS},
                "pid": os.getpid(),
                "layer_mark": getattr(fixture_common, "LEFT_BY", None),
                "context": {
                    "function_name": context.function_name,
                    "request_id": context.aws_request_id,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                },
            },
        ),
        "multiValueHeaders": {"Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]},
    }
