"""DELETE /v1/prompts/{ref}/shares/{share_id}: revoke a share link; its token stops working at once (K)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.delete(
    "/v1/prompts/<ref>/shares/<share_id>",
    summary="Revoke a share link",
    tags=["sharing"],
    responses={
        204: {"description": "Revoked: the token stops working at once"},
        404: {"description": "No such prompt or link, or one you may not see"},
    },
)
def revoke_share(ref: str, share_id: str) -> Response[None]:
    service.revoke(principal(app), ref, share_id)
    return Response(204)


handler = make_handler(app)
