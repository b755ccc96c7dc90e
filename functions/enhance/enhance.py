"""POST /v1/enhance: a model rewrites a prompt and lists the issues it found; recorded as a run (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from promptbank.http import ResponseFormat, json_or_text, make_app, make_handler, principal
from promptbank.runs.models import AI_ROUTE_ERRORS, EnhanceIn, EnhanceResult
from promptbank.runs.service import RunService

app = make_app()
service = RunService()


@app.post(
    "/v1/enhance",
    summary="Enhance a prompt",
    tags=["runs"],
    responses={
        200: {
            "description": "The rewritten prompt and the issues found; with `response_format=text`, the prompt alone",
            "content": {"application/json": {"model": EnhanceResult}, "text/plain": {"schema": {"type": "string"}}},
        },
        **AI_ROUTE_ERRORS,
    },
)
def enhance(
    body: Annotated[EnhanceIn, Body()],
    response_format: Annotated[ResponseFormat, Query()] = "json",
) -> Response[EnhanceResult | str]:
    result = service.enhance(principal(app), body)
    return json_or_text(result, result.enhanced_prompt, response_format)


handler = make_handler(app)
