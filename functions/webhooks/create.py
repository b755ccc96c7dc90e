"""POST /v1/webhooks: subscribe a URL to events; the signing secret is in this response only (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.webhooks.models import WebhookCreate, WebhookSecret
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.post(
    "/v1/webhooks",
    summary="Create a webhook",
    tags=["webhooks"],
    responses={
        201: {
            "description": "The webhook and its signing secret (`whsec_...`), shown this once: keep it to verify "
            "deliveries (a replay of this request with the same Idempotency-Key leaves it out)",
            "content": {"application/json": {"model": WebhookSecret}},
        },
        400: {"description": "An invalid or unsafe URL, an unknown event, or already 20 webhooks"},
        403: {"description": "An API key: webhooks are managed with a session only"},
    },
)
def create_webhook(body: Annotated[WebhookCreate, Body()]) -> Response[WebhookSecret]:
    return Response(201, "application/json", service.create(principal(app), body))


handler = make_handler(app, secret_fields=("secret",))
