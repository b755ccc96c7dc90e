"""POST /v1/auth/login: exchange email and password for a session (locked after 10 failures in 15 min)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.cookies import session_cookie
from promptbank.auth.models import LoginIn
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler

app = make_app()
service = AccountService()


@app.post("/v1/auth/login", summary="Log in", tags=["auth"])
def login(body: Annotated[LoginIn, Body()]) -> Response[dict]:
    user, token = service.login(body)
    return Response(
        200, "application/json", {"user": user.model_dump(), "session_token": token}, cookies=[session_cookie(token)]
    )


handler = make_handler(app, secret_fields=("session_token",))
