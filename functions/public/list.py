"""GET /v1/public/prompts: explore public prompts, 18 a page, newest or oldest first, with filters (N)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.discovery.models import CataloguePage
from promptbank.discovery.service import MAX_PAGE, CatalogueService, Sort
from promptbank.http import make_app, make_handler
from promptbank.prompts.models import UUID_RE

app = make_app()
service = CatalogueService()


@app.get(
    "/v1/public/prompts",
    summary="Explore public prompts",
    tags=["discovery"],
    responses={200: {"description": "One numbered page", "content": {"application/json": {"model": CataloguePage}}}},
)
def explore(
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    author: Annotated[str | None, Query(pattern=UUID_RE.pattern)] = None,
    sort: Annotated[Sort, Query()] = "newest",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> CataloguePage:
    return service.explore(q=q, tag=tag, author=author, sort=sort, page=page)


handler = make_handler(app)
