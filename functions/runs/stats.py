"""GET /v1/runs/stats: run statistics from the stream-kept aggregates, by prompt and dates (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import UUID_RE
from promptbank.runs.models import Stats
from promptbank.runs.stats import DAY_PATTERN, StatsService

app = make_app()
#: `from`/`to` are UTC days, `YYYY-MM-DD`; that `from` is not after `to` is checked by the service (no
#: schema can say it, see docs/decisions.md).
DATE = {"format": "date"}
service = StatsService()


@app.get(
    "/v1/runs/stats",
    summary="Run statistics",
    tags=["runs"],
    responses={
        200: {
            "description": "Totals, averages and breakdowns by model and by day (UTC)",
            "content": {"application/json": {"model": Stats}},
        },
        400: {"description": "Validation failed: a malformed date, or `from` after `to`"},
    },
)
def run_stats(
    prompt_id: Annotated[str | None, Query(pattern=UUID_RE.pattern)] = None,
    day_from: Annotated[
        str | None,
        Query(alias="from", pattern=DAY_PATTERN, json_schema_extra=DATE, description="First day; not after `to`"),
    ] = None,
    day_to: Annotated[
        str | None, Query(alias="to", pattern=DAY_PATTERN, json_schema_extra=DATE, description="Last day")
    ] = None,
) -> Stats:
    return service.stats(principal(app), prompt_id=prompt_id, day_from=day_from, day_to=day_to)


handler = make_handler(app)
