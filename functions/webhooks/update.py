"""PATCH /v1/webhooks/{webhook_id}: change a webhook's URL, events or description, or turn it on or off (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.models import Webhook, WebhookUpdate
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.patch(
    "/v1/webhooks/<webhook_id>",
    summary="Change a webhook",
    tags=["webhooks"],
    responses={
        200: {
            "description": "The webhook as changed; `enabled: true` turns a disabled one back on",
            "content": {"application/json": {"model": Webhook}},
        },
        400: {"description": "An invalid or unsafe URL, or an unknown event"},
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook with this id"},
        409: {
            "description": "The webhook changed at the same moment (send the change again), or the Idempotency-Key "
            "was used with another request"
        },
    },
)
def update_webhook(webhook_id: str, body: Annotated[WebhookUpdate, Body()]) -> Webhook:
    return service.update(principal(app), webhook_id, body)


handler = make_handler(app)
