"""POST /v1/auth/logout: end the calling session (S)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.auth.cookies import cleared_cookie
from promptbank.auth.secrets import credential_from_headers
from promptbank.auth.service import AccountService
from promptbank.http import make_app, make_handler, principal

app = make_app()
service = AccountService()


@app.post(
    "/v1/auth/logout",
    summary="Log out",
    tags=["auth"],
    responses={204: {"description": "The session is ended and the `pb_session` cookie cleared", "content": {}}},
)
def logout() -> Response[None]:
    service.logout(principal(app), credential_from_headers(app.current_event.headers))
    return Response(204, cookies=[cleared_cookie()])


handler = make_handler(app)
