"""POST /v1/keys: create an API key; the raw key is returned this once (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.auth.models import KeyCreateIn
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.post("/v1/keys", summary="Create an API key", tags=["keys"])
def create_key(body: Annotated[KeyCreateIn, Body()]) -> tuple[dict, int]:
    key, raw = service.create_key(principal(app), body)
    return {"api_key": key.model_dump(), "raw_key": raw}, 201


handler = make_handler(app, secret_fields=("raw_key",))
