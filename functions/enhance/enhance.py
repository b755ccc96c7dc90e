"""POST /v1/enhance: a model rewrites a prompt and lists the issues it found; recorded as a run (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from promptbank.http import ResponseFormat, json_or_text, make_app, make_handler, principal
from promptbank.runs.models import EnhanceIn
from promptbank.runs.service import RunService

app = make_app()
service = RunService()


@app.post("/v1/enhance", summary="Enhance a prompt", tags=["runs"])
def enhance(
    body: Annotated[EnhanceIn, Body()],
    response_format: Annotated[ResponseFormat, Query()] = "json",
) -> Response[str]:
    enhancement, record = service.enhance(principal(app), body)
    result = {
        "enhanced_prompt": enhancement.enhanced_prompt,
        "issues": enhancement.issues,
        "model": record.model,
        "run_id": record.id,
    }
    return json_or_text(result, enhancement.enhanced_prompt, response_format)


handler = make_handler(app)
