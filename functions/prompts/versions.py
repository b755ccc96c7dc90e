"""GET /v1/prompts/{ref}/versions: version summaries, newest first (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.prompts.models import VersionSummary
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.get(
    "/v1/prompts/<ref>/versions",
    summary="List versions",
    tags=["prompts"],
    responses={
        200: {"description": "Newest first", "content": {"application/json": {"model": Page[VersionSummary]}}},
        404: {"description": "No such prompt, or one you may not see"},
    },
)
def list_versions(
    ref: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Page[VersionSummary]:
    return service.list_versions(principal(app), ref, limit, cursor)


handler = make_handler(app)
