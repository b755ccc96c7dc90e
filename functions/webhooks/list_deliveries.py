"""GET /v1/webhooks/{webhook_id}/deliveries: the delivery log, newest first, every attempt shown (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.webhooks.models import Delivery, DeliveryStatus
from promptbank.webhooks.service import WebhookService

app = make_app()
service = WebhookService()


@app.get(
    "/v1/webhooks/<webhook_id>/deliveries",
    summary="List a webhook's deliveries",
    tags=["webhooks"],
    responses={
        200: {
            "description": "A page of deliveries, newest first, each with its attempts",
            "content": {"application/json": {"model": Page[Delivery]}},
        },
        403: {"description": "An API key: webhooks are managed with a session only"},
        404: {"description": "You have no webhook with this id"},
    },
)
def list_deliveries(
    webhook_id: str,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> Page[Delivery]:
    return service.deliveries(principal(app), webhook_id, status, limit, cursor)


handler = make_handler(app)
