"""PATCH /v1/prompts/{ref}: change metadata and/or create version n+1; `If-Match` guards against lost updates (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header

from promptbank.http import etag_header, make_app, make_handler, principal
from promptbank.prompts.models import PromptUpdate
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.patch("/v1/prompts/<ref>", summary="Update a prompt", tags=["prompts"])
def update_prompt(
    ref: str,
    body: Annotated[PromptUpdate, Body()],
    if_match: Annotated[str | None, Header(alias="if-match", max_length=200)] = None,
) -> Response[dict]:
    prompt = service.update(principal(app), ref, body, if_match)
    return Response(200, "application/json", prompt, headers=etag_header(prompt["etag"]))


handler = make_handler(app)
