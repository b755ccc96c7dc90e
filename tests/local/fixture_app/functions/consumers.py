"""The stream, queue and schedule consumers: each leaves a trace in the table that tests read over HTTP."""

import json

from fixture_common import client, table


def _put(pk, **attrs):
    item = {"pk": {"S": pk}, "sk": {"S": "-"}}
    item.update({k: {"S": str(v)} for k, v in attrs.items()})
    client("dynamodb").put_item(TableName=table(), Item=item)


def _increment(pk):
    result = client("dynamodb").update_item(
        TableName=table(),
        Key={"pk": {"S": pk}, "sk": {"S": "-"}},
        UpdateExpression="ADD attempts :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(result["Attributes"]["attempts"]["N"])


def on_stream(event, context):
    poison = False
    for record in event["Records"]:
        item_id = record["dynamodb"]["Keys"]["pk"]["S"].removeprefix("ITEM#")
        _put(
            f"SEEN#{item_id}",
            event_name=record["eventName"],
            source=record["eventSource"],
            arn=record["eventSourceARN"],
            user=json.dumps(record.get("userIdentity")),
        )
        data = json.loads(record["dynamodb"].get("NewImage", {}).get("data", {}).get("S", "{}"))
        if data.get("poison"):
            _increment(f"POISON#{item_id}")
            poison = True
    if poison:
        raise RuntimeError("poison record")


def on_queue(event, context):
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        attempts = _increment(f"MSG#{body['id']}")
        if attempts <= int(body.get("fail_times", 0)):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def on_tick(event, context):
    _increment("TICK")
    _put("TICK#last", detail_type=event["detail-type"], source=event["source"])
