"""GET /v1/keys: the caller's API keys, newest first (S)."""

from promptbank.auth.models import ApiKey
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page

app = make_app()
service = AccountService()


@app.get(
    "/v1/keys",
    summary="List API keys",
    tags=["keys"],
    responses={
        200: {
            "description": "Every key of the caller, newest first, in one page",
            "content": {"application/json": {"model": Page[ApiKey]}},
        }
    },
)
def list_keys() -> Page[ApiKey]:
    return Page[ApiKey](data=service.list_keys(principal(app)), next_cursor=None)


handler = make_handler(app)
