"""The ANY method of /v1/things/{thing_id}: says who answered."""

from fixture_common import respond


def handler(event, context):
    return respond(200, {"function": "any", "method": event["httpMethod"], "params": event["pathParameters"]})
