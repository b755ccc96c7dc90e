"""Items in the table, messages on the queues, KMS round trips: what stream, queue and state tests use."""

import base64
import json
import os

from fixture_common import client, respond, table

QUEUES = {
    "work": "WORK_QUEUE_URL",
    "parked": "PARKED_QUEUE_URL",
    "poison": "POISON_QUEUE_URL",
    "poison-dlq": "POISON_DLQ_URL",
    "stream-failures": "STREAM_FAILURES_URL",
}


def handler(event, context):
    route = (event["httpMethod"], event["resource"])
    params = event["pathParameters"] or {}
    body = json.loads(event["body"] or "{}")
    if route == ("PUT", "/v1/items/{item_id}"):
        item = {"pk": {"S": f"ITEM#{params['item_id']}"}, "sk": {"S": "-"}, "data": {"S": json.dumps(body)}}
        if "ttl" in body:
            item["ttl"] = {"N": str(body["ttl"])}
        client("dynamodb").put_item(TableName=table(), Item=item)
        return respond(200, {"ok": True})
    if route == ("POST", "/v1/batch"):
        # One BatchWriteItem: the BATCH# records are next to each other on the stream, so they make one batch.
        puts = [
            {"PutRequest": {"Item": {"pk": {"S": f"BATCH#{i['id']}"}, "sk": {"S": "-"}, "data": {"S": json.dumps(i)}}}}
            for i in body["items"]
        ]
        client("dynamodb").batch_write_item(RequestItems={table(): puts})
        return respond(200, {"ok": True})
    if route == ("GET", "/v1/items/{item_id}"):
        found = client("dynamodb").get_item(TableName=table(), Key={"pk": {"S": params["item_id"]}, "sk": {"S": "-"}})
        if "Item" not in found:
            return respond(404, {"error": "no such item"})
        return respond(200, {k: next(iter(v.values())) for k, v in found["Item"].items()})
    if route == ("POST", "/v1/messages/{queue}"):
        client("sqs").send_message(QueueUrl=os.environ[QUEUES[params["queue"]]], MessageBody=json.dumps(body))
        return respond(202, {"queued": True})
    if route == ("GET", "/v1/messages/{queue}"):
        got = client("sqs").receive_message(QueueUrl=os.environ[QUEUES[params["queue"]]], MaxNumberOfMessages=10)
        return respond(200, [json.loads(m["Body"]) for m in got.get("Messages", [])])
    if route == ("POST", "/v1/encrypt"):
        blob = client("kms").encrypt(KeyId=os.environ["KEY_ID"], Plaintext=body["text"].encode())["CiphertextBlob"]
        return respond(200, {"ciphertext": base64.b64encode(blob).decode()})
    if route == ("POST", "/v1/decrypt"):
        plain = client("kms").decrypt(CiphertextBlob=base64.b64decode(body["ciphertext"]))["Plaintext"]
        return respond(200, {"text": plain.decode()})
    return respond(404, {"error": "no route"})
