"""GET /v1/keys: the caller's API keys, newest first (S)."""

from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.get("/v1/keys", summary="List API keys", tags=["keys"])
def list_keys() -> dict:
    return {"data": [key.model_dump() for key in service.list_keys(principal(app))]}


handler = make_handler(app)
