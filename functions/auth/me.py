"""GET /v1/auth/me: the calling user (K-read)."""

from promptbank.auth.models import User
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.get(
    "/v1/auth/me",
    summary="The calling user",
    tags=["auth"],
    responses={
        200: {"description": "The user the credential belongs to", "content": {"application/json": {"model": User}}}
    },
)
def me() -> User:
    return service.me(principal(app))


handler = make_handler(app)
