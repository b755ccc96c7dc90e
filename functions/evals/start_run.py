"""POST /v1/eval-suites/{suite_id}/runs: start a run of a suite now; it is queued and runs in the background (K)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.evaluation.suite_models import EvalRun
from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal
from promptbank.runs.models import AI_ROUTE_ERRORS

app = make_app()
service = SuiteService()


@app.post(
    "/v1/eval-suites/<suite_id>/runs",
    summary="Run an evaluation suite",
    tags=["evaluation"],
    responses={
        202: {
            "description": "The run, `queued`: poll GET /v1/eval-runs/{run_id} until it has `succeeded` or `failed`",
            "content": {"application/json": {"model": EvalRun}},
        },
        404: {"description": "You have no suite with this id, or its prompt has no version at the suite's label"},
        **{status: AI_ROUTE_ERRORS[status] for status in (400, 429)},
    },
)
def start_run(suite_id: str) -> Response[EvalRun]:
    return Response(202, "application/json", service.start_run(principal(app), suite_id))


handler = make_handler(app)
