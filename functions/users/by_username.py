"""GET /v1/u/{username}: a public profile and the user's public prompts, by username (N)."""

from promptbank.http import make_app, make_handler
from promptbank.profiles import public_page

app = make_app()


@app.get("/v1/u/<username>", summary="Public profile by username", tags=["profile"])
def public_username(username: str) -> dict:
    return public_page(username=username)


handler = make_handler(app)
