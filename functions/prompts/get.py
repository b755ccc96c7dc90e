"""GET /v1/prompts/{ref}: a prompt at the resolved version, with its ETag (K-read)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import ResponseFormat, etag_header, json_or_text, make_app, make_handler, principal
from promptbank.prompts.models import LABEL_PATTERN
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.get("/v1/prompts/<ref>", summary="Get a prompt", tags=["prompts"])
def get_prompt(
    ref: str,
    version: Annotated[int | None, Query(ge=1)] = None,
    label: Annotated[str | None, Query(pattern=LABEL_PATTERN)] = None,
    response_format: Annotated[ResponseFormat, Query()] = "json",
) -> Response[Any]:
    prompt = service.get(principal(app), ref, version, label)
    return json_or_text(prompt, prompt["content"], response_format, headers=etag_header(prompt["etag"]))


handler = make_handler(app)
