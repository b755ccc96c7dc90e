"""POST /v1/webhooks/{webhook_id}/rotate-secret: a new signing secret; the old one keeps signing for 24 h (S)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.models import WebhookSecret
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.post(
    "/v1/webhooks/<webhook_id>/rotate-secret",
    summary="Rotate a webhook's secret",
    tags=["webhooks"],
    responses={
        200: {
            "description": "The webhook and its new secret, shown this once. For 24 h every delivery carries a "
            "signature with each secret, so receivers can switch without missing one",
            "content": {"application/json": {"model": WebhookSecret}},
        },
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook with this id"},
    },
)
def rotate_secret(webhook_id: str) -> WebhookSecret:
    return service.rotate_secret(principal(app), webhook_id)


handler = make_handler(app, secret_fields=("secret",))
