"""Sleeps, so concurrent requests show whether they ran in parallel (and in which container)."""

import time
import uuid

from fixture_common import respond

CONTAINER = str(uuid.uuid4())


def handler(event, context):
    started = time.time()
    time.sleep(float((event.get("queryStringParameters") or {}).get("seconds", "0.5")))
    return respond(200, {"container": CONTAINER, "started": started, "ended": time.time()})
