"""POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry: send a delivery's event again now (S)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.models import Delivery
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.post(
    "/v1/webhooks/<webhook_id>/deliveries/<delivery_id>/retry",
    summary="Retry a delivery",
    tags=["webhooks"],
    responses={
        202: {
            "description": "The delivery, pending again: the same event (the same `webhook-id`) is sent now, and "
            "retried on the usual schedule if it fails",
            "content": {"application/json": {"model": Delivery}},
        },
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook or delivery with this id"},
        409: {"description": "The delivery is being attempted at this moment; try again shortly"},
    },
)
def retry_delivery(webhook_id: str, delivery_id: str) -> Response[Delivery]:
    return Response(202, "application/json", service.retry(principal(app), webhook_id, delivery_id))


handler = make_handler(app)
