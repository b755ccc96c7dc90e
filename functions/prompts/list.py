"""GET /v1/prompts: the caller's prompts, most recently updated first, with filters (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.prompts.models import PromptSummary
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.get(
    "/v1/prompts",
    summary="List your prompts",
    tags=["prompts"],
    responses={200: {"description": "Most recently updated first", "content": {"application/json": {"model": Page[PromptSummary]}}}},
)
def list_prompts(
    category: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Page[PromptSummary]:
    return service.list_prompts(principal(app), category=category, tag=tag, q=q, limit=limit, cursor=cursor)


handler = make_handler(app)
