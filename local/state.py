"""State across restarts: one JSON file (items, API keys, KMS key material, messages, quotas, secrets)."""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from local.motoserver import MOTO_LOCK
from local.resources import Keeper, Stack
from local.template import ACCOUNT_ID, REGION

log = logging.getLogger("local.state")

FORMAT_VERSION = 1
STATE_FILE = "state.json"


# -------------------------------------------------------------------------------------------- JSON with bytes
def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class StateDir:
    """The state directory: an exclusive lock (one runtime per directory) and the atomically replaced file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        self.file = self.path / STATE_FILE
        self._lock_handle: Any = None

    def lock(self) -> None:
        handle = open(self.path / ".lock", "w")  # noqa: SIM115 - held for the process's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise RuntimeError(f"another local runtime is using {self.path}") from None
        self._lock_handle = handle

    def unlock(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    def read(self) -> dict[str, Any] | None:
        if not self.file.exists():
            return None
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(f"state format {data.get('version')!r}, expected {FORMAT_VERSION}")
            return _decode(data)
        except ValueError as err:
            kept = self.file.with_name(f"{STATE_FILE}.unreadable-{int(time.time())}")
            self.file.rename(kept)
            log.error("state file unreadable (%s); kept as %s, starting empty", err, kept.name)
            return None

    def write(self, data: dict[str, Any]) -> None:
        tmp = self.file.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(_encode(data), handle, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.file)


# ------------------------------------------------------------------------------------------------ stable ids
class MotoKeeper(Keeper):
    """Gives the REST APIs, usage plans and KMS keys made at start-up the ids (and key material) they had."""

    def __init__(self, saved: dict[str, Any] | None) -> None:
        saved = saved or {}
        self.apis: dict[str, str] = dict((saved.get("apigateway") or {}).get("rest_apis") or {})
        self.plans: dict[str, str] = dict((saved.get("apigateway") or {}).get("usage_plans") or {})
        self.kms: dict[str, dict[str, Any]] = dict((saved.get("kms") or {}).get("keys") or {})

    def before_rest_api(self, logical_id: str, name: str) -> None:
        from moto.apigateway.utils import ApigwRestApiIdentifier

        self._custom_id(ApigwRestApiIdentifier(ACCOUNT_ID, REGION, name), self.apis.get(logical_id))

    def before_usage_plan(self, logical_id: str, name: str) -> None:
        from moto.apigateway.utils import ApigwUsagePlanIdentifier

        self._custom_id(ApigwUsagePlanIdentifier(ACCOUNT_ID, REGION, name), self.plans.get(logical_id))

    @staticmethod
    def _custom_id(identifier: Any, saved_id: str | None) -> None:
        from moto.utilities.id_generator import moto_id_manager

        if saved_id:
            moto_id_manager.set_custom_id(identifier, saved_id)
        else:
            moto_id_manager.unset_custom_id(identifier)

    def after_kms_key(self, logical_id: str, key_id: str) -> str:
        saved = self.kms.get(logical_id)
        if not saved:
            return key_id
        from moto.kms.models import kms_backends

        with MOTO_LOCK:
            backend = kms_backends[ACCOUNT_ID][REGION]
            key = backend.keys.pop(key_id)
            key.id = saved["key_id"]
            key.arn = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key.id}"
            key.key_material = saved["key_material"]
            if saved.get("creation_date"):
                key.creation_date = saved["creation_date"]
            backend.keys[key.id] = key
            tags = backend.tagger.list_tags_for_resource(key_id).get("Tags") or []
            if tags:
                backend.tagger.tag_resource(key.id, tags)
                backend.tagger.delete_all_tags_for_resource(key_id)
        return str(key.id)


# ---------------------------------------------------------------------------------------------- export/import
def export_state(stack: Stack, quota_counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    physical = stack.physical
    data: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "secrets": dict(stack.secret_values),
        "quotas": quota_counts,
        "dynamodb": _export_tables(physical.tables),
        "apigateway": _export_apigateway(physical.apis, physical.usage_plans),
        "kms": _export_kms(physical.kms_keys),
        "sqs": _export_queues(physical.queues),
    }
    return data


def _export_tables(tables: dict[str, str]) -> dict[str, Any]:
    """Every item in DynamoDB's wire format (as a Scan returns it), read from moto's backend in one locked pass:
    a consistent snapshot, without paging a full scan through HTTP every few seconds."""
    from moto.dynamodb.models import dynamodb_backends

    out = {}
    with MOTO_LOCK:
        backend = dynamodb_backends[ACCOUNT_ID][REGION]
        for logical_id, name in tables.items():
            table = backend.tables.get(name)
            items = [_boto_wire(item.to_json()["Attributes"]) for item in table.all_items()] if table else []
            out[logical_id] = {"table_name": name, "items": items}
    return out


def _boto_wire(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _boto_value(value) for name, value in attributes.items()}


def _boto_value(value: dict[str, Any]) -> dict[str, Any]:
    """moto's JSON form -> what boto3 returns and accepts: binary values as bytes, not base64 text."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": inner if isinstance(inner, bytes) else base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [v if isinstance(v, bytes) else base64.b64decode(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _boto_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_boto_value(v) for v in inner]}
    return {kind: inner}


def _export_apigateway(apis: dict[str, str], plans: dict[str, str]) -> dict[str, Any]:
    from moto.apigateway.models import apigateway_backends

    with MOTO_LOCK:
        backend = apigateway_backends[ACCOUNT_ID][REGION]
        keys: list[dict[str, Any]] = [
            {
                "id": key.id,
                "value": key.value,
                "name": key.name,
                "description": key.description,
                "enabled": bool(key.enabled),
                "customerId": key.customer_id,
                "createdDate": key.created_date,
                "tags": key.tags or {},
            }
            for key in backend.keys.values()
        ]
        plan_keys = {
            logical_id: list(backend.usage_plan_keys.get(plan_id, {})) for logical_id, plan_id in plans.items()
        }
    return {
        "rest_apis": dict(apis),
        "usage_plans": dict(plans),
        "api_keys": keys,
        "usage_plan_keys": plan_keys,
    }


def _export_kms(keys: dict[str, str]) -> dict[str, Any]:
    from moto.kms.models import kms_backends

    out = {}
    with MOTO_LOCK:
        backend = kms_backends[ACCOUNT_ID][REGION]
        for logical_id, key_id in keys.items():
            key = backend.keys.get(key_id)
            if key is None:
                continue
            out[logical_id] = {
                "key_id": key.id,
                "key_material": bytes(key.key_material),
                "creation_date": key.creation_date,
            }
    return {"keys": out}


def _export_queues(queues: dict[str, str]) -> dict[str, Any]:
    from moto.sqs.models import sqs_backends

    out = {}
    with MOTO_LOCK:
        backend = sqs_backends[ACCOUNT_ID][REGION]
        for logical_id, url in queues.items():
            queue = backend.queues.get(url.rstrip("/").rsplit("/", 1)[-1])
            if queue is None:
                continue
            messages = []
            for message in list(queue._messages):
                messages.append(
                    {
                        "body": message.body,
                        "attributes": dict(message.message_attributes or {}),
                        "group_id": message.group_id,
                        "deduplication_id": message.deduplication_id,
                    }
                )
            out[logical_id] = messages
    return out


def import_state(data: dict[str, Any], stack: Stack, session: Any) -> None:
    """Put the saved items, keys and messages back into freshly created resources."""
    physical = stack.physical
    ddb = session.client("dynamodb")
    for logical_id, saved in (data.get("dynamodb") or {}).items():
        table = physical.tables.get(logical_id)
        if table is None:
            log.warning(
                "saved table %s is no longer in the template; its %d items are dropped",
                logical_id,
                len(saved.get("items") or []),
            )
            continue
        for chunk in _chunks(saved.get("items") or [], 25):
            request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
            for _ in range(10):
                unprocessed = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                request = unprocessed
    _import_apigateway(data.get("apigateway") or {}, physical.usage_plans, session.client("apigateway"))
    sqs = session.client("sqs")
    for logical_id, messages in (data.get("sqs") or {}).items():
        url = physical.queues.get(logical_id)
        if url is None:
            continue
        for message in messages:
            kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": message["body"]}
            if message.get("attributes"):
                kwargs["MessageAttributes"] = message["attributes"]
            if message.get("group_id"):
                kwargs["MessageGroupId"] = message["group_id"]
            if message.get("deduplication_id"):
                kwargs["MessageDeduplicationId"] = message["deduplication_id"]
            sqs.send_message(**kwargs)


def _import_apigateway(saved: dict[str, Any], plans: dict[str, str], client: Any) -> None:
    from moto.apigateway.models import apigateway_backends
    from moto.apigateway.utils import ApigwApiKeyIdentifier
    from moto.utilities.id_generator import moto_id_manager

    existing: set[str] = set()
    for page in client.get_paginator("get_api_keys").paginate(includeValues=True):
        existing.update(item.get("value") for item in page.get("items", []))
    restored = set()
    for key in saved.get("api_keys") or []:
        if not key.get("value") or key["value"] in existing:
            continue
        identifier = ApigwApiKeyIdentifier(ACCOUNT_ID, REGION, key["value"])
        moto_id_manager.set_custom_id(identifier, key["id"])
        try:
            kwargs: dict[str, Any] = {
                "name": key.get("name") or key["id"],
                "value": key["value"],
                "enabled": bool(key.get("enabled")),
            }
            if key.get("description"):
                kwargs["description"] = key["description"]
            if key.get("customerId"):
                kwargs["customerId"] = key["customerId"]
            if key.get("tags"):
                kwargs["tags"] = key["tags"]
            client.create_api_key(**kwargs)
        finally:
            moto_id_manager.unset_custom_id(identifier)
        restored.add(key["id"])
        if key.get("createdDate"):
            with MOTO_LOCK:
                api_key = apigateway_backends[ACCOUNT_ID][REGION].keys.get(key["id"])
                if api_key is not None:
                    api_key.created_date = api_key.last_updated_date = int(key["createdDate"])
    for logical_id, key_ids in (saved.get("usage_plan_keys") or {}).items():
        plan_id = plans.get(logical_id)
        if plan_id is None:
            log.warning(
                "usage plan %s is no longer in the template; %d key(s) lose their plan",
                logical_id,
                len(key_ids),
            )
            continue
        for key_id in key_ids:
            if key_id in restored:
                client.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
