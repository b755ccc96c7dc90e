"""GET /v1/runs: the caller's runs, newest first, by prompt and source (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.prompts.models import UUID_RE
from promptbank.runs.history import RunHistory
from promptbank.runs.models import Run, Source

app = make_app()
service = RunHistory()


@app.get(
    "/v1/runs",
    summary="List your runs",
    tags=["runs"],
    responses={
        200: {"description": "A page of your runs, newest first", "content": {"application/json": {"model": Page[Run]}}}
    },
)
def list_runs(
    prompt_id: Annotated[str | None, Query(pattern=UUID_RE.pattern)] = None,
    source: Annotated[Source | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> Page[Run]:
    return service.list_runs(principal(app), prompt_id=prompt_id, source=source, limit=limit, cursor=cursor)


handler = make_handler(app)
