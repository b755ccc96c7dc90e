"""PATCH /v1/prompts/{ref}: change metadata and/or create version n+1; `If-Match` guards against lost updates (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header

from promptbank.http import etag_header, make_app, make_handler, principal
from promptbank.prompts.models import Prompt, PromptUpdate
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.patch(
    "/v1/prompts/<ref>",
    summary="Update a prompt",
    tags=["prompts"],
    responses={
        200: {
            "description": "The prompt at its latest version (n+1 when a versioned field changed)",
            "headers": {"ETag": {"description": "The version's ETag"}},
            "content": {"application/json": {"model": Prompt}},
        },
        404: {"description": "No such prompt, or one you may not see"},
        409: {"description": "The new slug is taken, or the Idempotency-Key was used with another request"},
        412: {"description": "`If-Match` does not match the current version's ETag"},
    },
)
def update_prompt(
    ref: str,
    body: Annotated[PromptUpdate, Body()],
    if_match: Annotated[str | None, Header(alias="if-match", max_length=200)] = None,
) -> Response[Prompt]:
    prompt = service.update(principal(app), ref, body, if_match)
    return Response(200, "application/json", prompt, headers=etag_header(prompt.etag))


handler = make_handler(app)
