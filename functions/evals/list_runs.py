"""GET /v1/eval-suites/{suite_id}/runs: a suite's runs, newest first, without results: the pass-rate trend (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.evaluation.suite_models import EvalRunOverview
from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page

app = make_app()
service = SuiteService()


@app.get(
    "/v1/eval-suites/<suite_id>/runs",
    summary="List a suite's runs",
    tags=["evaluation"],
    responses={
        200: {
            "description": "A page of the suite's runs, newest first, without case results",
            "content": {"application/json": {"model": Page[EvalRunOverview]}},
        },
        404: {"description": "You have no suite with this id"},
    },
)
def list_suite_runs(
    suite_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> Page[EvalRunOverview]:
    return service.list_runs(principal(app), suite_id, limit, cursor)


handler = make_handler(app)
