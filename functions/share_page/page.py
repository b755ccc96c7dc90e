"""GET /share/{token}: the share page, self-contained HTML under a strict CSP; friendly 404/410 pages (N)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler
from promptbank.sharing.page import render
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.get(
    "/share/<token>",
    summary="The share page (HTML)",
    tags=["sharing"],
    responses={
        200: {"description": "The share page", "content": {"text/html": {"schema": {"type": "string"}}}},
        404: {"description": "Unknown or revoked link (an HTML page)", "content": {"text/html": {"schema": {"type": "string"}}}},
        410: {"description": "The link has expired (an HTML page)", "content": {"text/html": {"schema": {"type": "string"}}}},
    },
)
def share_page(token: str) -> Response[str]:
    status, html, headers = render(service, token)
    return Response(status, headers.pop("Content-Type"), html, headers=headers)


handler = make_handler(app)
