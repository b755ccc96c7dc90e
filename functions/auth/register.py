"""POST /v1/auth/register: create an account and its first session."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.cookies import session_cookie
from promptbank.auth.models import RegisterIn, Session
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler

app = make_app()
service = AccountService()


@app.post(
    "/v1/auth/register",
    summary="Create an account",
    tags=["auth"],
    responses={
        201: {
            "description": "The account and its first session; the token is also set as the `pb_session` cookie",
            "content": {"application/json": {"model": Session}},
        },
        409: {"description": "The email is already registered (emails compare case-insensitively)"},
    },
)
def register(body: Annotated[RegisterIn, Body()]) -> Response[Session]:
    user, token = service.register(body)
    return Response(201, "application/json", Session(user=user, session_token=token), cookies=[session_cookie(token)])


handler = make_handler(app, secret_fields=("session_token",))
