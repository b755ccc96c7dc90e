"""POST /v1/prompts: create a prompt and its version 1 (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import etag_header, make_app, make_handler, principal
from promptbank.prompts.models import PromptCreate
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.post("/v1/prompts", summary="Create a prompt", tags=["prompts"])
def create_prompt(body: Annotated[PromptCreate, Body()]) -> Response[dict]:
    prompt = service.create(principal(app), body)
    return Response(201, "application/json", prompt, headers=etag_header(prompt["etag"]))


handler = make_handler(app)
