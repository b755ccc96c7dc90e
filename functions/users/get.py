"""GET /v1/users/{user_id}: a public profile and the user's public prompts (N)."""

from promptbank.discovery.models import ProfilePage
from promptbank.http import make_app, make_handler
from promptbank.profiles import public_page

app = make_app()


@app.get(
    "/v1/users/<user_id>",
    summary="Public profile by id",
    tags=["profile"],
    responses={
        200: {"description": "The profile and the newest public prompts", "content": {"application/json": {"model": ProfilePage}}},
        404: {"description": "No such user"},
    },
)
def public_user(user_id: str) -> ProfilePage:
    return public_page(user_id=user_id)


handler = make_handler(app)
