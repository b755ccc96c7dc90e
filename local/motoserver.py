"""moto's threaded server, one request at a time, so DynamoDB's conditional writes stay atomic, and with API
Gateway's CreateApiKey quota (5 a second per account) applied to the calls functions make."""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from decimal import Context, Decimal
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local.limits import TokenBucket

log = logging.getLogger("local.motoserver")

# Held while moto serves a request, and by the runtime while it reads or writes moto's backends directly.
MOTO_LOCK = threading.RLock()

# Long polls wait inside moto; holding the lock there would stall every other AWS call.
_UNLOCKED_TARGETS = {"AmazonSQS.ReceiveMessage"}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


_READ_ONLY_ACTIONS = (
    "Get",
    "List",
    "Describe",
    "Query",
    "Scan",
    "BatchGet",
    "Receive",
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "GenerateRandom",
    "ReEncrypt",
    "Verify",
    "Sign",
)


def is_write(environ: dict[str, Any]) -> bool:
    """Whether a moto request may change what the runtime saves (reads, KMS crypto and receives don't)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return not target.rpartition(".")[2].startswith(_READ_ONLY_ACTIONS)
    return environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD", "OPTIONS")


class SerializedApp:
    """WSGI middleware: each moto request runs alone (moto's backends have no locks of their own).

    `on_write` is called after every request that may have changed state: the runtime saves when it was.
    """

    def __init__(self, app: WsgiApp, on_write: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_write = on_write

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        write = is_write(environ)
        try:
            if environ.get("HTTP_X_AMZ_TARGET") in _UNLOCKED_TARGETS:
                return self.app(environ, start_response)
            with MOTO_LOCK:
                result = self.app(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
        finally:
            if write and self.on_write is not None:
                self.on_write()


# ------------------------------------------------------------------------------------ API Gateway's own limits
# API Gateway's management API has fixed per-account quotas; CreateApiKey's is 5 requests a second, and above it
# the answer is 429 TooManyRequestsException. Sign-ups and new API keys each create one, so a burst of them meets
# it deployed; this makes it meet it locally too. AWS does not publish the burst: a bucket of 5 is assumed.
CREATE_API_KEY_RATE = 5.0
CREATE_API_KEY_BURST = 5
# Lambda sets AWS_EXECUTION_ENV and botocore names it in its User-Agent: the calls a function makes carry it.
# The runtime's own calls (restoring saved keys at start) stand in for no AWS traffic and are not limited.
_FROM_LAMBDA = "exec-env/AWS_Lambda"


def is_create_api_key(environ: dict[str, Any]) -> bool:
    """API Gateway's CreateApiKey (`POST /apikeys`, signed for the `apigateway` service)."""
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("PATH_INFO", "").rstrip("/") == "/apikeys"
        and "/apigateway/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")
    )


def from_a_function(environ: dict[str, Any]) -> bool:
    return _FROM_LAMBDA in environ.get("HTTP_USER_AGENT", "")


class ApiGatewayLimits:
    """WSGI middleware: CreateApiKey calls from functions share one token bucket (5 a second, burst 5); a call
    that finds it empty is answered as API Gateway answers, 429 TooManyRequestsException, and moto never sees it.
    """

    def __init__(
        self,
        app: WsgiApp,
        rate: float = CREATE_API_KEY_RATE,
        burst: int = CREATE_API_KEY_BURST,
        clock: Callable[[], float] = time.monotonic,
        applies: Callable[[dict[str, Any]], bool] = from_a_function,
    ) -> None:
        self.app = app
        self.clock = clock
        self.applies = applies
        self.bucket = TokenBucket(rate, burst, clock())
        self.throttled = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_create_api_key(environ) and self.applies(environ):
            with self._lock:
                wait = self.bucket.take(self.clock())
                if wait > 0:
                    self.throttled += 1
            if wait > 0:
                log.info("CreateApiKey throttled: 429 TooManyRequestsException (5 a second per account)")
                body = json.dumps({"message": "Too Many Requests"}).encode()
                start_response(
                    "429 Too Many Requests",
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))),
                        ("x-amzn-RequestId", str(uuid.uuid4())),
                        ("x-amzn-ErrorType", "TooManyRequestsException"),
                        ("Retry-After", str(max(1, math.ceil(wait)))),
                    ],
                )
                return [body]
        return self.app(environ, start_response)


def _limits_on() -> bool:
    """PROMPTBANK_RATE_LIMITS (the switch of the gateway's usage-plan limits) switches these too."""
    return os.environ.get("PROMPTBANK_RATE_LIMITS", "on").strip().lower() not in ("off", "false", "0", "no")


class LockedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose app is wrapped in SerializedApp, and in ApiGatewayLimits unless
    `api_gateway_limits` is False (None: PROMPTBANK_RATE_LIMITS decides, on unless it is `off`)."""

    def __init__(
        self,
        ip_address: str = "127.0.0.1",
        port: int = 0,
        on_write: Callable[[], None] | None = None,
        api_gateway_limits: bool | None = None,
    ) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.on_write = on_write
        self.limits: ApiGatewayLimits | None = None
        self._limits_on = _limits_on() if api_gateway_limits is None else api_gateway_limits

    def _server_entry(self) -> None:
        app: WsgiApp = SerializedApp(DomainDispatcherApplication(create_backend_app), self.on_write)
        if self._limits_on:
            app = self.limits = ApiGatewayLimits(app)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        # As in the gateway: no Nagle stalls (~40 ms) on every DynamoDB call the handlers make.
        self._server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.05)

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


# ------------------------------------------------------------------------------------------ cheaper transactions
# moto backs up every table a TransactWriteItems names with copy.deepcopy(table), once per operation, so each
# transaction costs time and memory in proportion to the whole table (and its stream). Instead, the backup is
# the items the transaction touches plus the stream's length; the table itself is not copied.
_snapshot = threading.local()
_patched = False
_originals: dict[str, Any] = {}


def _table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    if getattr(_snapshot, "active", False):
        return self  # moto's whole-table "backup": kept by reference, restored by install_moto_patches' wrapper
    cls = type(self)
    result = object.__new__(cls)
    memo[id(self)] = result
    for key, value in self.__dict__.items():
        setattr(result, key, copy.deepcopy(value, memo))
    return result


def install_moto_patches() -> None:
    """Make moto's TransactWriteItems cost what the transaction touches, and its number arithmetic DynamoDB's.
    Idempotent."""
    global _patched
    if _patched:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {}
        stream_lengths: dict[str, int] = {}
        for entry in transact_items[:100]:
            op: Any = next(iter(entry.values()), {}) if isinstance(entry, dict) else {}
            name = op.get("TableName") if isinstance(op, dict) else None
            if not name or name not in self.tables:
                continue
            table = self.tables[name]
            try:
                if "Item" in op:
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                marker = (name, json.dumps(key, sort_keys=True))
                if marker not in touched:
                    touched[marker] = (name, key, copy.deepcopy(self.get_item(name, key)))
            except Exception:  # noqa: S112 - a malformed operation: moto's own validation answers it
                continue
            if table.stream_shard is not None:
                stream_lengths.setdefault(name, len(table.stream_shard.items))
        _snapshot.active = True
        try:
            original(self, transact_items)
        except Exception:
            _snapshot.active = False
            for name, key, item in touched.values():
                table = self.tables[name]
                hash_value, range_value = self.get_keys_value(table, key)
                if item is None:
                    table.delete_item(hash_value, range_value)
                else:
                    table.put_item(item.to_json()["Attributes"])
            for name, length in stream_lengths.items():
                shard = self.tables[name].stream_shard
                if shard is not None:
                    del shard.items[length:]  # a cancelled transaction leaves no stream records
            raise
        finally:
            _snapshot.active = False

    _originals["transact_write_items"] = original
    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _install_request_tokens()
    _install_number_arithmetic()
    _patched = True


# ------------------------------------------------------------------------------- idempotent transactions
# DynamoDB makes a TransactWriteItems with a ClientRequestToken idempotent for 10 minutes: the same call again
# (as the SDK sends when a response timed out after the transaction was applied) succeeds without applying it
# twice, and the same token with other items is IdempotentParameterMismatchException. moto ignores the token;
# this keeps the contract, so a retried write in the local runtime behaves as it does deployed.
TOKEN_TTL_S = 600.0
_tokens: dict[str, tuple[str, float]] = {}


def _install_request_tokens() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.transact_write_items

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        # Binary attributes arrive decoded to bytes; their repr is as good a digest input as their base64.
        digest = json.dumps(self.body.get("TransactItems"), sort_keys=True, default=repr)
        moment = time.monotonic()
        for old in [t for t, (_, at) in _tokens.items() if moment - at > TOKEN_TTL_S]:
            del _tokens[old]
        seen = _tokens.get(token)
        if seen is not None:
            if seen[0] != digest:
                raise DynamodbException(
                    ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                    "The request uses the same client token as a previous, but non-identical request.",
                )
            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})  # what a success answers
        result = original(self)
        _tokens[token] = (digest, moment)  # only a transaction that succeeded is remembered
        return result

    _originals["transact_write_items_handler"] = original
    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]


# ----------------------------------------------------------------------------------- number arithmetic (ADD, +, -)
# A DynamoDB number is a decimal of up to 38 digits in any notation boto3 sends: str(Decimal) writes "1E-7" or
# "0E-8" for small or zero-with-exponent values. moto's DynamoType.__add__/__sub__ parse a number without a "."
# with int(), which raises ValueError on those, so an `ADD cost :c` on such a value cancelled the transaction
# (reason "ValueError") where DynamoDB adds. Here every operand is a Decimal and the result is written as
# DynamoDB answers numbers: no exponent, no trailing zeros.
_NUMBERS = Context(prec=38)  # DynamoDB's precision


def _number_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(_NUMBERS), "f")


def _install_number_arithmetic() -> None:
    from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

    original_add, original_sub = DynamoType.__add__, DynamoType.__sub__

    def add(self: Any, other: Any) -> Any:
        if self.type == other.type == DDBType.NUMBER:
            return DynamoType({DDBType.NUMBER: _number_text(_NUMBERS.add(Decimal(self.value), Decimal(other.value)))})
        return original_add(self, other)

    def sub(self: Any, other: Any) -> Any:
        if self.type == other.type == DDBType.NUMBER:
            return DynamoType(
                {DDBType.NUMBER: _number_text(_NUMBERS.subtract(Decimal(self.value), Decimal(other.value)))}
            )
        return original_sub(self, other)

    _originals["dynamo_type_add"], _originals["dynamo_type_sub"] = original_add, original_sub
    DynamoType.__add__ = add  # type: ignore[method-assign]
    DynamoType.__sub__ = sub  # type: ignore[method-assign]


def uninstall_moto_patches() -> None:
    """Undo install_moto_patches (for tests that install it in a shared process)."""
    global _patched
    if not _patched:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    DynamoDBBackend.transact_write_items = _originals.pop("transact_write_items")  # type: ignore[method-assign]
    DynamoHandler.transact_write_items = _originals.pop("transact_write_items_handler")  # type: ignore[method-assign]
    from moto.dynamodb.models.dynamo_type import DynamoType

    DynamoType.__add__ = _originals.pop("dynamo_type_add")  # type: ignore[method-assign]
    DynamoType.__sub__ = _originals.pop("dynamo_type_sub")  # type: ignore[method-assign]
    _tokens.clear()
    del Table.__deepcopy__  # type: ignore[attr-defined]
    _patched = False
