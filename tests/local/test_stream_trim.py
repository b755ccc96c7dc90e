"""Stream records that every consumer is past are dropped, without breaking sequence numbers."""

from __future__ import annotations

from pathlib import Path

import boto3
from moto import mock_aws

from local.events import EventSources
from local.lambdas import Functions
from local.template import Physical, Resolver, Template

FIXTURE = Path(__file__).parent / "fixture_app" / "template.yaml"


def _sequence_numbers(table: str) -> list[int]:
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["us-east-1"].get_table(table).stream_shard
    return [int(r.to_json()["dynamodb"]["SequenceNumber"]) for r in shard.items]


def test_trimmed_stream_keeps_numbering_its_new_records() -> None:
    with mock_aws():
        # Given a streamed table with 20 writes and no consumer
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        for i in range(20):
            client.put_item(TableName="t", Item={"pk": {"S": str(i)}})
        before = _sequence_numbers("t")
        resolver = Resolver(Template(FIXTURE), Physical())
        sources = EventSources(Functions({}), {}, resolver, boto3.session.Session(), on_change=lambda: None)
        # When the stream is trimmed to its last 5 records and one more write happens
        dropped = sources.trim_streams(keep=5)
        client.put_item(TableName="t", Item={"pk": {"S": "new"}})
        # Then 15 were dropped and the next record continues the numbering
        after = _sequence_numbers("t")
        assert dropped == 15
        assert after == [*before[-5:], before[-1] + 1]
