"""GET /v1/runs/{run_id}: one of the caller's runs (another user's run is 404) (K-read)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.runs.history import RunHistory
from promptbank.runs.models import Run

app = make_app()
service = RunHistory()


@app.get(
    "/v1/runs/<run_id>",
    summary="Get a run",
    tags=["runs"],
    responses={
        200: {"description": "The run", "content": {"application/json": {"model": Run}}},
        404: {"description": "The caller has no run with this id"},
    },
)
def get_run(run_id: str) -> Run:
    return service.get(principal(app), run_id)


handler = make_handler(app)
