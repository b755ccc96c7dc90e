"""GET /v1/eval-suites: your evaluation suites, newest first, without their cases (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.evaluation.suite_models import SuiteSummary
from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page

app = make_app()
service = SuiteService()


@app.get(
    "/v1/eval-suites",
    summary="List your evaluation suites",
    tags=["evaluation"],
    responses={
        200: {
            "description": "A page of your suites, newest first; each without its cases (`test_case_count` says how "
            "many): GET one for them",
            "content": {"application/json": {"model": Page[SuiteSummary]}},
        }
    },
)
def list_suites(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> Page[SuiteSummary]:
    return service.list(principal(app), limit, cursor)


handler = make_handler(app)
