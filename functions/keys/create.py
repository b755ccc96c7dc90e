"""POST /v1/keys: create an API key; the raw key is returned this once (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.models import CreatedApiKey, KeyCreateIn
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.post(
    "/v1/keys",
    summary="Create an API key",
    tags=["keys"],
    responses={
        201: {
            "description": "The new key; `raw_key` is shown this once (an idempotent replay leaves it out)",
            "content": {"application/json": {"model": CreatedApiKey}},
        },
    },
)
def create_key(body: Annotated[KeyCreateIn, Body()]) -> Response[CreatedApiKey]:
    key, raw = service.create_key(principal(app), body)
    return Response(201, "application/json", CreatedApiKey(api_key=key, raw_key=raw))


handler = make_handler(app, secret_fields=("raw_key",))
