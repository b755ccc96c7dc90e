"""GET /v1/eval-suites/{suite_id}: one of your suites with its cases (K)."""

from promptbank.evaluation.suite_models import Suite
from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = SuiteService()


@app.get(
    "/v1/eval-suites/<suite_id>",
    summary="Get an evaluation suite",
    tags=["evaluation"],
    responses={
        200: {"description": "The suite with its cases", "content": {"application/json": {"model": Suite}}},
        404: {"description": "You have no suite with this id"},
    },
)
def get_suite(suite_id: str) -> Suite:
    return service.get(principal(app), suite_id)


handler = make_handler(app)
