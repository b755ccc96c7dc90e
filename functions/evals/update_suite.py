"""PATCH /v1/eval-suites/{suite_id}: change a suite; given fields replace, null clears an optional one (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.evaluation.suite_models import Suite, SuiteUpdate
from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = SuiteService()


@app.patch(
    "/v1/eval-suites/<suite_id>",
    summary="Change an evaluation suite",
    tags=["evaluation"],
    responses={
        200: {
            "description": "The suite as changed; a new schedule or time zone counts from now (`next_run_at`). Runs "
            "already queued keep the cases they started with",
            "content": {"application/json": {"model": Suite}},
        },
        400: {"description": "Invalid fields"},
        404: {"description": "You have no suite with this id"},
        409: {
            "description": "The suite changed at the same moment (send the change again), or the Idempotency-Key "
            "was used with another request"
        },
    },
)
def update_suite(suite_id: str, body: Annotated[SuiteUpdate, Body()]) -> Suite:
    return service.update(principal(app), suite_id, body)


handler = make_handler(app)
