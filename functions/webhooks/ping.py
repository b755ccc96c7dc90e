"""POST /v1/webhooks/{webhook_id}/test: send a `webhook.test` event to the webhook now (S)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.models import Delivery
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.post(
    "/v1/webhooks/<webhook_id>/test",
    summary="Send a test event",
    tags=["webhooks"],
    responses={
        202: {
            "description": "The delivery of a `webhook.test` event, pending: follow it in the delivery log",
            "content": {"application/json": {"model": Delivery}},
        },
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook with this id"},
    },
)
def test_webhook(webhook_id: str) -> Response[Delivery]:
    return Response(202, "application/json", service.test(principal(app), webhook_id))


handler = make_handler(app)
