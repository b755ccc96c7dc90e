"""GET /v1/runs/stats: run statistics from the stream-kept aggregates, by prompt and dates (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import UUID_RE
from promptbank.runs.models import Stats
from promptbank.runs.stats import StatsService

app = make_app()
service = StatsService()


@app.get(
    "/v1/runs/stats",
    summary="Run statistics",
    tags=["runs"],
    responses={
        200: {
            "description": "Totals, averages and breakdowns by model and by day (UTC)",
            "content": {"application/json": {"model": Stats}},
        }
    },
)
def run_stats(
    prompt_id: Annotated[str | None, Query(pattern=UUID_RE.pattern)] = None,
    day_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    day_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Stats:
    return service.stats(principal(app), prompt_id=prompt_id, day_from=day_from, day_to=day_to)


handler = make_handler(app)
