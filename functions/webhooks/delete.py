"""DELETE /v1/webhooks/{webhook_id}: delete a webhook; its pending deliveries are dropped (S)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.delete(
    "/v1/webhooks/<webhook_id>",
    summary="Delete a webhook",
    tags=["webhooks"],
    responses={
        204: {"description": "Deleted: nothing more is sent to it, pending retries included"},
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook with this id"},
    },
)
def delete_webhook(webhook_id: str) -> Response[None]:
    service.delete(principal(app), webhook_id)
    return Response(204)


handler = make_handler(app)
