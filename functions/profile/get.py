"""GET /v1/profile: the caller's own profile, with email (S)."""

from promptbank.auth.models import Profile
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.get(
    "/v1/profile",
    summary="Your profile",
    tags=["profile"],
    responses={
        200: {"description": "Your profile, with email and plan", "content": {"application/json": {"model": Profile}}}
    },
)
def get_profile() -> Profile:
    return service.profile(principal(app))


handler = make_handler(app)
