"""POST /v1/auth/login: exchange email and password for a session (locked after 10 failures in 15 min)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.cookies import session_cookie
from promptbank.auth.models import LoginIn, Session
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler

app = make_app()
service = AccountService()


@app.post(
    "/v1/auth/login",
    summary="Log in",
    tags=["auth"],
    responses={
        200: {
            "description": "A new session; the token is also set as the `pb_session` cookie",
            "content": {"application/json": {"model": Session}},
        },
        401: {"description": "Wrong email or password (INVALID_CREDENTIALS, one message for both)"},
        429: {
            "description": "Too many failed logins for this email in 15 minutes",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        },
    },
)
def login(body: Annotated[LoginIn, Body()]) -> Response[Session]:
    user, token = service.login(body)
    return Response(200, "application/json", Session(user=user, session_token=token), cookies=[session_cookie(token)])


handler = make_handler(app, secret_fields=("session_token",))
