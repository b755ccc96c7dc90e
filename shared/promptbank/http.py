"""The resolver factory and the handler wrapper every endpoint function uses: one error envelope, one request id."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from email.message import Message
from functools import lru_cache
from typing import Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

from promptbank.auth.principal import Principal
from promptbank.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    PromptbankError,
    UnsupportedMediaType,
    ValidationFailed,
    envelope,
)
from promptbank.jsontext import loads, malformed
from promptbank.observability import logger, metrics

MAX_BODY_BYTES = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON = "application/json"
CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "X-API-Key", "Idempotency-Key", "If-Match", "If-None-Match", "Content-Type"],
    expose_headers=["ETag", "X-Request-Id", "Retry-After"],
    max_age=600,
)

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_app() -> APIGatewayRestResolver:
    """A resolver with validation on and every error rendered as the envelope."""
    app = APIGatewayRestResolver(enable_validation=True, cors=CORS)

    @app.exception_handler(RequestValidationError)
    def _validation(err: RequestValidationError) -> Response:
        return error_response(validation_error(err.errors()), request_id(app.current_event.raw_event))

    @app.exception_handler(PromptbankError)
    def _domain(err: PromptbankError) -> Response:
        return error_response(err, request_id(app.current_event.raw_event))

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return error_response(NotFound("Route not found"), request_id(app.current_event.raw_event))

    @app.exception_handler(Exception)
    def _bug(err: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(PromptbankError(), request_id(app.current_event.raw_event))

    return app


def validation_error(errors: Sequence[Any]) -> ValidationFailed:
    """pydantic's structured errors -> 400 with one detail per field (`body.name` -> `name`)."""
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "body"
        if error.get("type") == "json_invalid":
            return malformed_json()
        field = ".".join(loc[1:]) if len(loc) > 1 else where
        message = str(error.get("msg", "Invalid value"))
        if error.get("type") == "extra_forbidden":
            message = "Unknown field"
        details.append({"field": field, "message": message})
    fields = ", ".join(sorted({d["field"] for d in details}))
    return ValidationFailed(f"Invalid request: {fields}", details=details)


def malformed_json() -> ValidationFailed:
    return malformed("body")


def error_response(err: PromptbankError, req_id: str) -> Response:
    return Response(
        status_code=err.status,
        content_type=JSON,
        body=json.dumps(envelope(err.code, err.message, req_id, err.details)),
        headers=dict(err.headers),
    )


def request_id(event: dict[str, Any]) -> str:
    return str((event.get("requestContext") or {}).get("requestId") or "")


def header(event: dict[str, Any], name: str) -> str | None:
    """Case-insensitive header lookup on a REST proxy event."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return str(value)
    return None


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller, from the authorizer's context (401 if the route was reached without one)."""
    return Principal.from_context(app.current_event.request_context.authorizer.raw_event)


def body_bytes(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return len(base64.b64decode(body))
        except (binascii.Error, ValueError):
            raise ValidationFailed.field("body", "Not valid base64") from None
    return len(body.encode("utf-8", "surrogatepass"))


# JSON request bodies (docs/http.md) ----------------------------------------------------------------------------
def normalize_json_body(event: dict[str, Any]) -> None:
    """Check a POST/PUT/PATCH body before any route sees it, and hand the resolver canonical JSON text.

    A body must be JSON: `Content-Type` `application/json` in any letter case, with parameters, `charset` (if
    given) UTF-8; a missing `Content-Type` is read as JSON. Another media type is 415; a body that is not UTF-8,
    not JSON, not a JSON object (every request body of the API is one; `null` reads as no body), or nested deeper
    than MAX_JSON_DEPTH is 400. An empty body has no media type to check. Afterwards
    the event carries the body as text (never base64) and `Content-Type: application/json`, which is all
    Powertools' validation reads.
    """
    if str(event.get("httpMethod") or "").upper() not in BODY_METHODS:
        return
    if event.get("body"):
        content_type = header(event, "Content-Type")
        if content_type is not None and content_type.strip():
            _check_media_type(content_type)
        text = _body_text(event)
        if not isinstance(loads(text), dict | None):  # `null` is no body, as an empty one is
            raise ValidationFailed.field("body", "must be a JSON object")
        event["body"] = text
        event["isBase64Encoded"] = False
    _set_header(event, "Content-Type", JSON)


def _check_media_type(value: str) -> None:
    parsed = Message()
    parsed["Content-Type"] = value
    media_type = parsed.get_content_type()  # lower case; text/plain when the value is not a media type
    if media_type != JSON:
        raise UnsupportedMediaType(f"Content-Type must be application/json, not {media_type}")
    charset = parsed.get_content_charset()
    if charset is not None and charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"The body must be UTF-8, not {charset}")


def _body_text(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeError):
        raise ValidationFailed.field("body", "Not valid UTF-8") from None


def _set_header(event: dict[str, Any], name: str, value: str) -> None:
    for key, new in (("headers", value), ("multiValueHeaders", [value])):
        if key == "multiValueHeaders" and event.get(key) is None:
            continue
        headers = {k: v for k, v in (event.get(key) or {}).items() if k.lower() != name.lower()}
        headers[name] = new
        event[key] = headers


def make_handler(app: APIGatewayRestResolver, *, secret_fields: Sequence[str] = ()) -> LambdaHandler:
    """The Lambda entry point for one resolver: logging context, tracing, metrics, size limit, JSON body check,
    idempotency. `secret_fields` name the response-body fields (dotted for nested ones) that hold a secret shown
    once, such as a raw key: an idempotency record never keeps them (see `redact_secrets`)."""
    secrets = tuple(secret_fields)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return serve(app, event, context, secret_fields=secrets)

    return handler


def serve(
    app: APIGatewayRestResolver, event: dict[str, Any], context: Any, *, secret_fields: Sequence[str] = ()
) -> dict[str, Any]:
    ctx = event.setdefault("requestContext", {})
    ctx.setdefault("requestId", str(uuid.uuid4()))
    req_id = ctx["requestId"]
    try:
        if body_bytes(event) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        normalize_json_body(event)
        idempotency_key = header(event, "Idempotency-Key")
        if event.get("httpMethod") in IDEMPOTENT_METHODS and idempotency_key is not None:
            response = _idempotent(app, event, context, idempotency_key, tuple(secret_fields))
        else:
            response = app.resolve(event, context)
    except PromptbankError as err:
        response = _plain_error(err, req_id)
    return _with_request_id(response, req_id)


def _plain_error(err: PromptbankError, req_id: str) -> dict[str, Any]:
    headers = {"Content-Type": JSON, **err.headers}
    return {
        "statusCode": err.status,
        "headers": headers,
        "body": json.dumps(envelope(err.code, err.message, req_id, err.details)),
        "isBase64Encoded": False,
    }


def _with_request_id(response: dict[str, Any], req_id: str) -> dict[str, Any]:
    multi = response.get("multiValueHeaders")
    if multi is not None:
        multi["X-Request-Id"] = [req_id]
        response["multiValueHeaders"] = dict(multi)
    else:
        response.setdefault("headers", {})["X-Request-Id"] = req_id
    return response


# Idempotency-Key (API.md §1, docs/http.md) ------------------------------------------------------------------
IDEMPOTENCY_TTL_S = 24 * 3600
#: The methods that honour the header: the ones that are not idempotent by nature (as the IETF's
#: Idempotency-Key draft has it). A PATCH may make a new version, and with `If-Match` its retry after a lost
#: answer would otherwise be refused (412) for the very change it made.
IDEMPOTENT_METHODS = ("POST", "PATCH")
#: The body field of a replayed response that names the secret fields the replay leaves out.
OMITTED_SECRETS = "omitted_secrets"


class _NotRemembered(Exception):
    """Raised inside the idempotent call so that an error response is returned but not stored."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__("not remembered")
        self.response = response


def redact_secrets(response: dict[str, Any], secret_fields: Sequence[str]) -> dict[str, Any]:
    """The copy of a response an idempotency record keeps: without `secret_fields` (dotted paths into the JSON
    body), with `omitted_secrets` naming the ones left out, and without `Set-Cookie` (a cookie set beside a
    secret carries it, e.g. the session cookie). A body that is not a JSON object is not kept at all."""
    if not secret_fields:
        return response
    stored = {k: v for k, v in response.items() if k not in ("headers", "multiValueHeaders", "body")}
    for key in ("headers", "multiValueHeaders"):
        if response.get(key) is not None:
            stored[key] = {k: v for k, v in response[key].items() if k.lower() != "set-cookie"}
    try:
        document = None if response.get("isBase64Encoded") else json.loads(response.get("body") or "")
    except ValueError:
        document = None
    if isinstance(document, dict):
        omitted = [path for path in secret_fields if _pop_path(document, path.split("."))]
        if omitted:
            document[OMITTED_SECRETS] = omitted
    else:
        document = {OMITTED_SECRETS: list(secret_fields)}
    stored["body"] = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    stored["isBase64Encoded"] = False
    return stored


def _pop_path(document: dict[str, Any], path: list[str]) -> bool:
    for part in path[:-1]:
        inner = document.get(part)
        if not isinstance(inner, dict):
            return False
        document = inner
    return document.pop(path[-1], None) is not None


@lru_cache(maxsize=1)
def _idempotent_runner() -> tuple[Callable[..., dict[str, Any]], Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.custom_dict import CustomDictSerializer

    from promptbank.settings import get_settings
    from promptbank.store.base import dynamodb_client

    persistence = DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value="IDEMPOTENCY",
        expiry_attr="ttl",
        boto3_client=dynamodb_client(),
    )
    config = IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="payload",
        expires_after_seconds=IDEMPOTENCY_TTL_S,
        raise_on_no_idempotency_key=True,
    )
    # The first caller gets `response` as made; the record keeps the redacted copy, which a replay returns.
    serializer = CustomDictSerializer(
        to_dict=lambda result: redact_secrets(result["response"], result["secret_fields"]),
        from_dict=lambda stored: {"response": stored, "secret_fields": ()},
    )

    @idempotent_function(
        data_keyword_argument="request", persistence_store=persistence, config=config, output_serializer=serializer
    )
    def run(
        request: dict[str, Any],
        app: APIGatewayRestResolver,
        event: dict[str, Any],
        context: Any,
        secret_fields: tuple[str, ...],
    ) -> dict:
        response = app.resolve(event, context)
        response = {k: (dict(v) if k == "multiValueHeaders" else v) for k, v in response.items()}
        if response.get("statusCode", 500) >= 400:
            raise _NotRemembered(response)
        return {"response": response, "secret_fields": secret_fields}

    return run, config


def _payload_digest(event: dict[str, Any]) -> str:
    """What the record keeps of the request, to tell a replay from another request with the same key: a keyed
    digest, because a body can hold a password (login, register) that a plain hash would expose to guessing.
    Path and body, and the `If-Match` a conditional request carries (the same change against another version is
    another request)."""
    from promptbank.settings import get_settings

    key = ("idempotency-payload|" + get_settings().cursor_secret).encode()
    parts = [event.get("path"), event.get("body") or ""]
    if_match = header(event, "If-Match")
    if if_match is not None:
        parts.append(if_match)
    message = json.dumps(parts, ensure_ascii=False)
    return hmac.new(key, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _idempotent(
    app: APIGatewayRestResolver, event: dict[str, Any], context: Any, key: str, secret_fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    if not 1 <= len(key) <= 255:
        raise ValidationFailed.field("Idempotency-Key", "Must be 1-255 characters")
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    caller = authorizer.get("user_id") or "anonymous"
    run, config = _idempotent_runner()
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        config.register_lambda_context(context)
    request = {
        "scope": f"{caller}|{event.get('resource') or event.get('path')}|{key}",
        "payload": _payload_digest(event),
    }
    try:
        result = run(request=request, app=app, event=event, context=context, secret_fields=secret_fields)
        return dict(result["response"])
    except _NotRemembered as err:
        return err.response
    except IdempotencyValidationError:
        raise Conflict("Idempotency-Key was already used with a different request") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("A request with this Idempotency-Key is still in progress") from None


def serve_raw(respond: Callable[[dict[str, Any], str], dict[str, Any]], event: dict[str, Any]) -> dict[str, Any]:
    """For the few functions that answer without a resolver: request id in, `X-Request-Id` out."""
    ctx = event.setdefault("requestContext", {})
    req_id = ctx.setdefault("requestId", str(uuid.uuid4()))
    return _with_request_id(respond(event, req_id), req_id)


ResponseFormat = Literal["json", "text"]


def json_or_text(
    body: BaseModel | dict[str, Any], text: str, response_format: str | None, *, status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """`?response_format=text` (API.md §1): the main text alone as text/plain. A model is written by its aliases
    (`model_config`), like any other response."""
    if response_format == "text":
        return Response(status, "text/plain; charset=utf-8", text, headers=headers)
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json", by_alias=True)
    return Response(status, JSON, json.dumps(body, ensure_ascii=False), headers=headers)


def etag_header(etag: str) -> dict[str, str]:
    return {"ETag": f'"{etag}"'}
