"""A handler that raises, and one that returns what API Gateway can't use."""


def handler(event, context):
    if event["resource"] == "/v1/crash":
        raise RuntimeError("secret detail that must not reach the client")
    return {"statusCode": 200, "body": {"not": "a string"}}
