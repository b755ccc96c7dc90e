"""GET /v1/eval-runs/{run_id}: a suite run with a page of its case results (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.evaluation.suite_models import EvalRun
from promptbank.evaluation.suites import MAX_RESULTS_PAGE, SuiteService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = SuiteService()


@app.get(
    "/v1/eval-runs/<run_id>",
    summary="Get an evaluation run",
    tags=["evaluation"],
    responses={
        200: {
            "description": "The run and up to `limit` of its case results in the suite's order; `next_cursor` "
            "pages on through the results",
            "content": {"application/json": {"model": EvalRun}},
        },
        404: {"description": "You have no evaluation run with this id"},
    },
)
def get_eval_run(
    run_id: str,
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS_PAGE)] = MAX_RESULTS_PAGE,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> EvalRun:
    return service.get_run(principal(app), run_id, limit, cursor)


handler = make_handler(app)
