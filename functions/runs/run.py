"""POST /v1/prompts/{ref}/run: compile a prompt and run it against its model; the run is recorded (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from promptbank.http import ResponseFormat, json_or_text, make_app, make_handler, principal
from promptbank.runs.models import RunIn
from promptbank.runs.service import RunService

app = make_app()
service = RunService()


@app.post("/v1/prompts/<ref>/run", summary="Run a prompt", tags=["runs"])
def run_prompt(
    ref: str,
    body: Annotated[RunIn | None, Body()] = None,
    response_format: Annotated[ResponseFormat, Query()] = "json",
) -> Response[str]:
    record = service.run_prompt(principal(app), ref, body or RunIn())
    return json_or_text(record.result(), record.output or "", response_format)


handler = make_handler(app)
