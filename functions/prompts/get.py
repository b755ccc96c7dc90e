"""GET /v1/prompts/{ref}: a prompt at the resolved version, with its ETag (K-read)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import ResponseFormat, etag_header, json_or_text, make_app, make_handler, principal
from promptbank.prompts.models import LABEL_PATTERN, Prompt
from promptbank.prompts.service import PromptService

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
        404: {"description": "No such prompt (or one you may not see), version or label"},
    },
)
def get_prompt(
    ref: str,
    version: Annotated[int | None, Query(ge=1)] = None,
    label: Annotated[str | None, Query(pattern=LABEL_PATTERN)] = None,
    response_format: Annotated[ResponseFormat, Query()] = "json",
) -> Response[Any]:  # JSON (`Prompt`) or text: pre-serialised by json_or_text
    prompt = service.get(principal(app), ref, version, label)
    return json_or_text(prompt, prompt.content, response_format, headers=etag_header(prompt.etag))


handler = make_handler(app)
