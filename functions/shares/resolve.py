"""GET /v1/shares/{token}: what a share link shows, in one DynamoDB request; 404 revoked, 410 expired (N)."""

from promptbank.http import make_app, make_handler
from promptbank.sharing.models import ResolvedShare
from promptbank.sharing.service import ShareService, resolved_view

app = make_app()
service = ShareService()


@app.get(
    "/v1/shares/<token>",
    summary="Resolve a share link",
    tags=["sharing"],
    responses={
        200: {"description": "What the link shows", "content": {"application/json": {"model": ResolvedShare}}},
        404: {"description": "Unknown or revoked link"},
        410: {"description": "The link has expired"},
    },
)
def resolve_share(token: str) -> ResolvedShare:
    return resolved_view(service.resolve(token))


handler = make_handler(app)
