"""PATCH /v1/profile: change display name, bio, username (unique) or avatar (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.models import Profile, ProfileUpdateIn
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.patch(
    "/v1/profile",
    summary="Update your profile",
    tags=["profile"],
    responses={
        200: {"description": "The updated profile", "content": {"application/json": {"model": Profile}}},
        409: {"description": "The username is taken, or the Idempotency-Key was used with another request"},
    },
)
def update_profile(body: Annotated[ProfileUpdateIn, Body()]) -> Profile:
    return service.update_profile(principal(app), body)


handler = make_handler(app)
