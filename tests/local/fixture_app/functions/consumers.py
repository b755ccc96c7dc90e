"""The stream, queue and schedule consumers: each leaves a trace in the table that tests read over HTTP."""

import json

from fixture_common import client, table


def _put(pk, **attrs):
    item = {"pk": {"S": pk}, "sk": {"S": "-"}}
    item.update({k: {"S": str(v)} for k, v in attrs.items()})
    client("dynamodb").put_item(TableName=table(), Item=item)


def _increment(pk, **attrs):
    """ADD 1 to the item's `attempts` (and SET `attrs` as strings); returns the new count."""
    update, extra = "ADD attempts :one", {}
    if attrs:
        update += " SET " + ", ".join(f"#{k} = :{k}" for k in attrs)
        extra["ExpressionAttributeNames"] = {f"#{k}": k for k in attrs}
    result = client("dynamodb").update_item(
        TableName=table(),
        Key={"pk": {"S": pk}, "sk": {"S": "-"}},
        UpdateExpression=update,
        ExpressionAttributeValues={":one": {"N": "1"}, **{f":{k}": {"S": str(v)} for k, v in attrs.items()}},
        ReturnValues="UPDATED_NEW",
        **extra,
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


def on_stream_batch(event, context):
    """BATCH# records: raises when the batch has a `poison` one; reports a `fail_times` one as failed that often.
    TRIED#<id> counts the batches a record was in (with its sequence number), ALONE#<id> those it was alone in,
    DONE#<id> marks it processed."""
    records = event["Records"]
    poison = False
    failures, done = [], []
    for record in records:
        item_id = record["dynamodb"]["Keys"]["pk"]["S"].removeprefix("BATCH#")
        sequence_number = record["dynamodb"]["SequenceNumber"]
        tries = _increment(f"TRIED#{item_id}", seq=sequence_number)
        if len(records) == 1:
            _increment(f"ALONE#{item_id}")
        data = json.loads(record["dynamodb"]["NewImage"]["data"]["S"])
        if data.get("poison"):
            poison = True
        elif tries <= int(data.get("fail_times", 0)):
            failures.append({"itemIdentifier": sequence_number})
        else:
            done.append(item_id)
    if poison:
        raise RuntimeError("poison record")
    for item_id in done:
        _put(f"DONE#{item_id}")
    return {"batchItemFailures": failures}


def on_queue(event, context):
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        attempts = _increment(f"MSG#{body['id']}")
        if body.get("raise"):
            raise RuntimeError("poison message")
        if attempts <= int(body.get("fail_times", 0)):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def on_tick(event, context):
    _increment("TICK")
    _put("TICK#last", detail_type=event["detail-type"], source=event["source"])
