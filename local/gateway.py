"""The local API Gateway: REST routes, Lambda authorizers, usage plans, proxy events and gateway responses."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import logging
import math
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.lambdas import FunctionError, Functions, FunctionTimeout
from local.limits import KeyInfo, UsageLimiter, UsagePlanKeys, Verdict
from local.template import ACCOUNT_ID, REGION, ApiSpec, FunctionSpec, Resolver

log = logging.getLogger("local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit
INTEGRATION_TIMEOUT_MS = 29_000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# Response type -> (default status, $context.error.message): API Gateway's own defaults.
RESPONSE_TYPES: dict[str, tuple[int, str]] = {
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error"),
    "AUTHORIZER_FAILURE": (500, "Internal server error"),
    "BAD_REQUEST_PARAMETERS": (400, "Missing required request parameters"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "EXPIRED_TOKEN": (403, "Token expired"),
    "INTEGRATION_FAILURE": (504, "Internal server error"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "INVALID_SIGNATURE": (403, "Invalid signature"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "RESOURCE_NOT_FOUND": (404, "Not Found"),
    "THROTTLED": (429, "Too Many Requests"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type"),
    "WAF_FILTERED": (403, "Forbidden"),
    "DEFAULT_4XX": (400, "Bad Request"),
    "DEFAULT_5XX": (502, "Internal server error"),
}
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


# ------------------------------------------------------------------------------------------------ HTTP in/out
@dataclass
class HttpRequest:
    method: str
    path: str  # raw (percent-encoded), without the query string
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # For the access log line: the resource path matched (never the raw path with its ids or tokens).
    resource: str | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


# ------------------------------------------------------------------------------------------------ routes
@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    function: str  # logical id of the authorizer function
    payload_type: str  # REQUEST | TOKEN
    ttl: int
    headers: tuple[str, ...] = ()
    query_strings: tuple[str, ...] = ()
    token_header: str = "Authorization"
    validation: str | None = None


@dataclass
class ApiRuntime:
    logical_id: str
    rest_api_id: str
    stage: str
    key_source: str  # HEADER | AUTHORIZER
    responses: dict[str, dict[str, Any]]
    binary_media_types: list[str]
    authorizers: dict[str, AuthorizerSpec]


@dataclass(frozen=True)
class Route:
    api: str  # logical id
    path: str
    method: str
    function: str
    authorizer: str | None
    api_key_required: bool
    timeout_ms: int = INTEGRATION_TIMEOUT_MS


def _segments(path: str) -> list[str]:
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


class RouteTable:
    """API Gateway's resource matching: literal segments beat `{param}`, which beats `{proxy+}`;
    on one resource an explicit method beats ANY."""

    def __init__(self, routes: list[Route]) -> None:
        self.resources: dict[str, dict[str, Route]] = {}
        for route in routes:
            methods = self.resources.setdefault(route.path, {})
            if route.method in methods:
                log.warning(
                    "%s %s is defined twice; %s wins",
                    route.method,
                    route.path,
                    methods[route.method].function,
                )
                continue
            methods[route.method] = route
        self._compiled = [(path, _segments(path)) for path in self.resources]

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        """(resource path, decoded path parameters) of the most specific resource matching the raw path."""
        parts = _segments(path)
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for resource, pattern in self._compiled:
            found = _match_segments(pattern, parts)
            if found is None:
                continue
            rank, params = found
            if best is None or rank < best[0]:
                best = (rank, resource, params)
        if best is None:
            return None
        return best[1], best[2]

    def method(self, resource: str, method: str) -> Route | None:
        methods = self.resources.get(resource, {})
        return methods.get(method) or methods.get("ANY")


def _match_segments(pattern: list[str], parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    params: dict[str, str] = {}
    rank: list[int] = []
    for index, segment in enumerate(pattern):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = parts[index:]
            if not rest or index != len(pattern) - 1:
                return None
            params[segment[1:-2]] = unquote("/".join(rest))
            rank.append(2)
            return tuple(rank), params
        if index >= len(parts):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            if not parts[index]:
                return None
            params[segment[1:-1]] = unquote(parts[index])
            rank.append(1)
        elif segment == parts[index]:
            rank.append(0)
        else:
            return None
    if len(parts) != len(pattern):
        return None
    return tuple(rank), params


def build_apis(
    apis: Mapping[str, ApiSpec], functions: Mapping[str, FunctionSpec], resolver: Resolver
) -> dict[str, ApiRuntime]:
    out = {}
    arns = {resolver.get_att(lid, "Arn"): lid for lid in functions}
    for lid, function in functions.items():  # an authorizer may name a function's alias (AutoPublishAlias)
        if function.properties.get("AutoPublishAlias"):
            arns[resolver.ref(f"{lid}.Alias")] = lid
    for logical_id, spec in apis.items():
        props = spec.properties
        auth = spec.auth
        authorizers = {}
        for name, raw in (auth.get("Authorizers") or {}).items():
            authorizer = _authorizer(name, raw, arns, resolver)
            if authorizer is not None:
                authorizers[name] = authorizer
        out[logical_id] = ApiRuntime(
            logical_id=logical_id,
            rest_api_id=str(resolver.ref(logical_id)),
            stage=str(resolver.resolve(props.get("StageName")) or "Prod"),
            key_source=str(resolver.resolve(props.get("ApiKeySourceType")) or "HEADER"),
            responses=resolver.resolve(props.get("GatewayResponses") or {}),
            binary_media_types=[
                str(t).replace("~1", "/") for t in resolver.resolve(props.get("BinaryMediaTypes") or [])
            ],
            authorizers=authorizers,
        )
    return out


def _authorizer(
    name: str, raw: Mapping[str, Any], arns: Mapping[str, str], resolver: Resolver
) -> AuthorizerSpec | None:
    function_arn = raw.get("FunctionArn")
    if function_arn is None:
        log.warning("authorizer %s is not a Lambda authorizer; it is not emulated (requests are refused)", name)
        return None
    function = None
    if isinstance(function_arn, dict) and "Fn::GetAtt" in function_arn:
        target = function_arn["Fn::GetAtt"]
        function = (target if isinstance(target, list) else str(target).split("."))[0]
    else:
        function = arns.get(str(resolver.resolve(function_arn)))
    if function is None:
        log.warning("authorizer %s: FunctionArn is not a function of this template", name)
        return None
    identity = resolver.resolve(raw.get("Identity") or {})
    payload_type = str(raw.get("FunctionPayloadType") or "TOKEN").upper()
    return AuthorizerSpec(
        name=name,
        function=function,
        payload_type=payload_type,
        ttl=int(identity.get("ReauthorizeEvery", 300)),
        headers=tuple(identity.get("Headers") or ()),
        query_strings=tuple(identity.get("QueryStrings") or ()),
        token_header=str(identity.get("Header") or "Authorization"),
        validation=identity.get("ValidationExpression"),
    )


def build_routes(
    functions: Mapping[str, FunctionSpec], apis: Mapping[str, ApiRuntime], resolver: Resolver
) -> list[Route]:
    routes = []
    default_api = next(iter(apis), None)
    for logical_id, spec in functions.items():
        for event in spec.events:
            if event.type != "Api":
                continue
            props = event.properties
            rest_api = props.get("RestApiId")
            if isinstance(rest_api, dict) and "Ref" in rest_api:
                api_id = rest_api["Ref"]
            elif rest_api is None:
                api_id = "ServerlessRestApi" if "ServerlessRestApi" in apis else default_api
            else:
                resolved = resolver.resolve(rest_api)
                api_id = next((a for a, rt in apis.items() if rt.rest_api_id == resolved), None)
            if api_id not in apis:
                log.warning("%s.%s: RestApiId is not an API of this template; route skipped", logical_id, event.name)
                continue
            api = apis[api_id]
            api_spec_auth = _api_auth(resolver, api_id)
            auth = resolver.resolve(props.get("Auth") or {})
            authorizer = auth.get("Authorizer", api_spec_auth.get("DefaultAuthorizer"))
            if authorizer in (None, "NONE"):
                authorizer = None
            elif authorizer not in api.authorizers:
                log.warning(
                    "%s.%s: authorizer %s is not emulated; the route refuses every request",
                    logical_id,
                    event.name,
                    authorizer,
                )
            key_required = auth.get("ApiKeyRequired", api_spec_auth.get("ApiKeyRequired", False))
            timeout = int(resolver.resolve(props.get("TimeoutInMillis", INTEGRATION_TIMEOUT_MS)))
            routes.append(
                Route(
                    api=api_id,
                    path=str(resolver.resolve(props["Path"])),
                    method=str(resolver.resolve(props.get("Method", "ANY"))).upper(),
                    function=logical_id,
                    authorizer=authorizer,
                    api_key_required=bool(key_required),
                    timeout_ms=timeout,
                )
            )
    return routes


def _api_auth(resolver: Resolver, api_id: str) -> dict[str, Any]:
    template = resolver.template
    return dict(resolver.resolve(template.api_properties(api_id).get("Auth") or {}))


# ------------------------------------------------------------------------------------------ gateway responses
_CONTEXT_VAR = re.compile(r"\$(?:\{context\.([A-Za-z0-9_.]+)\}|context\.([A-Za-z0-9_.]*[A-Za-z0-9_]))")


class GatewayError(Exception):
    """A response API Gateway makes itself, by response type."""

    def __init__(
        self,
        response_type: str,
        message: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        default_status, default_message = RESPONSE_TYPES[response_type]
        super().__init__(message or default_message)
        self.response_type = response_type
        self.message = message or default_message
        self.status = status or default_status
        self.headers = dict(headers or {})


def render_gateway_response(
    api: ApiRuntime | None,
    error: GatewayError,
    context: Mapping[str, Any],
    request: HttpRequest | None = None,
    path_params: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The template's GatewayResponses entry for the type (or DEFAULT_4XX/5XX), rendered like API Gateway."""
    responses = api.responses if api else {}
    spec = responses.get(error.response_type)
    if spec is None:
        spec = responses.get("DEFAULT_5XX" if error.status >= 500 else "DEFAULT_4XX") or {}
        status = error.status
    else:
        status = int(spec.get("StatusCode") or error.status)
    variables = dict(context)
    variables.update(
        {
            "error.message": error.message,
            "error.messageString": json.dumps(error.message),
            "error.responseType": error.response_type,
            "error.validationErrorString": error.message,
        }
    )
    templates = spec.get("ResponseTemplates") or {}
    template = templates.get("application/json") or next(iter(templates.values()), None)
    if template is None:
        template = '{"message":$context.error.messageString}'
    body = _CONTEXT_VAR.sub(lambda m: _text(variables.get(m.group(1) or m.group(2))), str(template))
    headers: dict[str, str] = {"Content-Type": "application/json"}
    for name, expression in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items():
        value = _parameter_value(str(expression), variables, request, path_params)
        if value is not None:
            headers[_canonical(headers, name)] = value
    for name, value in error.headers.items():
        if _canonical(headers, name) in headers:  # a computed value replaces the template's (e.g. Retry-After)
            headers[_canonical(headers, name)] = value
    return HttpResponse(status, list(headers.items()), body.encode())


def _canonical(headers: Mapping[str, str], name: str) -> str:
    return next((k for k in headers if k.lower() == name.lower()), name)


def _parameter_value(
    expression: str,
    variables: Mapping[str, Any],
    request: HttpRequest | None,
    path_params: Mapping[str, str] | None,
) -> str | None:
    if len(expression) >= 2 and expression.startswith("'") and expression.endswith("'"):
        return expression[1:-1]
    if expression.startswith("context."):
        value = variables.get(expression[len("context.") :])
        return None if value is None else _text(value)
    if expression.startswith("method.request.header.") and request is not None:
        return request.header(expression[len("method.request.header.") :])
    if expression.startswith("method.request.querystring.") and request is not None:
        wanted = expression[len("method.request.querystring.") :]
        return next((v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == wanted), None)
    if expression.startswith("method.request.path."):
        return (path_params or {}).get(expression[len("method.request.path.") :])
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ------------------------------------------------------------------------------------------ authorizer policy
def _arn_matches(pattern: str, arn: str) -> bool:
    return fnmatch.fnmatchcase(arn, pattern)


def policy_effect(policy: Mapping[str, Any], method_arn: str) -> str | None:
    """'Deny' if a statement denies the method (explicit deny wins), 'Allow' if one allows it, else None."""
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("*", "execute-api:*", "execute-api:Invoke") for a in actions):
            continue
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        if not any(_arn_matches(r, method_arn) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).capitalize()
        if effect == "Deny":
            return "Deny"
        if effect == "Allow":
            allowed = True
    return "Allow" if allowed else None


@dataclass
class AuthorizerResult:
    principal_id: str
    policy: dict[str, Any]
    context: dict[str, Any]
    usage_identifier_key: str | None
    latency_ms: int


def _authorizer_result(raw: Any, latency_ms: int) -> AuthorizerResult:
    if not isinstance(raw, dict) or not isinstance(raw.get("policyDocument"), dict) or "principalId" not in raw:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    context: dict[str, Any] = {}
    for key, value in (raw.get("context") or {}).items():
        if isinstance(value, dict | list):
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
        # API Gateway hands the integration every context value as a string.
        context[str(key)] = None if value is None else _text(value)
    usage_key = raw.get("usageIdentifierKey")
    return AuthorizerResult(
        str(raw["principalId"]),
        raw["policyDocument"],
        context,
        None if usage_key is None else str(usage_key),
        latency_ms,
    )


# ------------------------------------------------------------------------------------------------ the gateway
@dataclass
class _Call:
    """What one request has accumulated on its way through the gateway."""

    request: HttpRequest
    request_id: str
    started_ms: int
    api: ApiRuntime | None = None
    route: Route | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    authorizer: AuthorizerResult | None = None
    key: KeyInfo | None = None


class Gateway:
    def __init__(
        self,
        *,
        apis: Mapping[str, ApiRuntime],
        routes: list[Route],
        functions: Functions,
        usage_keys: UsagePlanKeys,
        limiter: UsageLimiter,
        rate_limits: bool = True,
    ) -> None:
        self.apis = dict(apis)
        self.routes = RouteTable(routes)
        self.functions = functions
        self.usage_keys = usage_keys
        self.limiter = limiter
        self.rate_limits = rate_limits
        self._default_api = next(iter(self.apis.values()), None)
        self._auth_cache: dict[tuple[Any, ...], tuple[float, AuthorizerResult]] = {}

    # entry point --------------------------------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        call = _Call(request, str(uuid.uuid4()), int(time.time() * 1000), api=self._default_api)
        try:
            response = self._handle(call)
        except GatewayError as err:
            response = render_gateway_response(call.api, err, self._context_variables(call), request, call.path_params)
        except Exception:  # a bug of the local gateway itself: still an envelope, and the traceback on stderr
            print(f"local: gateway error\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            failure = GatewayError("API_CONFIGURATION_ERROR")
            response = render_gateway_response(call.api, failure, self._context_variables(call), request)
        response.resource = call.route.path if call.route else None
        response.headers.append(("x-amzn-RequestId", call.request_id))
        return response

    def _handle(self, call: _Call) -> HttpResponse:
        request = call.request
        if len(request.body) > MAX_BODY_BYTES:
            raise GatewayError("REQUEST_TOO_LARGE")
        matched = self.routes.match(request.path)
        if matched is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        resource, call.path_params = matched
        route = self.routes.method(resource, request.method)
        if route is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        call.route, call.api = route, self.apis[route.api]
        if route.authorizer is not None:
            call.authorizer = self._authorize(call)
        if route.api_key_required:
            call.key = self._api_key(call)
            if self.rate_limits:
                verdict, wait = self.limiter.check(call.key)
                if verdict == Verdict.THROTTLED:
                    raise GatewayError("THROTTLED", headers={"Retry-After": str(max(1, math.ceil(wait)))})
                if verdict == Verdict.QUOTA_EXCEEDED:
                    raise GatewayError("QUOTA_EXCEEDED")
        return self._integrate(call)

    # authorizer ---------------------------------------------------------------------------------------------
    def _authorize(self, call: _Call) -> AuthorizerResult:
        assert call.route is not None and call.api is not None
        spec = call.api.authorizers.get(call.route.authorizer or "")
        if spec is None:
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
        request = call.request
        method_arn = self._method_arn(call)
        cache_key: tuple[Any, ...] | None = None
        if spec.payload_type == "TOKEN":
            token = request.header(spec.token_header)
            if not token or (spec.validation and not re.fullmatch(spec.validation, token)):
                raise GatewayError("UNAUTHORIZED")
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
            if spec.ttl > 0:
                cache_key = (spec.name, token)
        else:
            sources: list[str | None] = [request.header(h) for h in spec.headers]
            query = dict(parse_qsl(request.query, keep_blank_values=True))
            sources += [query.get(q) for q in spec.query_strings]
            if spec.ttl > 0 and sources:
                if not all(sources):
                    raise GatewayError("UNAUTHORIZED")
                cache_key = (spec.name, *sources)
            event = self._request_authorizer_event(call, method_arn)
        now = time.monotonic()
        if cache_key is not None:
            cached = self._auth_cache.get(cache_key)
            if cached and cached[0] > now:
                return self._check_policy(cached[1], method_arn)
        started = time.perf_counter()
        try:
            raw = self.functions[spec.function].invoke(event, timeout_s=30)
        except FunctionError as err:
            if err.error_message == "Unauthorized":
                raise GatewayError("UNAUTHORIZED") from None
            _report(spec.function, err)
            raise GatewayError("AUTHORIZER_FAILURE") from None
        result = _authorizer_result(raw, int((time.perf_counter() - started) * 1000))
        if cache_key is not None:
            self._auth_cache[cache_key] = (now + spec.ttl, result)
        return self._check_policy(result, method_arn)

    @staticmethod
    def _check_policy(result: AuthorizerResult, method_arn: str) -> AuthorizerResult:
        effect = policy_effect(result.policy, method_arn)
        if effect == "Deny":
            raise GatewayError("ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny")
        if effect != "Allow":
            raise GatewayError("ACCESS_DENIED")
        return result

    def _method_arn(self, call: _Call) -> str:
        assert call.api is not None
        path = call.request.path if call.request.path.startswith("/") else "/" + call.request.path
        prefix = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{call.api.rest_api_id}/{call.api.stage}"
        return f"{prefix}/{call.request.method}{path}"

    def _request_authorizer_event(self, call: _Call, method_arn: str) -> dict[str, Any]:
        event = self._base_event(call)
        return {
            "type": "REQUEST",
            "methodArn": method_arn,
            "resource": event["resource"],
            "path": event["path"],
            "httpMethod": event["httpMethod"],
            "headers": event["headers"],
            "multiValueHeaders": event["multiValueHeaders"],
            "queryStringParameters": event["queryStringParameters"] or {},
            "multiValueQueryStringParameters": event["multiValueQueryStringParameters"] or {},
            "pathParameters": event["pathParameters"] or {},
            "stageVariables": {},
            "requestContext": event["requestContext"],
        }

    # API keys -----------------------------------------------------------------------------------------------
    def _api_key(self, call: _Call) -> KeyInfo:
        assert call.api is not None
        if call.api.key_source == "AUTHORIZER":
            value = call.authorizer.usage_identifier_key if call.authorizer else None
        else:
            value = call.request.header("x-api-key")
        key = self.usage_keys.lookup(call.api.rest_api_id, call.api.stage, value)
        if key is None:
            raise GatewayError("INVALID_API_KEY")
        return key

    # integration --------------------------------------------------------------------------------------------
    def _integrate(self, call: _Call) -> HttpResponse:
        assert call.route is not None
        event = self._base_event(call)
        if call.authorizer is not None:
            event["requestContext"]["authorizer"] = {
                "principalId": call.authorizer.principal_id,
                "integrationLatency": call.authorizer.latency_ms,
                **call.authorizer.context,
            }
        pool = self.functions[call.route.function]
        try:
            result = pool.invoke(event, request_id=call.request_id, timeout_s=call.route.timeout_ms / 1000)
        except FunctionTimeout as err:
            _report(call.route.function, err)
            if call.route.timeout_ms / 1000 < pool.spec.timeout:
                raise GatewayError("INTEGRATION_TIMEOUT") from None
            raise GatewayError("DEFAULT_5XX") from None
        except FunctionError as err:
            _report(call.route.function, err)
            raise GatewayError("DEFAULT_5XX") from None
        try:
            return self._proxy_response(result, call.request, call.api)
        except ValueError as err:
            print(f"local: {call.route.function} returned a malformed proxy response: {err}", file=sys.stderr)
            raise GatewayError("DEFAULT_5XX") from None

    @staticmethod
    def _proxy_response(result: Any, request: HttpRequest, api: ApiRuntime | None) -> HttpResponse:
        if not isinstance(result, dict):
            raise ValueError("not a JSON object")
        status = result.get("statusCode")
        if isinstance(status, str) and status.isdigit():
            status = int(status)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError("statusCode must be an integer HTTP status")
        headers: list[tuple[str, str]] = []
        multi = result.get("multiValueHeaders") or {}
        single = result.get("headers") or {}
        if not isinstance(multi, dict) or not isinstance(single, dict):
            raise ValueError("headers and multiValueHeaders must be objects")
        for name, values in multi.items():
            if not isinstance(values, list):
                raise ValueError(f"multiValueHeaders[{name!r}] must be a list")
            headers.extend((name, _text(v)) for v in values)
        for name, value in single.items():
            if isinstance(value, dict | list):
                raise ValueError(f"headers[{name!r}] must be a string")
            if any(k == name for k, _ in headers):  # multiValueHeaders win for the same name
                continue
            headers.append((name, _text(value)))
        body = result.get("body")
        if body is not None and not isinstance(body, str):
            raise ValueError("body must be a string")
        payload = (body or "").encode()
        if result.get("isBase64Encoded") and body:
            # REST APIs decode base64 only when Accept names one of the API's binary media types.
            binary = api.binary_media_types if api else []
            if _accepts_binary(request.header("accept"), binary):
                try:
                    payload = base64.b64decode(body, validate=True)
                except ValueError:
                    raise ValueError("isBase64Encoded but the body is not base64") from None
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return HttpResponse(status, headers, payload)

    # events -------------------------------------------------------------------------------------------------
    def _base_event(self, call: _Call) -> dict[str, Any]:
        """The REST proxy event (payload 1.0) as API Gateway builds it."""
        assert call.route is not None and call.api is not None
        request, route, api = call.request, call.route, call.api
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            if name.lower() in _HOP_BY_HOP:
                continue
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        forwarded = {
            "X-Forwarded-For": request.source_ip,
            "X-Forwarded-Port": (request.header("host") or "").rpartition(":")[2] or "80",
            "X-Forwarded-Proto": "http",
            "X-Amzn-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
        }
        for name, value in forwarded.items():
            if not any(k.lower() == name.lower() for k in headers):
                headers[name] = value
                multi_headers[name] = [value]
        query_pairs = parse_qsl(request.query, keep_blank_values=True)
        query: dict[str, str] | None = None
        multi_query: dict[str, list[str]] | None = None
        if query_pairs:
            query, multi_query = {}, {}
            for key, value in query_pairs:
                query[key] = value
                multi_query.setdefault(key, []).append(value)
        body, is_base64 = _event_body(request, api.binary_media_types)
        now = datetime.now(UTC)
        identity = {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("user-agent"),
            "user": None,
            "apiKey": call.key.value if call.key else None,
            "apiKeyId": call.key.id if call.key else None,
        }
        host = request.header("host") or "127.0.0.1"
        request_context = {
            "resourceId": hashlib.sha256(f"{api.rest_api_id}{route.path}".encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": request.method,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode()[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{api.stage}{request.path}",
            "accountId": ACCOUNT_ID,
            "protocol": request.protocol,
            "stage": api.stage,
            "domainPrefix": api.rest_api_id,
            "requestTimeEpoch": call.started_ms,
            "requestId": call.request_id,
            "identity": identity,
            "domainName": host,
            "apiId": api.rest_api_id,
        }
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": dict(call.path_params) or None,
            "stageVariables": None,
            "requestContext": request_context,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def _context_variables(self, call: _Call) -> dict[str, Any]:
        api = call.api
        variables: dict[str, Any] = {
            "requestId": call.request_id,
            "extendedRequestId": call.request_id,
            "httpMethod": call.request.method,
            "path": f"/{api.stage}{call.request.path}" if api else call.request.path,
            "resourcePath": call.route.path if call.route else None,
            "stage": api.stage if api else None,
            "apiId": api.rest_api_id if api else None,
            "accountId": ACCOUNT_ID,
            "requestTimeEpoch": call.started_ms,
            "protocol": call.request.protocol,
            "identity.sourceIp": call.request.source_ip,
            "identity.userAgent": call.request.header("user-agent"),
            "identity.apiKey": call.key.value if call.key else None,
            "identity.apiKeyId": call.key.id if call.key else None,
        }
        if call.authorizer is not None:
            variables["authorizer.principalId"] = call.authorizer.principal_id
            for key, value in call.authorizer.context.items():
                variables[f"authorizer.{key}"] = value
        return variables


def _report(function: str, err: FunctionError) -> None:
    detail = err.trace.rstrip() if err.trace else f"{err.error_type}: {err.error_message}"
    print(f"local: {function} failed\n{detail}", file=sys.stderr, flush=True)


def _event_body(request: HttpRequest, binary_media_types: list[str]) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if any(fnmatch.fnmatchcase(content_type, t.lower()) for t in binary_media_types if t):
        return base64.b64encode(request.body).decode(), True
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode(), True


def _accepts_binary(accept: str | None, binary_media_types: list[str]) -> bool:
    if not binary_media_types:
        return False
    if "*/*" in binary_media_types:
        return True
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return any(fnmatch.fnmatchcase(first, t.lower()) for t in binary_media_types)


# ------------------------------------------------------------------------------------------------ HTTP server
LocalHandler = Callable[[str, str, HttpRequest], HttpResponse | None]


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        gateway: Gateway | None = None,
        local_handler: LocalHandler | None = None,
    ) -> None:
        super().__init__(address, _RequestHandler)
        # Responses go out in several small writes: without TCP_NODELAY, Nagle and the client's delayed ACK
        # add ~40 ms to every response. Accepted sockets inherit the option from the listening one (Linux).
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.gateway = gateway
        self.local_handler = local_handler
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def track(self, delta: int) -> None:
        with self._in_flight_lock:
            self._in_flight += delta

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer
    server_version = "promptbank-local"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the default line has the query string; ours (in _serve) has no query, headers or body."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        started = time.perf_counter()
        raw_path, _, query = self.path.partition("?")
        if not raw_path.startswith("/"):  # absolute-form request target
            raw_path = "/" + raw_path.split("://", 1)[-1].partition("/")[2]
        request = HttpRequest(
            method=self.command.upper(),
            path=raw_path,
            query=query,
            headers=list(self.headers.items()),
            body=b"",
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        self.server.track(1)
        try:
            too_large = self._read_body(request)
            response: HttpResponse | None = None
            if raw_path.startswith("/__local/") and self.server.local_handler is not None:
                response = self.server.local_handler(request.method, raw_path, request)
            if response is None:
                if too_large:
                    request.body = b"x" * (MAX_BODY_BYTES + 1)
                assert self.server.gateway is not None
                response = self.server.gateway.handle(request)
            if too_large:
                self.close_connection = True
            self._write(response, head=request.method == "HEAD")
        finally:
            self.server.track(-1)
        if not raw_path.startswith("/__local/"):
            elapsed = (time.perf_counter() - started) * 1000
            shown = response.resource if response and response.resource else raw_path[:120]
            status = response.status if response else 0
            print(f"local: {request.method} {shown} {status} {elapsed:.1f}ms", file=sys.stderr, flush=True)

    def _read_body(self, request: HttpRequest) -> bool:
        """Read the body into request.body; True if it is over API Gateway's limit (then it is not kept)."""
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks, size = [], 0
            while True:
                line = self.rfile.readline()
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunk = self.rfile.read(length)
                self.rfile.readline()
                size += len(chunk)
                if size <= MAX_BODY_BYTES:
                    chunks.append(chunk)
            request.body = b"".join(chunks)
            return size > MAX_BODY_BYTES
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.close_connection = True
            length = 0
        if length > MAX_BODY_BYTES:
            return True
        request.body = self.rfile.read(length) if length else b""
        return False

    def _write(self, response: HttpResponse, head: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and response.body:
            self.wfile.write(response.body)
