"""template.yaml as data: a CloudFormation-aware YAML loader, SAM Globals, an intrinsic-function resolver."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger("local.template")

STACK_NAME = "promptbank-local"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
# Parameters that differ from their template defaults when running locally.
LOCAL_PARAMETERS = {"Stage": "dev"}
IMPLICIT_API = "ServerlessRestApi"


class NoValue:
    """AWS::NoValue: removes the property (or list item) that evaluates to it."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = NoValue()


# ----------------------------------------------------------------------------------------------- YAML loading
class CfnLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation short tags as their long-form dicts and dates as strings."""


# CloudFormation keeps `2010-09-09` a string: drop YAML's timestamp resolver.
CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_tag(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        logical, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical, attribute]}
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a CloudFormation template")
    return data


# ------------------------------------------------------------------------------------------------ the model
@dataclass
class Physical:
    """What the template's resources became locally: Ref values and attributes, filled in as they are made."""

    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[tuple[str, str], Any] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    apis: dict[str, str] = field(default_factory=dict)  # logical id -> rest api id
    usage_plans: dict[str, str] = field(default_factory=dict)  # logical id -> usage plan id
    kms_keys: dict[str, str] = field(default_factory=dict)  # logical id -> key id
    secrets: dict[str, str] = field(default_factory=dict)  # secret logical id, ARN or name -> value
    generated: dict[str, str] = field(default_factory=dict)  # dynamic reference -> generated value


@dataclass(frozen=True)
class EventSource:
    name: str
    type: str
    properties: dict[str, Any]


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    code_uri: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, Any]
    events: list[EventSource]
    properties: dict[str, Any]

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_attr(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass
class ApiSpec:
    logical_id: str
    properties: dict[str, Any]

    @property
    def auth(self) -> dict[str, Any]:
        return dict(self.properties.get("Auth") or {})


def deep_merge(base: Any, override: Any) -> Any:
    """SAM Globals semantics: maps merge, lists concatenate (globals first), scalars are replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return [*base, *override]
    return copy.deepcopy(override)


class Template:
    """A parsed template.yaml: raw sections, plus SAM functions and APIs with Globals applied (unresolved)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        self.root = self.path.parent
        self.data = load_yaml(self.path)
        self.parameters: dict[str, Any] = dict(self.data.get("Parameters") or {})
        self.conditions: dict[str, Any] = dict(self.data.get("Conditions") or {})
        self.mappings: dict[str, Any] = dict(self.data.get("Mappings") or {})
        self.globals: dict[str, Any] = dict(self.data.get("Globals") or {})
        self.resources: dict[str, dict[str, Any]] = dict(self.data.get("Resources") or {})

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") in types}

    def properties(self, logical_id: str) -> dict[str, Any]:
        return dict(self.resources[logical_id].get("Properties") or {})

    def function_properties(self, logical_id: str) -> dict[str, Any]:
        props = self.properties(logical_id)
        global_fn = {k: v for k, v in (self.globals.get("Function") or {}).items()}
        return deep_merge(global_fn, props) if global_fn else props

    def api_properties(self, logical_id: str) -> dict[str, Any]:
        if logical_id == IMPLICIT_API and logical_id not in self.resources:
            props: dict[str, Any] = {"StageName": "Prod"}
        else:
            props = self.properties(logical_id)
        global_api = dict(self.globals.get("Api") or {})
        return deep_merge(global_api, props) if global_api else props

    def uses_implicit_api(self) -> bool:
        for lid in self.of_type("AWS::Serverless::Function"):
            for event in (self.properties(lid).get("Events") or {}).values():
                if event.get("Type") == "Api" and "RestApiId" not in (event.get("Properties") or {}):
                    return True
        return False


# ----------------------------------------------------------------------------------------------- the resolver
_SUB_VAR = re.compile(r"\$\{([^}]+)\}")
_DYNAMIC_REF = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^}]+)\}\}")


class Resolver:
    """Evaluates intrinsics against local values (stack promptbank-local, us-east-1, 123456789012)."""

    def __init__(
        self,
        template: Template,
        physical: Physical | None = None,
        parameters: Mapping[str, Any] | None = None,
        secret_source: Callable[[str, str], str] | None = None,
    ) -> None:
        self.template = template
        self.physical = physical if physical is not None else Physical()
        self.parameter_values: dict[str, Any] = {}
        for name, spec in template.parameters.items():
            if "Default" in (spec or {}):
                self.parameter_values[name] = spec["Default"]
        for name, value in LOCAL_PARAMETERS.items():
            if name in template.parameters:
                self.parameter_values[name] = value
        self.parameter_values.update(parameters or {})
        self._secret_source = secret_source
        self._conditions: dict[str, bool] = {}

    # pseudo parameters and refs -----------------------------------------------------------------------------
    def pseudo(self, name: str) -> Any:
        return {
            "AWS::StackName": STACK_NAME,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/local",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }.get(name)

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            value = self.pseudo(name)
            if value is None:
                raise KeyError(f"unknown pseudo parameter {name}")
            return value
        if name in self.parameter_values:
            return self.parameter_values[name]
        if name in self.physical.refs:
            return self.physical.refs[name]
        if name in self.template.resources or name == IMPLICIT_API:
            return self.default_ref(name)
        logical_id, _, attribute = name.partition(".")
        if attribute in ("Alias", "Version") and self._is_function(logical_id):
            return self.function_qualified_arn(logical_id, attribute)
        raise KeyError(f"!Ref to unknown name {name!r}")

    def _is_function(self, logical_id: str) -> bool:
        rtype = (self.template.resources.get(logical_id) or {}).get("Type")
        return rtype == "AWS::Serverless::Function"

    def function_qualified_arn(self, logical_id: str, attribute: str) -> str:
        """SAM's `!Ref <Function>.Alias` (the `AutoPublishAlias` alias's ARN) and `.Version` (the version it
        publishes; locally always version 1). Both exist only for a function with `AutoPublishAlias`."""
        props = self.template.resources[logical_id].get("Properties") or {}
        alias = self.resolve(props.get("AutoPublishAlias"))
        if not alias:
            raise KeyError(f"!Ref {logical_id}.{attribute}: the function has no AutoPublishAlias")
        base = self.get_att(logical_id, "Arn")
        return f"{base}:{alias}" if attribute == "Alias" else f"{base}:1"

    def default_ref(self, logical_id: str) -> Any:
        res = self.template.resources.get(logical_id) or {"Type": "AWS::Serverless::Api"}
        rtype = res.get("Type", "")
        props = res.get("Properties") or {}
        if rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return self.function_name(logical_id)
        if rtype == "AWS::DynamoDB::Table":
            return self.resolve(props.get("TableName")) or f"{STACK_NAME}-{logical_id}"
        if rtype == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{self.queue_name(logical_id)}"
        if rtype in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            return hashlib.sha256(logical_id.encode()).hexdigest()[:10]
        if rtype in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            name = self.resolve(props.get("LayerName")) or f"{STACK_NAME}-{logical_id}"
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
        if rtype == "AWS::Logs::LogGroup":
            return self.resolve(props.get("LogGroupName")) or f"{STACK_NAME}-{logical_id}"
        if rtype == "AWS::SecretsManager::Secret":
            name = self.resolve(props.get("Name")) or f"{logical_id}-local"
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{name}"
        if rtype in ("AWS::SNS::Topic",):
            return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{STACK_NAME}-{logical_id}"
        return f"{STACK_NAME}-{logical_id}"

    def function_name(self, logical_id: str) -> str:
        props = self.template.resources.get(logical_id, {}).get("Properties") or {}
        return str(self.resolve(props.get("FunctionName")) or f"{STACK_NAME}-{logical_id}")

    def queue_name(self, logical_id: str) -> str:
        props = self.template.resources.get(logical_id, {}).get("Properties") or {}
        name = self.resolve(props.get("QueueName"))
        if name:
            return str(name)
        suffix = ".fifo" if str(self.resolve(props.get("FifoQueue"))).lower() == "true" else ""
        return f"{STACK_NAME}-{logical_id}{suffix}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if (logical_id, attribute) in self.physical.attrs:
            return self.physical.attrs[(logical_id, attribute)]
        res = self.template.resources.get(logical_id)
        if res is None:
            raise KeyError(f"!GetAtt on unknown resource {logical_id!r}")
        rtype = res.get("Type", "")
        ref = self.ref(logical_id)
        if rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{ref}"
        if rtype == "AWS::DynamoDB::Table":
            arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{ref}"
            return {"Arn": arn, "StreamArn": f"{arn}/stream/1970-01-01T00:00:00.000"}.get(attribute, arn)
        if rtype == "AWS::SQS::Queue":
            name = self.queue_name(logical_id)
            return {
                "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
                "QueueName": name,
                "QueueUrl": ref,
            }.get(attribute, ref)
        if rtype == "AWS::KMS::Key":
            return {"Arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{ref}", "KeyId": ref}.get(attribute, ref)
        if rtype == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{ref}:*"
        if rtype == "AWS::IAM::Role":
            return f"arn:aws:iam::{ACCOUNT_ID}:role/{ref}"
        if rtype in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi") and attribute == "RootResourceId":
            return hashlib.sha256(f"{ref}/".encode()).hexdigest()[:10]
        service = rtype.split("::")[1].lower() if rtype.count("::") >= 2 else "local"
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{logical_id}/{attribute}"

    # conditions ---------------------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self.template.conditions:
                raise KeyError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(self.template.conditions[name]))
        return self._conditions[name]

    def active(self, logical_id: str) -> bool:
        cond = (self.template.resources.get(logical_id) or {}).get("Condition")
        return True if cond is None else self.condition(cond)

    # evaluation ---------------------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref":
                    return self.ref(self.resolve(arg))
                if key == "Condition" and isinstance(arg, str):
                    return self.condition(arg)
                if key.startswith("Fn::"):
                    return self._function(key[4:], arg)
            out = {}
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if isinstance(value, str) and "{{resolve:" in value:
            return self.dynamic_references(value)
        return value

    def _function(self, name: str, arg: Any) -> Any:
        if name == "GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            logical, attribute = self.resolve(parts[0]), self.resolve(parts[1])
            return self.get_att(logical, attribute)
        if name == "Sub":
            return self.sub(arg)
        if name == "Join":
            sep, items = arg
            return str(self.resolve(sep)).join(_text(i) for i in self.resolve(items))
        if name == "Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if name == "Split":
            sep, text = arg
            return str(self.resolve(text)).split(str(self.resolve(sep)))
        if name == "If":
            cond, if_true, if_false = arg
            return self.resolve(if_true if self.condition(cond) else if_false)
        if name == "Equals":
            left, right = (self.resolve(a) for a in arg)
            return _text(left) == _text(right)
        if name == "Not":
            return not self._truth(arg[0])
        if name == "And":
            return all(self._truth(a) for a in arg)
        if name == "Or":
            return any(self._truth(a) for a in arg)
        if name == "FindInMap":
            map_name, key1, key2 = (self.resolve(a) for a in arg[:3])
            return copy.deepcopy(self.template.mappings[map_name][key1][key2])
        if name == "Base64":
            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if name == "GetAZs":
            return [f"{REGION}{z}" for z in "abcdef"]
        if name == "ImportValue":
            exported = self.resolve(arg)
            log.warning("Fn::ImportValue %s cannot be resolved locally; using a placeholder", exported)
            return f"imported-{exported}"
        if name == "ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        if name == "Length":
            return len(self.resolve(arg))
        raise ValueError(f"intrinsic function Fn::{name} is not supported locally")

    def _truth(self, value: Any) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        return bool(self.resolve(value))

    def sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in variables:
                return _text(variables[expr])
            if "." in expr and not expr.startswith("AWS::"):
                logical, attribute = expr.split(".", 1)
                return _text(self.get_att(logical, attribute))
            return _text(self.ref(expr))

        result = _SUB_VAR.sub(replace, str(text))
        return self.dynamic_references(result) if "{{resolve:" in result else result

    def dynamic_references(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            service, reference = match.group(1), match.group(2)
            if self._secret_source is None:
                raise ValueError(f"dynamic reference {match.group(0)} needs a secret source")
            return self._secret_source(service, reference)

        return _DYNAMIC_REF.sub(replace, text)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------------------------- functions/APIs
def functions(template: Template, resolver: Resolver) -> dict[str, FunctionSpec]:
    """Every active AWS::Serverless::Function with Globals applied (environment still unresolved)."""
    specs: dict[str, FunctionSpec] = {}
    for logical_id in template.of_type("AWS::Serverless::Function"):
        if not resolver.active(logical_id):
            continue
        props = template.function_properties(logical_id)
        code_uri = props.get("CodeUri") or "."
        code_uri = resolver.resolve(code_uri)
        if not isinstance(code_uri, str):
            log.warning("%s: CodeUri %r is not a local path; skipped", logical_id, code_uri)
            continue
        events = []
        for name, event in (props.get("Events") or {}).items():
            events.append(EventSource(name, str(event.get("Type")), dict(event.get("Properties") or {})))
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=resolver.function_name(logical_id),
            code_uri=(template.root / code_uri).resolve(),
            handler=str(resolver.resolve(props.get("Handler", "app.handler"))),
            timeout=int(resolver.resolve(props.get("Timeout", 3))),
            memory=int(resolver.resolve(props.get("MemorySize", 128))),
            environment=dict(((props.get("Environment") or {}).get("Variables")) or {}),
            events=events,
            properties=props,
        )
    return specs


def apis(template: Template, resolver: Resolver) -> dict[str, ApiSpec]:
    out = {
        lid: ApiSpec(lid, template.api_properties(lid))
        for lid in template.of_type("AWS::Serverless::Api")
        if resolver.active(lid)
    }
    if template.uses_implicit_api():
        out[IMPLICIT_API] = ApiSpec(IMPLICIT_API, template.api_properties(IMPLICIT_API))
    return out


#: Set by whoever starts the runtime, never by the template: provider base URLs, the egress guard (so a
#: template value can never lift the loopback-only guard the test targets set), the local switch for rate limits
#: (the AI limiter reads it too) and the tokenizer encodings' directory.
_KEEP_FROM_ENVIRONMENT = re.compile(
    r"^PROMPTBANK_(?:(?!PUBLIC_)[A-Z0-9_]+_BASE_URL|EGRESS|RATE_LIMITS|ENCODINGS_DIR)$"
)


def own_environment(
    spec: FunctionSpec, resolver: Resolver, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """One function's variables as Lambda gives them: Globals and its own (`spec.environment` has both),
    resolved; then `overrides`; then the values kept from the runtime's environment (_KEEP_FROM_ENVIRONMENT)."""
    env: dict[str, str] = {}
    for key, raw in spec.environment.items():
        value = resolver.resolve(raw)
        if value is not NO_VALUE and value is not None:
            env[key] = _text(value)
    env.update(overrides or {})
    for key, value in os.environ.items():
        if _KEEP_FROM_ENVIRONMENT.match(key):
            env[key] = value
    return env


def function_environment(
    specs: Mapping[str, FunctionSpec], resolver: Resolver, overrides: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The union of every function's variables, for code that runs them all in one process (in-process tests,
    PROMPTBANK_LOCAL_ISOLATION=thread), and a note per conflict: the first function (in template order) wins."""
    return union_environment({lid: own_environment(spec, resolver, overrides) for lid, spec in specs.items()})


def union_environment(envs: Mapping[str, Mapping[str, str]]) -> tuple[dict[str, str], list[str]]:
    """`function_environment` from variables already resolved per function (by logical id, in template order)."""
    env: dict[str, str] = {}
    owner: dict[str, str] = {}
    conflicts: list[str] = []
    for logical_id, own in envs.items():
        for key, text in own.items():
            if key in env and env[key] != text:
                conflicts.append(f"{key}: {owner[key]} and {logical_id} differ; {owner[key]}'s value is used")
                continue
            env.setdefault(key, text)
            owner.setdefault(key, logical_id)
    return env, conflicts
