"""GET /v1/webhooks: your webhooks, newest first (at most 20, one page) (S)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.webhooks.models import Webhook
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.get(
    "/v1/webhooks",
    summary="List your webhooks",
    tags=["webhooks"],
    responses={
        200: {
            "description": "Every webhook of yours, newest first (one page: `next_cursor` is null)",
            "content": {"application/json": {"model": Page[Webhook]}},
        },
        403: {"description": "An API key: webhooks are managed with a session only"},
    },
)
def list_webhooks() -> Page[Webhook]:
    return service.list_all(principal(app))


handler = make_handler(app)
