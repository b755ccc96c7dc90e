"""A REQUEST authorizer: `Bearer key:<api key value>` allows, `deny` denies, `boom` fails, nothing is 401."""

import json

SEEN = (
    "type",
    "methodArn",
    "resource",
    "path",
    "httpMethod",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
)


def handler(event, context):
    token = (event.get("headers") or {}).get("Authorization", "")
    if not token.startswith("Bearer "):
        raise Exception("Unauthorized")
    token = token[len("Bearer ") :]
    arn_base = event["methodArn"].split("/", 1)[0]
    stage = event["methodArn"].split("/")[1]
    if token == "boom":
        raise RuntimeError("authorizer bug")
    if token == "deny":
        return {"principalId": "someone", "policyDocument": _policy("Deny", f"{arn_base}/{stage}/*")}
    if token.startswith("key:"):
        return {
            "principalId": "user-1",
            "policyDocument": _policy("Allow", f"{arn_base}/{stage}/*"),
            "context": {
                "user_id": "user-1",
                "count": 7,
                "admin": False,
                # What this authorizer was called with, for the tests (context values must be flat).
                "seen": json.dumps(
                    {
                        **{k: event.get(k) for k in SEEN},
                        "header_names": sorted(event.get("headers") or {}),
                        "request_id": event["requestContext"]["requestId"],
                    }
                ),
            },
            "usageIdentifierKey": token[len("key:") :],
        }
    raise Exception("Unauthorized")


def _policy(effect, resource):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }
