"""PATCH /v1/prompts/{ref}/shares/{share_id}: replace a link's prefilled variables; token and URL stay (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.sharing.models import ShareUpdate
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.patch("/v1/prompts/<ref>/shares/<share_id>", summary="Change a share link", tags=["sharing"])
def update_share(ref: str, share_id: str, body: Annotated[ShareUpdate, Body()]) -> dict:
    return service.update(principal(app), ref, share_id, body)


handler = make_handler(app)
