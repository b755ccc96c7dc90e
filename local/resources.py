"""Creates the template's tables, keys, queues, secrets, REST APIs and usage plans in moto (through boto3)."""

from __future__ import annotations

import json
import logging
import secrets as _secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local.template import (
    ACCOUNT_ID,
    REGION,
    STACK_NAME,
    ApiSpec,
    FunctionSpec,
    Physical,
    Resolver,
    Template,
    apis,
    functions,
)

log = logging.getLogger("local.resources")

REPO_ROOT = Path(__file__).resolve().parent.parent


class Keeper:
    """Hooks that let a restart keep the last run's physical ids (see local.state). This one keeps none."""

    def before_rest_api(self, logical_id: str, name: str) -> None:
        return None

    def before_usage_plan(self, logical_id: str, name: str) -> None:
        return None

    def after_kms_key(self, logical_id: str, key_id: str) -> str:
        return key_id


@dataclass
class Stack:
    """The template, resolved against what was created: what the gateway and the event sources run on."""

    template: Template
    resolver: Resolver
    physical: Physical
    functions: dict[str, FunctionSpec]
    apis: dict[str, ApiSpec]
    secret_values: dict[str, str] = field(default_factory=dict)

    @property
    def table_name(self) -> str | None:
        return next(iter(self.physical.tables.values()), None)


class SecretSource:
    """Values of `{{resolve:...}}` references and generated secrets; stable per state dir via `known`."""

    def __init__(self, physical: Physical, known: Mapping[str, str] | None = None) -> None:
        self.physical = physical
        self.known: dict[str, str] = dict(known or {})

    def generated(self, key: str, length: int = 48, alphabet: str = string.ascii_letters + string.digits) -> str:
        if key not in self.known:
            self.known[key] = "".join(_secrets.choice(alphabet) for _ in range(length))
        return self.known[key]

    def __call__(self, service: str, reference: str) -> str:
        if service == "secretsmanager":
            parts = reference.split(":")
            if reference.startswith("arn:"):
                secret_id, rest = ":".join(parts[:7]), parts[7:]
            else:
                secret_id, rest = parts[0], parts[1:]
            json_key = rest[1] if len(rest) > 1 and rest[1] else None
            value = self.physical.secrets.get(secret_id)
            if value is None:
                value = self.generated(f"secretsmanager:{secret_id}")
            if json_key:
                return str(json.loads(value)[json_key])
            return value
        return self.generated(f"{service}:{reference}")


def generate_secret_string(spec: Mapping[str, Any]) -> str:
    """AWS::SecretsManager::Secret GenerateSecretString, locally (random, same character classes)."""
    alphabet = ""
    if not spec.get("ExcludeLowercase"):
        alphabet += string.ascii_lowercase
    if not spec.get("ExcludeUppercase"):
        alphabet += string.ascii_uppercase
    if not spec.get("ExcludeNumbers"):
        alphabet += string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    if spec.get("IncludeSpace"):
        alphabet += " "
    excluded = set(str(spec.get("ExcludeCharacters") or ""))
    alphabet = "".join(c for c in alphabet if c not in excluded) or string.ascii_letters
    length = int(spec.get("PasswordLength") or 32)
    password = "".join(_secrets.choice(alphabet) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template and key:
        data = json.loads(template)
        data[key] = password
        return json.dumps(data)
    return password


def _tags(props: Mapping[str, Any]) -> list[dict[str, str]]:
    tags = props.get("Tags") or []
    if isinstance(tags, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def create_resources(
    template: Template | str | Path,
    session: boto3.session.Session | None = None,
    *,
    known_secrets: Mapping[str, str] | None = None,
    keeper: Keeper | None = None,
) -> Stack:
    """Create every supported resource from the template's own properties, in dependency order.

    Works against whatever boto3 reaches: moto's server (AWS_ENDPOINT_URL) or moto's in-process mock.
    """
    if not isinstance(template, Template):
        template = Template(template)
    session = session or boto3.session.Session(region_name=REGION)
    keeper = keeper or Keeper()
    physical = Physical()
    source = SecretSource(physical, known_secrets)
    resolver = Resolver(template, physical, secret_source=source)

    _create_secrets(template, resolver, session, source)
    _create_kms(template, resolver, session, keeper)
    _create_tables(template, resolver, session)
    _create_queues(template, resolver, session)
    api_specs = apis(template, resolver)
    _create_apis(template, resolver, session, api_specs, keeper)
    _create_usage_plans(template, resolver, session, api_specs, keeper)
    return Stack(
        template=template,
        resolver=resolver,
        physical=physical,
        functions=functions(template, resolver),
        apis=api_specs,
        secret_values=source.known,
    )


def _active(template: Template, resolver: Resolver, *types: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in template.of_type(*types).items() if resolver.active(lid)}


# secrets ----------------------------------------------------------------------------------------------------
def _create_secrets(template: Template, resolver: Resolver, session: Any, source: SecretSource) -> None:
    client = session.client("secretsmanager")
    for logical_id in _active(template, resolver, "AWS::SecretsManager::Secret"):
        props = resolver.resolve(template.properties(logical_id))
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            key = f"secret:{logical_id}"
            if key not in source.known:
                source.known[key] = generate_secret_string(props.get("GenerateSecretString") or {})
            value = source.known[key]
        name = str(props.get("Name") or f"{logical_id}-local")
        kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
        if props.get("Description"):
            kwargs["Description"] = str(props["Description"])
        if _tags(props):
            kwargs["Tags"] = _tags(props)
        arn = client.create_secret(**kwargs)["ARN"]
        resolver.physical.refs[logical_id] = arn
        resolver.physical.attrs[(logical_id, "Id")] = arn
        for alias in (logical_id, name, arn):
            resolver.physical.secrets[alias] = value


# KMS --------------------------------------------------------------------------------------------------------
def _create_kms(template: Template, resolver: Resolver, session: Any, keeper: Keeper) -> None:
    client = session.client("kms")
    for logical_id in _active(template, resolver, "AWS::KMS::Key"):
        props = resolver.resolve(template.properties(logical_id))
        kwargs: dict[str, Any] = {}
        if props.get("Description"):
            kwargs["Description"] = str(props["Description"])
        if props.get("KeyUsage"):
            kwargs["KeyUsage"] = props["KeyUsage"]
        if props.get("KeySpec"):
            kwargs["KeySpec"] = props["KeySpec"]
        if props.get("KeyPolicy"):
            policy = props["KeyPolicy"]
            kwargs["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
        if props.get("MultiRegion"):
            kwargs["MultiRegion"] = True
        if _tags(props):
            kwargs["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(props)]
        key_id = client.create_key(**kwargs)["KeyMetadata"]["KeyId"]
        key_id = keeper.after_kms_key(logical_id, key_id)
        if props.get("EnableKeyRotation"):
            client.enable_key_rotation(KeyId=key_id)
        if props.get("Enabled") is False:
            client.disable_key(KeyId=key_id)
        resolver.physical.kms_keys[logical_id] = key_id
        resolver.physical.refs[logical_id] = key_id
        resolver.physical.attrs[(logical_id, "KeyId")] = key_id
        resolver.physical.attrs[(logical_id, "Arn")] = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}"
    for logical_id in _active(template, resolver, "AWS::KMS::Alias"):
        props = resolver.resolve(template.properties(logical_id))
        client.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        resolver.physical.refs[logical_id] = props["AliasName"]


# DynamoDB ---------------------------------------------------------------------------------------------------
def table_request(props: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A CreateTable request from AWS::DynamoDB::Table properties (already resolved)."""
    billing = props.get("BillingMode") or "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get("ProvisionedThroughput") or {
            "ReadCapacityUnits": 5,
            "WriteCapacityUnits": 5,
        }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = []
        for index in props.get(key) or []:
            entry = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
            if key == "GlobalSecondaryIndexes" and billing == "PROVISIONED":
                entry["ProvisionedThroughput"] = index.get("ProvisionedThroughput") or {
                    "ReadCapacityUnits": 5,
                    "WriteCapacityUnits": 5,
                }
            indexes.append(entry)
        if indexes:
            request[key] = indexes
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    sse = props.get("SSESpecification")
    if sse:
        spec: dict[str, Any] = {"Enabled": bool(sse.get("SSEEnabled"))}
        if sse.get("SSEType"):
            spec["SSEType"] = sse["SSEType"]
        if sse.get("KMSMasterKeyId"):
            spec["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
        request["SSESpecification"] = spec
    if props.get("TableClass"):
        request["TableClass"] = props["TableClass"]
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = bool(props["DeletionProtectionEnabled"])
    if _tags(props):
        request["Tags"] = _tags(props)
    return request


def _create_table(client: Any, props: Mapping[str, Any], name: str) -> dict[str, Any]:
    description = client.create_table(**table_request(props, name))["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("AttributeName"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": bool(ttl.get("Enabled", True)),
                "AttributeName": ttl["AttributeName"],
            },
        )
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    if pitr.get("PointInTimeRecoveryEnabled"):
        try:
            client.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        except Exception:  # moto may not implement every flag; PITR changes nothing locally
            log.debug("point-in-time recovery not emulated for %s", name)
    return description


def _create_tables(template: Template, resolver: Resolver, session: Any) -> None:
    client = session.client("dynamodb")
    for logical_id in _active(template, resolver, "AWS::DynamoDB::Table"):
        props = resolver.resolve(template.properties(logical_id))
        name = str(props.get("TableName") or f"{STACK_NAME}-{logical_id}")
        description = _create_table(client, props, name)
        resolver.physical.tables[logical_id] = name
        resolver.physical.refs[logical_id] = name
        resolver.physical.attrs[(logical_id, "Arn")] = description["TableArn"]
        if description.get("LatestStreamArn"):
            resolver.physical.attrs[(logical_id, "StreamArn")] = description["LatestStreamArn"]


def create_table_from_template(dynamodb_client: Any, template_path: str | Path = "template.yaml") -> str:
    """Create every AWS::DynamoDB::Table of the template with that client; return the (first) table's name.

    For integration tests inside `moto.mock_aws()`: the key schema comes from template.yaml, never drifts.
    """
    path = Path(template_path)
    if not path.is_absolute() and not path.exists():
        path = REPO_ROOT / path
    template = Template(path)
    resolver = Resolver(template, secret_source=SecretSource(Physical()))
    names = []
    for logical_id in _active(template, resolver, "AWS::DynamoDB::Table"):
        props = resolver.resolve(template.properties(logical_id))
        name = str(props.get("TableName") or f"{STACK_NAME}-{logical_id}")
        _create_table(dynamodb_client, props, name)
        names.append(name)
    if not names:
        raise ValueError(f"{path} has no AWS::DynamoDB::Table")
    return names[0]


# SQS --------------------------------------------------------------------------------------------------------
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedrivePolicy",
    "RedriveAllowPolicy",
)


def _create_queues(template: Template, resolver: Resolver, session: Any) -> None:
    client = session.client("sqs")
    pending = list(_active(template, resolver, "AWS::SQS::Queue"))
    # Dead-letter queues first: a queue whose RedrivePolicy names another pending queue waits for it.
    for _ in range(len(pending) + 1):
        if not pending:
            break
        later = []
        for logical_id in pending:
            raw = template.properties(logical_id)
            if any(other in json.dumps(raw.get("RedrivePolicy") or {}) for other in pending if other != logical_id):
                later.append(logical_id)
                continue
            _create_queue(client, template, resolver, logical_id)
        pending = later
    for logical_id in pending:  # a cycle: create them anyway
        _create_queue(client, template, resolver, logical_id)


def _create_queue(client: Any, template: Template, resolver: Resolver, logical_id: str) -> None:
    props = resolver.resolve(template.properties(logical_id))
    name = resolver.queue_name(logical_id)
    attributes = {key: _text(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
    if _tags(props):
        kwargs["tags"] = {t["Key"]: t["Value"] for t in _tags(props)}
    url = client.create_queue(**kwargs)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    resolver.physical.queues[logical_id] = url
    resolver.physical.refs[logical_id] = url
    resolver.physical.attrs[(logical_id, "Arn")] = arn
    resolver.physical.attrs[(logical_id, "QueueName")] = name
    resolver.physical.attrs[(logical_id, "QueueUrl")] = url


# API Gateway ------------------------------------------------------------------------------------------------
def _create_apis(
    template: Template, resolver: Resolver, session: Any, api_specs: Mapping[str, ApiSpec], keeper: Keeper
) -> None:
    client = session.client("apigateway")
    for logical_id, spec in api_specs.items():
        props = resolver.resolve(spec.properties)
        name = str(props.get("Name") or STACK_NAME)
        keeper.before_rest_api(logical_id, name)
        kwargs: dict[str, Any] = {"name": name}
        if props.get("Description"):
            kwargs["description"] = str(props["Description"])
        if props.get("ApiKeySourceType"):
            kwargs["apiKeySource"] = props["ApiKeySourceType"]
        if props.get("BinaryMediaTypes"):
            kwargs["binaryMediaTypes"] = [str(t).replace("~1", "/") for t in props["BinaryMediaTypes"]]
        api = client.create_rest_api(**kwargs)
        stage = str(props.get("StageName") or "Prod")
        resolver.physical.apis[logical_id] = api["id"]
        resolver.physical.refs[logical_id] = api["id"]
        resolver.physical.attrs[(logical_id, "RootResourceId")] = api.get("rootResourceId", "")
        # SAM's generated stage resource (`<Api><Stage>Stage`), which usage plans DependsOn and may !Ref.
        resolver.physical.refs[f"{logical_id}{stage}Stage"] = stage


def _create_usage_plans(
    template: Template, resolver: Resolver, session: Any, api_specs: Mapping[str, ApiSpec], keeper: Keeper
) -> None:
    client = session.client("apigateway")
    plans: list[tuple[str, dict[str, Any]]] = []
    for logical_id in _active(template, resolver, "AWS::ApiGateway::UsagePlan"):
        props = resolver.resolve(template.properties(logical_id))
        plans.append((logical_id, props))
    # SAM's Auth.UsagePlan (CreateUsagePlan: PER_API or SHARED) makes plans of its own.
    for api_id, spec in api_specs.items():
        plan = (resolver.resolve(spec.auth).get("UsagePlan")) or {}
        if plan.get("CreateUsagePlan") in ("PER_API", "SHARED"):
            props = dict(plan)
            props.setdefault("UsagePlanName", f"{STACK_NAME}-{api_id}UsagePlan")
            stage = str(resolver.resolve(spec.properties.get("StageName")) or "Prod")
            props["ApiStages"] = [{"ApiId": resolver.physical.apis[api_id], "Stage": stage}]
            plans.append((f"{api_id}UsagePlan", props))
    for logical_id, props in plans:
        name = str(props.get("UsagePlanName") or f"{STACK_NAME}-{logical_id}")
        keeper.before_usage_plan(logical_id, name)
        kwargs: dict[str, Any] = {"name": name}
        if props.get("Description"):
            kwargs["description"] = str(props["Description"])
        stages = []
        for stage in props.get("ApiStages") or []:
            entry: dict[str, Any] = {"apiId": str(stage["ApiId"]), "stage": str(stage["Stage"])}
            stages.append(entry)
        if stages:
            kwargs["apiStages"] = stages
        throttle = props.get("Throttle") or {}
        if throttle:
            kwargs["throttle"] = {
                k2: float(throttle[k1]) if k2 == "rateLimit" else int(throttle[k1])
                for k1, k2 in (("RateLimit", "rateLimit"), ("BurstLimit", "burstLimit"))
                if k1 in throttle
            }
        quota = props.get("Quota") or {}
        if quota:
            kwargs["quota"] = {"limit": int(quota["Limit"]), "period": str(quota.get("Period", "MONTH"))}
            if "Offset" in quota:
                kwargs["quota"]["offset"] = int(quota["Offset"])
        plan_id = client.create_usage_plan(**kwargs)["id"]
        resolver.physical.usage_plans[logical_id] = plan_id
        resolver.physical.refs[logical_id] = plan_id
    for logical_id in _active(template, resolver, "AWS::ApiGateway::ApiKey"):
        props = resolver.resolve(template.properties(logical_id))
        kwargs = {
            "name": str(props.get("Name") or f"{STACK_NAME}-{logical_id}"),
            "enabled": bool(props.get("Enabled")),
        }
        if props.get("Value"):
            kwargs["value"] = str(props["Value"])
        key_id = client.create_api_key(**kwargs)["id"]
        resolver.physical.refs[logical_id] = key_id
    for logical_id in _active(template, resolver, "AWS::ApiGateway::UsagePlanKey"):
        props = resolver.resolve(template.properties(logical_id))
        client.create_usage_plan_key(
            usagePlanId=str(props["UsagePlanId"]),
            keyId=str(props["KeyId"]),
            keyType=str(props.get("KeyType", "API_KEY")),
        )
