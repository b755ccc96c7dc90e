"""POST /v1/auth/register: create an account and its first session."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.cookies import session_cookie
from promptbank.auth.models import RegisterIn
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler

app = make_app()
service = AccountService()


@app.post("/v1/auth/register", summary="Create an account", tags=["auth"])
def register(body: Annotated[RegisterIn, Body()]) -> Response[dict]:
    user, token = service.register(body)
    return Response(
        201, "application/json", {"user": user.model_dump(), "session_token": token}, cookies=[session_cookie(token)]
    )


handler = make_handler(app, secret_fields=("session_token",))
