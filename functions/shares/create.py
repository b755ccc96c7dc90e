"""POST /v1/prompts/{ref}/shares: create a share link, with prefilled variables and an optional expiry (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.sharing.models import Share, ShareCreate
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.post(
    "/v1/prompts/<ref>/shares",
    summary="Create a share link",
    tags=["sharing"],
    responses={
        201: {"description": "The new link", "content": {"application/json": {"model": Share}}},
        404: {"description": "No such prompt, or one you may not see"},
        409: {"description": "The Idempotency-Key was used with another request"},
    },
)
def create_share(ref: str, body: Annotated[ShareCreate | None, Body()] = None) -> Response[Share]:
    return Response(201, "application/json", service.create(principal(app), ref, body or ShareCreate()))


handler = make_handler(app)
