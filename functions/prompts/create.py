"""POST /v1/prompts: create a prompt and its version 1 (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import etag_header, make_app, make_handler, principal
from promptbank.prompts.models import Prompt, PromptCreate
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.post(
    "/v1/prompts",
    summary="Create a prompt",
    tags=["prompts"],
    responses={
        201: {
            "description": "The prompt at version 1",
            "headers": {"ETag": {"description": "The version's ETag"}},
            "content": {"application/json": {"model": Prompt}},
        },
        400: {"description": "Invalid fields, bad template syntax, or an include that is missing or cyclic"},
        409: {"description": "The slug is taken, or the Idempotency-Key was used with another request"},
    },
)
def create_prompt(body: Annotated[PromptCreate, Body()]) -> Response[Prompt]:
    prompt = service.create(principal(app), body)
    return Response(201, "application/json", prompt, headers=etag_header(prompt.etag))


handler = make_handler(app)
