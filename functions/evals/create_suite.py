"""POST /v1/eval-suites: save a suite of test cases for one of your prompts, with a schedule if wanted (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.evaluation.suite_models import Suite, SuiteCreate
from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = SuiteService()


@app.post(
    "/v1/eval-suites",
    summary="Create an evaluation suite",
    tags=["evaluation"],
    responses={
        201: {
            "description": "The suite; `next_run_at` is its first due time",
            "content": {"application/json": {"model": Suite}},
        },
        400: {"description": "Invalid fields: a case, an assertion, the schedule, its time zone or a model"},
        404: {"description": "No prompt of yours with this id or slug"},
    },
)
def create_suite(body: Annotated[SuiteCreate, Body()]) -> Response[Suite]:
    return Response(201, "application/json", service.create(principal(app), body))


handler = make_handler(app)
