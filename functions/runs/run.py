"""POST /v1/prompts/{ref}/run: compile a prompt and run it against its model; the run is recorded (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from promptbank.http import ResponseFormat, json_or_text, make_app, make_handler, principal
from promptbank.runs.models import AI_ROUTE_ERRORS, RunIn, RunResult
from promptbank.runs.service import RunService

app = make_app()
service = RunService()


@app.post(
    "/v1/prompts/<ref>/run",
    summary="Run a prompt",
    tags=["runs"],
    responses={
        200: {
            "description": "The model's answer; with `response_format=text`, the output alone",
            "content": {"application/json": {"model": RunResult}, "text/plain": {"schema": {"type": "string"}}},
        },
        404: {"description": "No such prompt, version or label visible to the caller"},
        **AI_ROUTE_ERRORS,
    },
)
def run_prompt(
    ref: str,
    body: Annotated[RunIn | None, Body()] = None,
    response_format: Annotated[ResponseFormat, Query()] = "json",
) -> Response[RunResult | str]:
    record = service.run_prompt(principal(app), ref, body or RunIn())
    return json_or_text(record.result(), record.output or "", response_format)


handler = make_handler(app)
