"""GET /v1/prompts/{ref}/compiled: the compiled prompt, one DynamoDB read, ETag and 304 (K-read)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from promptbank.http import ResponseFormat, etag_header, json_or_text, make_app, make_handler, principal
from promptbank.observability import count
from promptbank.prompts.delivery import DeliveryService, parse_variables_json
from promptbank.prompts.models import LABEL_PATTERN, MAX_QUERY_VARIABLES_JSON, Compiled
from promptbank.prompts.service import etag_matches
from promptbank.snapstart import prepare_snapshot, warm_dynamodb, warm_encodings, warm_route, warm_templates

app = make_app()
service = DeliveryService()


@app.get(
    "/v1/prompts/<ref>/compiled",
    summary="Get a compiled prompt",
    tags=["delivery"],
    responses={
        200: {
            "description": "The compiled prompt; with `response_format=text`, `compiled_prompt` alone",
            "headers": {"ETag": {"description": "The compile's ETag"}},
            "content": {"application/json": {"model": Compiled}, "text/plain": {"schema": {"type": "string"}}},
        },
        304: {
            "description": "`If-None-Match` matches: no body",
            "headers": {"ETag": {"description": "The compile's ETag"}},
        },
        400: {"description": "Invalid `variables` or values; with `strict`, missing or unknown variables"},
        404: {"description": "No such prompt (or one you may not see), version or label"},
    },
)
def get_compiled(
    ref: str,
    variables: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_VARIABLES_JSON,
            description="A JSON object of variable values, at most 600 characters (a URL has little room); "
            "larger ones go in the body of POST /v1/prompts/{ref}/compile",
        ),
    ] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
    label: Annotated[str | None, Query(pattern=LABEL_PATTERN)] = None,
    strict: Annotated[bool, Query()] = False,
    response_format: Annotated[ResponseFormat, Query()] = "json",
    if_none_match: Annotated[str | None, Header(alias="if-none-match", max_length=200)] = None,
) -> Response[Any]:  # `Compiled` as pre-serialised JSON (frozen bytes), text, or 304
    values = parse_variables_json(variables)
    doc, used_label = service.document(principal(app), ref, version, label)
    compiled = service.compile(doc, used_label, values, strict=strict)
    headers = etag_header(compiled["etag"])
    if if_none_match is not None and etag_matches(if_none_match, compiled["etag"]):
        count("NotModified", route="compiled")
        return Response(304, headers=headers)
    count("Deliveries", route="compiled")
    return json_or_text(compiled, compiled["compiled_prompt"], response_format, headers=headers)


handler = make_handler(app)
prepare_snapshot(
    warm_dynamodb, warm_templates, warm_encodings, warm_route(app, "GET", "/v1/prompts/{ref}/compiled", ref="warm")
)
