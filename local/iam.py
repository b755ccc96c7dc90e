"""IAM in the local runtime: every AWS call a function makes is checked against the role SAM would give it.

The roles come from template.yaml expanded by samtranslator, the library `sam build`/`sam deploy` use (policy
templates such as `DynamoDBCrudPolicy`, inline statements, the managed policies SAM adds for event sources),
then resolved with the runtime's own intrinsic-function resolver (local.template.Resolver), so resource ARNs are
the local stack's. A call is turned into the IAM request(s) AWS would evaluate (action, resource ARN, condition
keys) and evaluated the way IAM evaluates identity policies: an explicit Deny wins, else an Allow must match,
else it is denied. A denied call raises the `ClientError` botocore raises for AWS's own AccessDeniedException,
before anything is sent. docs/local-runtime.md ("IAM") says what is and isn't modelled.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from local.template import ACCOUNT_ID, NO_VALUE, PARTITION, REGION, Resolver, Template

log = logging.getLogger("local.iam")

#: The managed policies SAM attaches, by ARN, as their statements (AWS's published documents, trimmed to the
#: actions a function can call). Others are unknown locally: they grant nothing, with a warning.
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
    ],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
            "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"]},
    ],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]},
    ],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]},
    ],
}

#: Calls IAM never evaluates (anyone may make them).
UNCHECKED = {("sts", "GetCallerIdentity")}
#: The IAM action of each item of a transaction or batch.
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck":
                     "ConditionCheckItem", "Get": "GetItem"}


class AccessDenied(Exception):
    """A policy problem found before any call: the role cannot do what the template wires it to do."""


# ---------------------------------------------------------------------------------------------- evaluation
def _pattern(text: str, *, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` one; nothing else is special."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@cache
def _compiled(text: str, ignore_case: bool) -> re.Pattern[str]:
    return _pattern(text, ignore_case=ignore_case)


def _like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _compare(operator: str, wanted: str, actual: Any) -> bool:
    text = str(actual)
    if operator in ("StringEquals", "ArnEquals"):
        return text == wanted
    if operator == "StringEqualsIgnoreCase":
        return text.lower() == wanted.lower()
    if operator in ("StringLike", "ArnLike"):
        return _like(wanted, text)
    if operator == "Bool":
        return text.lower() == str(wanted).lower()
    if operator.startswith("Numeric"):
        try:
            a, b = float(text), float(wanted)
        except ValueError:
            return False
        return {"NumericEquals": a == b, "NumericLessThan": a < b, "NumericLessThanEquals": a <= b,
                "NumericGreaterThan": a > b, "NumericGreaterThanEquals": a >= b}.get(operator, False)
    raise KeyError(operator)


_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals",
            "ArnNotLike": "ArnLike", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "NumericNotEquals": "NumericEquals"}


def condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, Any]) -> bool:
    """One condition operator on one key, as IAM evaluates it (set operators and `IfExists` included)."""
    qualifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    present = key in context and context[key] is not None
    values = [str(v) for v in _listed(wanted)]
    if op == "Null":
        return (not present) == (str(values[0]).lower() == "true")
    if not present:
        if qualifier == "ForAllValues":
            return True
        return if_exists or (op in _NEGATED and qualifier == "")
    negated = op in _NEGATED
    base = _NEGATED.get(op, op)
    actual = _listed(context[key])

    def one(item: Any) -> bool:
        hit = any(_compare(base, v, item) for v in values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(map(one, actual))
    if qualifier == "ForAnyValue" or len(actual) != 1:
        return any(map(one, actual))
    return one(actual[0])


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Statement:
        def strings(name: str) -> tuple[str, ...]:
            return tuple(str(v) for v in _listed(raw.get(name)) if v is not NO_VALUE)

        return cls(
            effect=str(raw.get("Effect", "Allow")),
            actions=strings("Action"),
            not_actions=strings("NotAction"),
            resources=strings("Resource"),
            not_resources=strings("NotResource"),
            conditions=dict(raw.get("Condition") or {}),
        )

    def applies(self, action: str, resource: str, context: Mapping[str, Any]) -> bool:
        if self.actions and not any(_like(a, action, ignore_case=True) for a in self.actions):
            return False
        if self.not_actions and any(_like(a, action, ignore_case=True) for a in self.not_actions):
            return False
        if self.resources and not any(_like(r, resource) for r in self.resources):
            return False
        if self.not_resources and any(_like(r, resource) for r in self.not_resources):
            return False
        try:
            return all(
                condition_holds(operator, key, wanted, context)
                for operator, pairs in self.conditions.items()
                for key, wanted in pairs.items()
            )
        except KeyError:  # an operator this module does not model: never grant through it
            return self.effect == "Deny"


@dataclass(frozen=True)
class Request:
    """What IAM evaluates for (part of) one call."""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RolePolicy:
    """A function's role: the statements of every policy attached to it."""

    function: str
    role_name: str
    statements: Sequence[Statement]
    #: Local facts the request mapping needs: table name -> partition key name, KMS alias -> key id.
    table_keys: Mapping[str, str] = field(default_factory=dict)
    kms_aliases: Mapping[str, str] = field(default_factory=dict)

    def allows(self, request: Request) -> bool:
        allowed = False
        for statement in self.statements:
            if statement.applies(request.action, request.resource, request.context):
                if statement.effect == "Deny":
                    return False
                allowed = True
        return allowed

    def denial(self, request: Request) -> str:
        """AWS's message for an identity-policy denial."""
        return (
            f"User: arn:{PARTITION}:sts::{ACCOUNT_ID}:assumed-role/{self.role_name}/{self.function} is not authorized"
            f" to perform: {request.action} on resource: {request.resource} because no identity-based policy"
            f" allows the {request.action} action"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "role_name": self.role_name,
            "statements": [
                {"Effect": s.effect, "Action": list(s.actions), "NotAction": list(s.not_actions),
                 "Resource": list(s.resources), "NotResource": list(s.not_resources), "Condition": s.conditions}
                for s in self.statements
            ],
            "table_keys": dict(self.table_keys),
            "kms_aliases": dict(self.kms_aliases),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RolePolicy:
        return cls(
            function=data["function"],
            role_name=data["role_name"],
            statements=[Statement.parse({k: v for k, v in s.items() if v}) for s in data["statements"]],
            table_keys=data.get("table_keys") or {},
            kms_aliases=data.get("kms_aliases") or {},
        )


# ------------------------------------------------------------------------------------ calls -> IAM requests
def _arn(service: str, resource: str, *, region: str = REGION, account: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _table_arn(name: str) -> str:
    return name if name.startswith("arn:") else _arn("dynamodb", f"table/{name}")


def _scalar(value: Any) -> Any:
    """A DynamoDB attribute value of the low-level API ({"S": "x"}) as the plain value IAM compares."""
    if isinstance(value, Mapping) and len(value) == 1:
        kind, inner = next(iter(value.items()))
        return inner if kind in ("S", "N") else None
    return value


def _leading_keys(policy: RolePolicy, table: str, params: Mapping[str, Any]) -> list[Any] | None:
    """`dynamodb:LeadingKeys`: the partition key values a request names (None when it names none)."""
    hash_key = policy.table_keys.get(table.rsplit("/", 1)[-1])
    if hash_key is None:
        return None
    for holder in ("Key", "Item"):
        if isinstance(params.get(holder), Mapping) and hash_key in params[holder]:
            return [_scalar(params[holder][hash_key])]
    expression = params.get("KeyConditionExpression")
    if isinstance(expression, str):
        names = params.get("ExpressionAttributeNames") or {}
        values = params.get("ExpressionAttributeValues") or {}
        for name, placeholder in re.findall(r"(#?[\w.]+)\s*=\s*(:\w+)", expression):
            if names.get(name, name) == hash_key and placeholder in values:
                return [_scalar(values[placeholder])]
    return None


def _dynamodb(policy: RolePolicy, operation: str, params: Mapping[str, Any]) -> Iterator[Request]:
    def request(action: str, table: str, item: Mapping[str, Any], index: str | None = None) -> Request:
        resource = _table_arn(table) + (f"/index/{index}" if index else "")
        context: dict[str, Any] = {}
        keys = _leading_keys(policy, table, item)
        if keys is not None:
            context["dynamodb:LeadingKeys"] = keys
        return Request(f"dynamodb:{action}", resource, context)

    if operation in ("TransactWriteItems", "TransactGetItems"):
        for entry in params.get("TransactItems") or []:
            for kind, item in entry.items():
                yield request(_TRANSACT_ACTIONS.get(kind, kind), item.get("TableName", ""), item)
    elif operation == "BatchWriteItem":
        for table, writes in (params.get("RequestItems") or {}).items():
            for write in writes:
                for item in write.values():
                    yield request("BatchWriteItem", table, item)
    elif operation == "BatchGetItem":
        for table, spec in (params.get("RequestItems") or {}).items():
            for key in spec.get("Keys") or [{}]:
                yield request("BatchGetItem", table, {"Key": key})
    elif "StreamArn" in params:
        yield Request(f"dynamodb:{operation}", str(params["StreamArn"]))
    elif "TableName" in params:
        yield request(operation, str(params["TableName"]), params, params.get("IndexName"))
    elif "ResourceArn" in params:
        yield Request(f"dynamodb:{operation}", str(params["ResourceArn"]))
    else:
        yield Request(f"dynamodb:{operation}", "*")


def _queue_arn(url: str) -> str:
    parts = url.rstrip("/").split("/")
    account, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (ACCOUNT_ID, parts[-1])
    return _arn("sqs", name, account=account if account.isdigit() else ACCOUNT_ID)


def _kms_key_arn(policy: RolePolicy, key_id: str) -> str:
    if key_id.startswith("arn:"):
        if ":alias/" in key_id:
            key_id = key_id.split(":", 5)[5]
        else:
            return key_id
    if key_id.startswith("alias/"):
        key_id = policy.kms_aliases.get(key_id, key_id)
        if key_id.startswith("alias/"):
            return _arn("kms", key_id)
    return _arn("kms", f"key/{key_id}")


_KEY_ID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _ciphertext_key(blob: Any) -> str | None:
    """The key of a symmetric ciphertext (a Decrypt may leave out KeyId: AWS reads it from the ciphertext, and so
    does this, from moto's format, which starts with the key id)."""
    if isinstance(blob, str):
        blob = blob.encode()
    if isinstance(blob, (bytes, bytearray)) and _KEY_ID.fullmatch(bytes(blob[:36])):
        return bytes(blob[:36]).decode()
    return None


def _api_gateway_path(model: Any, params: Mapping[str, Any]) -> str:
    """The resource path of an API Gateway call (its IAM resource is `arn:aws:apigateway:<region>::<path>`)."""
    uri = str(model.http.get("requestUri", "/")).split("?", 1)[0]
    members = model.input_shape.members if model.input_shape is not None else {}
    for name, shape in members.items():
        if shape.serialization.get("location") == "uri" and name in params:
            location = shape.serialization.get("name", name)
            uri = uri.replace("{" + location + "}", str(params[name])).replace("{" + location + "+}", str(params[name]))
    return uri


def requests_for(policy: RolePolicy, service_model: Any, operation: str, params: Mapping[str, Any]) -> list[Request]:
    """The IAM requests AWS evaluates for one API call (several for a transaction or a batch)."""
    service = service_model.service_name
    prefix = service_model.signing_name or service
    if (service, operation) in UNCHECKED:
        return []
    if service in ("dynamodb", "dynamodbstreams"):
        return list(_dynamodb(policy, operation, params))
    if service == "apigateway":
        model = service_model.operation_model(operation)
        path = _api_gateway_path(model, params)
        return [Request(f"apigateway:{model.http.get('method', 'GET')}", f"arn:{PARTITION}:apigateway:{REGION}::{path}")]
    action = f"{prefix}:{operation}"
    if service == "sqs":
        if "QueueUrl" in params:
            return [Request(action, _queue_arn(str(params["QueueUrl"])))]
        if "QueueName" in params:
            return [Request(action, _arn("sqs", str(params["QueueName"])))]
    if service == "kms":
        key_id = params.get("KeyId") or _ciphertext_key(params.get("CiphertextBlob"))
        if key_id:
            context = {f"kms:EncryptionContext:{k}": v for k, v in (params.get("EncryptionContext") or {}).items()}
            if params.get("EncryptionContext"):
                context["kms:EncryptionContextKeys"] = list(params["EncryptionContext"])
            return [Request(action, _kms_key_arn(policy, str(key_id)), context)]
    if service == "secretsmanager" and "SecretId" in params:
        secret = str(params["SecretId"])
        return [Request(action, secret if secret.startswith("arn:") else _arn("secretsmanager", f"secret:{secret}-??????"))]
    if service == "scheduler" and "Name" in params:
        group = params.get("GroupName") or "default"
        kind = "schedule-group" if "ScheduleGroup" in operation else "schedule"
        name = f"{params['Name']}" if kind == "schedule-group" else f"{group}/{params['Name']}"
        return [Request(action, _arn("scheduler", f"{kind}/{name}"))]
    return [Request(action, "*")]


# ----------------------------------------------------------------------------------------------- the guard
#: The role of the function whose code is running (None: the runtime itself, which is not held to a role).
ACTIVE: contextvars.ContextVar[RolePolicy | None] = contextvars.ContextVar("promptbank_local_role", default=None)
_install_lock = threading.Lock()
_installed = False
#: Denied calls, as (function, action, resource): tests and the start-up report read them.
DENIED: list[tuple[str, str, str]] = []


def check(client: Any, operation: str, params: Mapping[str, Any]) -> None:
    policy = ACTIVE.get()
    if policy is None:
        return
    for request in requests_for(policy, client.meta.service_model, operation, params):
        if not policy.allows(request):
            from botocore.exceptions import ClientError

            DENIED.append((policy.function, request.action, request.resource))
            log.warning("IAM: %s denied %s on %s", policy.function, request.action, request.resource)
            raise ClientError(
                {
                    "Error": {"Code": "AccessDeniedException", "Message": policy.denial(request)},
                    "ResponseMetadata": {
                        "RequestId": str(uuid.uuid4()), "HostId": "", "HTTPStatusCode": 400, "HTTPHeaders": {},
                        "RetryAttempts": 0,
                    },
                },
                operation,
            )


def install() -> None:
    """Check every botocore call made while a role is ACTIVE (idempotent; the runtime's own calls pass)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from botocore.client import BaseClient

        original = BaseClient._make_api_call  # type: ignore[attr-defined]

        def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            check(self, operation_name, api_params)
            return original(self, operation_name, api_params)

        BaseClient._make_api_call = _make_api_call  # type: ignore[attr-defined]
        _installed = True


def enforced() -> bool:
    """IAM is checked unless PROMPTBANK_LOCAL_IAM=off (the default is on, in `make run` and every test)."""
    return os.environ.get("PROMPTBANK_LOCAL_IAM", "on").strip().lower() not in ("off", "false", "0", "no")


# ------------------------------------------------------------------------------------ template -> roles
def _cache_dir(template: Template) -> Path:
    configured = os.environ.get("PROMPTBANK_LOCAL_CACHE_DIR")
    return Path(configured) if configured else template.root / ".local" / "cache"


def _transformed_roles(template: Template) -> dict[str, Any]:
    """samtranslator's output for the template, only the parts this module reads: each function's role
    (logical id, inline policies, managed policy ARNs). Cached on disk by the template's text and the
    samtranslator version, since a transform takes seconds."""
    import samtranslator

    text = Path(template.path).read_bytes()
    digest = hashlib.sha256(text + samtranslator.__version__.encode()).hexdigest()[:24]
    cache_file = _cache_dir(template) / f"iam-{digest}.json"
    try:
        return dict(json.loads(cache_file.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    roles = _transform(template)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache_file.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(roles), encoding="utf-8")
        os.replace(temporary, cache_file)
    except OSError as err:
        log.warning("IAM: cannot cache the expanded policies in %s: %s", cache_file.parent, err)
    return roles


def _transform(template: Template) -> dict[str, Any]:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    document = copy.deepcopy(template.data)
    for resource in (document.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        # SAM wants packaged code (sam package uploads it); the location does not change the policies.
        if resource.get("Type") == "AWS::Serverless::Function":
            props["CodeUri"] = "s3://local/code.zip"
        elif resource.get("Type") == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = "s3://local/layer.zip"
    parameters = {
        name: spec.get("Default")
        for name, spec in (document.get("Parameters") or {}).items()
        if "Default" in spec
    }
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    out = translator.translate(document, parameters, get_managed_policy_map=lambda: {})
    resources = out.get("Resources") or {}
    roles: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        role = (resource.get("Properties") or {}).get("Role")
        role_id = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) and "Fn::GetAtt" in role else None
        if role_id and role_id in resources:
            props = resources[role_id].get("Properties") or {}
            roles[logical_id] = {
                "role": role_id,
                "policies": [p.get("PolicyDocument") for p in props.get("Policies") or []],
                "managed": props.get("ManagedPolicyArns") or [],
            }
        else:
            roles[logical_id] = {"role": None, "external": role}
    return roles


def stack_facts(template: Template, resolver: Resolver) -> tuple[dict[str, str], dict[str, str]]:
    """What the request mapping needs from the stack: each table's partition key name (by physical name, for
    `dynamodb:LeadingKeys`) and each KMS alias's key id."""
    tables: dict[str, str] = {}
    for logical_id, resource in template.of_type("AWS::DynamoDB::Table").items():
        schema = (resource.get("Properties") or {}).get("KeySchema") or []
        hash_key = next((k.get("AttributeName") for k in schema if k.get("KeyType") == "HASH"), None)
        if hash_key and resolver.active(logical_id):
            tables[str(resolver.ref(logical_id))] = str(hash_key)
    aliases: dict[str, str] = {}
    for logical_id, resource in template.of_type("AWS::KMS::Alias").items():
        props = resolver.resolve(resource.get("Properties") or {})
        if resolver.active(logical_id) and isinstance(props, Mapping) and props.get("AliasName"):
            target = str(props.get("TargetKeyId", ""))
            aliases[str(props["AliasName"])] = target.rsplit("/", 1)[-1] if target.startswith("arn:") else target
    return tables, aliases


def role_policies(template: Template, resolver: Resolver) -> dict[str, RolePolicy]:
    """Every function's role, resolved against the local stack. A role the template does not define (a
    `Role:` ARN from elsewhere) is unknown locally: its function gets no permissions, with a warning."""
    table_keys, kms_aliases = stack_facts(template, resolver)
    policies: dict[str, RolePolicy] = {}
    for function, spec in _transformed_roles(template).items():
        statements: list[Statement] = []
        if spec.get("role") is None:
            log.warning("IAM: %s uses role %r, which is not in the template: it may call nothing", function,
                        spec.get("external"))
        for document in spec.get("policies") or []:
            resolved = resolver.resolve(document)
            if resolved is NO_VALUE or not isinstance(resolved, Mapping):
                continue
            for raw in _listed(resolved.get("Statement")):
                if isinstance(raw, Mapping):
                    statements.append(Statement.parse(raw))
        for arn in spec.get("managed") or []:
            arn = resolver.resolve(arn)
            if arn in MANAGED_POLICIES:
                statements += [Statement.parse(raw) for raw in MANAGED_POLICIES[arn]]
            elif arn is not NO_VALUE:
                log.warning("IAM: %s: managed policy %s is unknown locally and grants nothing", function, arn)
        role_name = f"{resolver.ref('AWS::StackName')}-{spec.get('role') or function}"
        policies[function] = RolePolicy(function, role_name, statements, table_keys, kms_aliases)
    return policies
