"""The store base: an injected low-level DynamoDB client, (de)serialisation, conditional writes, error translation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from promptbank.errors import Conflict, PromptbankError
from promptbank.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    """One client per container, created on first use and reused across invocations."""
    import boto3
    from botocore.config import Config

    # A read timeout makes the SDK retry a request that may have been applied: transactions carry a
    # ClientRequestToken (`Store.transact`), so a retried one is not applied twice; other writes are written to
    # recognise their own earlier success (see PromptService/AccountService).
    config = Config(connect_timeout=2, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.client("dynamodb", config=config)


def _plain(value: Any) -> Any:
    """Python value -> something TypeSerializer accepts (floats become Decimals; None is dropped by callers)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _python(value: Any) -> Any:
    """Deserialised value -> plain Python (Decimals become int or float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_python(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_plain(v)) for k, v in item.items() if v is not None}


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _python(_deserializer.deserialize(v)) for k, v in item.items()}


def resume_key(item: Mapping[str, Any], index: str | None = None) -> dict[str, Any]:
    """The wire-format `ExclusiveStartKey` that resumes a query of the table (or of `index`: every index of the
    table is `<index>pk`/`<index>sk`) right after `item`."""
    names = ("pk", "sk") if index is None else ("pk", "sk", f"{index}pk", f"{index}sk")
    return serialize({name: item[name] for name in names})


ConflictFactory = Callable[[], PromptbankError]


def listed_item(
    record: Mapping[str, Any], *, pk: str, sk: str, kind: str, owner: str, **indexes: str
) -> dict[str, Any]:
    """`record` as an item keyed `pk`/`sk`, listed on gsi1 under `owner` by `<created_at>#<id>` (the shape of every
    "a user's X, newest first" list), with any other index keys given; null attributes are left out (an item
    holds no nulls)."""
    item = {
        **record,
        "pk": pk,
        "sk": sk,
        "kind": kind,
        "gsi1pk": owner,
        "gsi1sk": f"{record['created_at']}#{record['id']}",
        **indexes,
    }
    return {key: value for key, value in item.items() if value is not None}


class TransactionConflict(Conflict):
    """Another transaction held one of the items: safe to read again and retry."""

    default_message = "A concurrent change touched the same resource; retry"


class TableStore:
    """Base of every store: owns the table name and client, and turns DynamoDB failures into domain errors."""

    def __init__(self, client: DynamoDBClient | None = None, table_name: str | None = None) -> None:
        self._client = client
        self.table_name = table_name or get_settings().table_name

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

    # reads -----------------------------------------------------------------------------------------------
    def get(self, pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table_name, Key=serialize({"pk": pk, "sk": sk}), ConsistentRead=consistent
        )
        item = response.get("Item")
        return deserialize(item) if item else None

    def query(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        *,
        index: str | None = None,
        names: Mapping[str, str] | None = None,
        filter_expression: str | None = None,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        forward: bool = True,
        consistent: bool = False,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page. `start_key`/returned key are in DynamoDB's wire format (what cursors carry)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": serialize(values),
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        else:
            kwargs["ConsistentRead"] = consistent
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if filter_expression:
            kwargs["FilterExpression"] = filter_expression
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = dict(start_key)
        try:
            response = self.client.query(**kwargs)
        except ClientError as err:
            # A forged but validly signed start key cannot happen; a stale one (item shape changed) is a bad cursor.
            if err.response["Error"]["Code"] == "ValidationException" and start_key:
                from promptbank.errors import ValidationFailed

                raise ValidationFailed.field("cursor", "Invalid cursor") from None
            raise
        return [deserialize(i) for i in response.get("Items", [])], response.get("LastEvaluatedKey")

    def query_page(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        *,
        limit: int,
        start_key: Mapping[str, Any] | None = None,
        index: str | None = None,
        filter_expression: str | None = None,
        min_read: int = 0,
        **kwargs: Any,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a cursor-paged list: up to `limit` items (that pass the filter) from `start_key` on, and
        the key that resumes right after the last of them, or None when no item follows it: a last page that
        is exactly full carries no cursor (API.md §1: no empty extra page).

        Each request asks for one item more than the page still needs; that item, when it comes, says a next
        page exists at no extra request (a `Limit=1` probe would cost one more request on every full page).
        A filtered query reads at least `min_read` items per request, since the filter drops some of them.
        `kwargs` are `query`'s (`names`, `forward`, `consistent`).
        """
        found: list[dict[str, Any]] = []
        start = start_key
        while True:
            wanted = limit + 1 - len(found)
            items, last = self.query(
                key_condition,
                values,
                index=index,
                filter_expression=filter_expression,
                limit=max(wanted, min_read) if filter_expression else wanted,
                start_key=start,
                **kwargs,
            )
            for item in items:
                if len(found) == limit:
                    return found, resume_key(found[-1], index)
                found.append(item)
            if not last:
                return found, None
            start = last

    def query_all(self, key_condition: str, values: Mapping[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self.query(key_condition, values, start_key=start, **kwargs)
            items.extend(page)
            if not start:
                return items

    # writes ----------------------------------------------------------------------------------------------
    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        on_conflict: ConflictFactory | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Item": serialize(item)}
        _add_condition(kwargs, condition, names, values)
        try:
            self.client.put_item(**kwargs)
        except ClientError as err:
            raise _translate(err, on_conflict) from None

    def update(
        self,
        pk: str,
        sk: str,
        expression: str,
        *,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        condition: str | None = None,
        on_conflict: ConflictFactory | None = None,
        return_new: bool = False,
    ) -> dict[str, Any] | None:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": serialize({"pk": pk, "sk": sk}),
            "UpdateExpression": expression,
        }
        _add_condition(kwargs, condition, names, values)
        if return_new:
            kwargs["ReturnValues"] = "ALL_NEW"
        try:
            response = self.client.update_item(**kwargs)
        except ClientError as err:
            raise _translate(err, on_conflict) from None
        attrs = response.get("Attributes")
        return deserialize(attrs) if attrs else None

    def delete(
        self,
        pk: str,
        sk: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        on_conflict: ConflictFactory | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Key": serialize({"pk": pk, "sk": sk})}
        _add_condition(kwargs, condition, names, values)
        try:
            self.client.delete_item(**kwargs)
        except ClientError as err:
            raise _translate(err, on_conflict) from None

    def transact(self, operations: Iterable[TransactOp], *, on_conflict: TransactConflict | None = None) -> None:
        """All or nothing. `on_conflict(index)` names the error for the first operation whose condition failed."""
        ops = list(operations)
        items = [op.render(self.table_name) for op in ops]
        try:
            # The token makes the SDK's own retry of this call (after a timeout, when the transaction may already
            # be applied) answer success instead of applying it again or failing its conditions on itself.
            self.client.transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
        except ClientError as err:
            code = err.response["Error"]["Code"]
            if code == "TransactionCanceledException":
                reasons = err.response.get("CancellationReasons") or []
                for index, reason in enumerate(reasons):
                    if reason.get("Code") == "ConditionalCheckFailed":
                        raise (on_conflict(index) if on_conflict else Conflict()) from None
                if any(r.get("Code") == "TransactionConflict" for r in reasons):
                    raise TransactionConflict() from None
                # an unexpected reason: name each operation's, so the log says which one failed and why
                err.add_note("cancellation reasons: " + "; ".join(
                    f"{i}: {r.get('Code')} {r.get('Message', '')}" for i, r in enumerate(reasons) if r.get("Code") != "None"
                ))
            raise


class TransactOp:
    """One operation of a transaction: `TransactOp.put(...)`, `.update(...)`, `.delete(...)`, `.check(...)`."""

    def __init__(self, kind: str, body: dict[str, Any]) -> None:
        self.kind, self.body = kind, body

    @classmethod
    def put(cls, item: Mapping[str, Any], condition: str | None = None, **kw: Any) -> TransactOp:
        body: dict[str, Any] = {"Item": serialize(item)}
        _add_condition(body, condition, kw.get("names"), kw.get("values"))
        return cls("Put", body)

    @classmethod
    def update(cls, pk: str, sk: str, expression: str, condition: str | None = None, **kw: Any) -> TransactOp:
        body: dict[str, Any] = {"Key": serialize({"pk": pk, "sk": sk}), "UpdateExpression": expression}
        _add_condition(body, condition, kw.get("names"), kw.get("values"))
        return cls("Update", body)

    @classmethod
    def delete(cls, pk: str, sk: str, condition: str | None = None, **kw: Any) -> TransactOp:
        body: dict[str, Any] = {"Key": serialize({"pk": pk, "sk": sk})}
        _add_condition(body, condition, kw.get("names"), kw.get("values"))
        return cls("Delete", body)

    @classmethod
    def check(cls, pk: str, sk: str, condition: str, **kw: Any) -> TransactOp:
        body: dict[str, Any] = {"Key": serialize({"pk": pk, "sk": sk})}
        _add_condition(body, condition, kw.get("names"), kw.get("values"))
        return cls("ConditionCheck", body)

    def render(self, table_name: str) -> dict[str, Any]:
        return {self.kind: {"TableName": table_name, **self.body}}


TransactConflict = Callable[[int], PromptbankError]


def dedupe(ops: Iterable[TransactOp]) -> list[TransactOp]:
    """A transaction may touch an item once; later operations on the same key win."""
    by_key: dict[tuple[str, str], TransactOp] = {}
    for op in ops:
        key = op.body.get("Key") or {"pk": op.body["Item"]["pk"], "sk": op.body["Item"]["sk"]}
        by_key[(key["pk"]["S"], key["sk"]["S"])] = op
    return list(by_key.values())


def _add_condition(
    kwargs: dict[str, Any],
    condition: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> None:
    if condition:
        kwargs["ConditionExpression"] = condition
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    if values:
        kwargs["ExpressionAttributeValues"] = serialize(values)


def _translate(err: ClientError, on_conflict: ConflictFactory | None) -> Exception:
    if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
        return on_conflict() if on_conflict else Conflict()
    return err
