"""GET /v1/webhooks/{webhook_id}: one of your webhooks (S)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.models import Webhook
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.get(
    "/v1/webhooks/<webhook_id>",
    summary="Get a webhook",
    tags=["webhooks"],
    responses={
        200: {"description": "The webhook (never its secret)", "content": {"application/json": {"model": Webhook}}},
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook with this id"},
    },
)
def get_webhook(webhook_id: str) -> Webhook:
    return service.get(principal(app), webhook_id)


handler = make_handler(app)
