"""A function with a variable of its own and a read-only role (tests/local/test_isolation_and_iam.py).

GET: its own variable (a KeyError when it is missing, as a handler that needs it fails), its process id, and
a mark it leaves on the layer module. POST: a write its role does not allow, answered with the error AWS gave.
"""

import os

import fixture_common
from botocore.exceptions import ClientError
from fixture_common import client, respond, table


def handler(event, context):
    if event["httpMethod"] == "GET":
        fixture_common.LEFT_BY = "isolated"  # module state: another function must never see it
        return respond(200, {"mine": os.environ["ISOLATED_ONLY"], "pid": os.getpid()})
    try:
        client("dynamodb").put_item(TableName=table(), Item={"pk": {"S": "ISOLATED#write"}, "sk": {"S": "-"}})
    except ClientError as err:
        return respond(403, {"code": err.response["Error"]["Code"], "message": err.response["Error"]["Message"]})
    return respond(201, {"written": True})
