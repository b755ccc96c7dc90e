"""POST /v1/evaluate: run a template or a stored prompt over test cases and check each output; AI-limited (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.evaluation.models import EvaluateIn, Evaluation
from promptbank.evaluation.service import EvaluationService
from promptbank.http import make_app, make_handler, principal
from promptbank.runs.models import AI_ROUTE_ERRORS

app = make_app()
service = EvaluationService()


@app.post(
    "/v1/evaluate",
    summary="Evaluate a prompt over test cases",
    tags=["evaluation"],
    responses={
        200: {
            "description": "A result per case, in the order of the request, and their summary. A case whose "
            "provider failed, or that was not done within the 25 s, has `error` and did not pass",
            "content": {"application/json": {"model": Evaluation}},
        },
        404: {"description": "No such prompt, version or label visible to the caller (`prompt_ref`)"},
        # Not 502/504: a provider failure or timeout fails its case, not the evaluation.
        **{status: AI_ROUTE_ERRORS[status] for status in (400, 429)},
    },
)
def evaluate(body: Annotated[EvaluateIn, Body()]) -> Evaluation:
    return service.evaluate(principal(app), body)


handler = make_handler(app)
