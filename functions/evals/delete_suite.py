"""DELETE /v1/eval-suites/{suite_id}: delete a suite; its schedule stops, its runs stay readable by id (K)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.evaluation.suites import SuiteService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = SuiteService()


@app.delete(
    "/v1/eval-suites/<suite_id>",
    summary="Delete an evaluation suite",
    tags=["evaluation"],
    responses={
        204: {"description": "Deleted: no more scheduled or publish runs"},
        404: {"description": "You have no suite with this id"},
    },
)
def delete_suite(suite_id: str) -> Response[None]:
    service.delete(principal(app), suite_id)
    return Response(204)


handler = make_handler(app)
