"""GET /v1/shares: all your share links, expired ones flagged, each with its prompt's id and name (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.prompts.models import UUID_RE
from promptbank.sharing.models import OwnedShare
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.get(
    "/v1/shares",
    summary="List all your share links",
    tags=["sharing"],
    responses={
        200: {
            "description": "Every link, expired ones flagged (one page: `next_cursor` is null)",
            "content": {"application/json": {"model": Page[OwnedShare]}},
        },
    },
)
def list_shares(prompt_id: Annotated[str | None, Query(pattern=UUID_RE.pattern)] = None) -> Page[OwnedShare]:
    return service.list_all(principal(app), prompt_id)


handler = make_handler(app)
