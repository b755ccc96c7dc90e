"""moto's TransactWriteItems with the runtime's cheaper backup: a cancelled transaction still changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from local.motoserver import install_moto_patches, uninstall_moto_patches


@pytest.fixture
def ddb() -> Iterator[object]:
    install_moto_patches()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            client.create_table(
                TableName="t",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )
            client.put_item(TableName="t", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
            yield client
    finally:
        uninstall_moto_patches()


def _stream_length() -> int:
    from moto.dynamodb.models import dynamodb_backends

    return len(dynamodb_backends["123456789012"]["us-east-1"].get_table("t").stream_shard.items)


def test_cancelled_transaction_leaves_items_and_stream_as_they_were(ddb) -> None:
    # Given an item a (n = 1) and one stream record
    before = _stream_length()
    # When a transaction puts b, updates a, deletes nothing, and fails its last condition
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "a"}},
                        "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "c"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    # Then b doesn't exist, a is unchanged and the stream got no records
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    assert _stream_length() == before


def test_successful_transaction_applies_every_operation(ddb) -> None:
    # Given item a
    # When a transaction deletes a and puts b
    ddb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": "t", "Key": {"pk": {"S": "a"}}}},
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    # Then both happened
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})
    assert "Item" in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})


def test_tables_still_deep_copy_outside_transactions(ddb) -> None:
    # Given the patch is installed
    import copy

    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"]["us-east-1"].get_table("t")
    # When a table is deep-copied outside a transaction
    copied = copy.deepcopy(table)
    # Then it is a real copy
    assert copied is not table and copied.items is not table.items


def test_state_export_reads_items_as_boto3_returns_them(ddb) -> None:
    # Given an item with binary values at the top level, in a map, a list and a set
    from local.state import _export_tables

    item = {
        "pk": {"S": "bin"},
        "b": {"B": b"\x00\xff"},
        "m": {"M": {"inner": {"B": b"\x01"}, "n": {"N": "3"}}},
        "l": {"L": [{"B": b"\x02"}, {"S": "x"}]},
        "bs": {"BS": [b"\x03", b"\x04"]},
    }
    ddb.put_item(TableName="t", Item=item)
    # When the table is exported for the state file
    exported = _export_tables({"T": "t"})["T"]["items"]
    # Then the item is what a Scan through boto3 returns (bytes for binary), ready for BatchWriteItem
    scanned = {i["pk"]["S"]: i for i in ddb.scan(TableName="t")["Items"]}
    assert {i["pk"]["S"]: i for i in exported} == scanned


def _put_b(ddb, token: str, value: str = "1") -> None:
    ddb.transact_write_items(
        ClientRequestToken=token,
        TransactItems=[
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":one": {"N": value}},
                }
            }
        ],
    )


def test_a_transaction_sent_again_with_its_token_is_applied_once(ddb) -> None:
    # Given a transaction that adds 1 to a.n (1), applied with a client request token
    _put_b(ddb, "token-1")
    # When the same call is sent again with the same token (as the SDK does after a timed-out response)
    _put_b(ddb, "token-1")
    # Then it succeeded both times but was applied once; another token applies again
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "2"}
    _put_b(ddb, "token-2")
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "3"}


def test_a_token_reused_with_other_items_is_refused(ddb) -> None:
    # Given a transaction applied with a token
    _put_b(ddb, "token-3")
    # When another transaction uses the same token
    with pytest.raises(ddb.exceptions.IdempotentParameterMismatchException):
        _put_b(ddb, "token-3", value="5")
    # Then it changed nothing
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "2"}


@pytest.mark.parametrize(
    ("stored", "added", "total"),
    [("0E-8", "1E-7", "0.0000001"), ("1E-7", "2", "2.0000001"), ("1.50", "0E-8", "1.5"), ("3", "4", "7")],
)
def test_add_takes_numbers_in_any_notation_boto3_writes(ddb, stored, added, total) -> None:
    # Given a number stored as boto3 writes a small or zero Decimal (str(Decimal("0E-8")) is "0E-8")
    ddb.put_item(TableName="t", Item={"pk": {"S": "n"}, "cost": {"N": stored}})
    # When a transaction ADDs another such number to it, as the run-stats consumer does
    ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "n"}},
                    "UpdateExpression": "ADD cost :c",
                    "ExpressionAttributeValues": {":c": {"N": added}},
                }
            }
        ]
    )
    # Then it is added, as DynamoDB adds (moto's int() parse cancelled the transaction with a ValueError)
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "n"}})["Item"]["cost"] == {"N": total}


def test_set_arithmetic_subtracts_numbers_in_exponent_notation(ddb) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "n"}, "v": {"N": "1E+1"}})
    ddb.update_item(
        TableName="t",
        Key={"pk": {"S": "n"}},
        UpdateExpression="SET v = v - :d",
        ExpressionAttributeValues={":d": {"N": "5E-1"}},
    )
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "n"}})["Item"]["v"] == {"N": "9.5"}
