"""DELETE /v1/keys/{key_id}: revoke an API key; its next request gets 401 (S)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.delete(
    "/v1/keys/<key_id>",
    summary="Revoke an API key",
    tags=["keys"],
    responses={
        204: {"description": "Revoked; the key's next request gets 401", "content": {}},
        404: {"description": "The caller has no key with this id"},
    },
)
def revoke_key(key_id: str) -> Response[None]:
    service.revoke_key(principal(app), key_id)
    return Response(204)


handler = make_handler(app)
