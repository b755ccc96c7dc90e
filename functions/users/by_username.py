"""GET /v1/u/{username}: a public profile and the user's public prompts, by username (N)."""

from promptbank.discovery.models import ProfilePage
from promptbank.http import make_app, make_handler
from promptbank.profiles import public_page

app = make_app()


@app.get(
    "/v1/u/<username>",
    summary="Public profile by username",
    tags=["profile"],
    responses={
        200: {"description": "The profile and the newest public prompts", "content": {"application/json": {"model": ProfilePage}}},
        404: {"description": "No such user"},
    },
)
def public_username(username: str) -> ProfilePage:
    return public_page(username=username)


handler = make_handler(app)
