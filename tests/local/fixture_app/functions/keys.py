"""POST /v1/keys {"plan": "burst"}: an API key in moto's API Gateway on the named usage plan."""

import json
import os
import secrets

from fixture_common import client, respond


def handler(event, context):
    body = json.loads(event["body"] or "{}")
    apigateway = client("apigateway")
    wanted = f"{os.environ['FIXTURE_STACK']}-{body['plan']}"
    plan_id = next(p["id"] for p in apigateway.get_usage_plans()["items"] if p["name"] == wanted)
    value = secrets.token_hex(20)
    key = apigateway.create_api_key(name=f"fixture-{value[:6]}", enabled=body.get("enabled", True), value=value)
    apigateway.create_usage_plan_key(usagePlanId=plan_id, keyId=key["id"], keyType="API_KEY")
    return respond(201, {"id": key["id"], "value": value})
