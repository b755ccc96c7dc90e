"""PATCH /v1/prompts/{ref}/shares/{share_id}: replace a link's prefilled variables; token and URL stay (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.sharing.models import Share, ShareUpdate
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.patch(
    "/v1/prompts/<ref>/shares/<share_id>",
    summary="Change a share link",
    tags=["sharing"],
    responses={
        200: {"description": "The link; token and URL unchanged", "content": {"application/json": {"model": Share}}},
        404: {"description": "No such prompt or link, or one you may not see"},
        409: {"description": "The Idempotency-Key was used with another request"},
    },
)
def update_share(ref: str, share_id: str, body: Annotated[ShareUpdate, Body()]) -> Share:
    return service.update(principal(app), ref, share_id, body)


handler = make_handler(app)
