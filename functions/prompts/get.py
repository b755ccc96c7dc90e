"""GET /v1/prompts/{ref}: a prompt at the resolved version, with its ETag; 304 to a matching `If-None-Match` (K-read)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from promptbank.http import ResponseFormat, etag_header, json_or_text, make_app, make_handler, principal
from promptbank.observability import count
from promptbank.prompts.models import LABEL_PATTERN, Prompt
from promptbank.prompts.service import PromptService, etag_matches
from promptbank.snapstart import prepare_snapshot, warm_dynamodb, warm_route

app = make_app()
service = PromptService()


@app.get(
    "/v1/prompts/<ref>",
    summary="Get a prompt",
    tags=["prompts"],
    responses={
        200: {
            "description": "The prompt at the resolved version; with `response_format=text`, its raw content",
            "headers": {"ETag": {"description": "The version's ETag"}},
            "content": {"application/json": {"model": Prompt}, "text/plain": {"schema": {"type": "string"}}},
        },
        304: {
            "description": "`If-None-Match` matches: no body (clients revalidate a cached prompt this way)",
            "headers": {"ETag": {"description": "The version's ETag"}},
        },
        404: {"description": "No such prompt (or one you may not see), version or label"},
    },
)
def get_prompt(
    ref: str,
    version: Annotated[int | None, Query(ge=1)] = None,
    label: Annotated[str | None, Query(pattern=LABEL_PATTERN)] = None,
    response_format: Annotated[ResponseFormat, Query()] = "json",
    if_none_match: Annotated[str | None, Header(alias="if-none-match", max_length=200)] = None,
) -> Response[Any]:  # JSON (`Prompt`), text (pre-serialised by json_or_text) or 304
    prompt = service.get(principal(app), ref, version, label)
    headers = etag_header(prompt.etag)
    if if_none_match is not None and etag_matches(if_none_match, prompt.etag):
        count("NotModified", route="prompt")
        return Response(304, headers=headers)
    count("Deliveries", route="prompt")
    return json_or_text(prompt, prompt.content, response_format, headers=headers)


handler = make_handler(app)
prepare_snapshot(warm_dynamodb, warm_route(app, "GET", "/v1/prompts/{ref}", ref="warm"))
