"""PUT /v1/provider-keys/{provider}: save (replace) your key for a provider, encrypted with KMS (S)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.provider_keys.models import ProviderKey
from promptbank.provider_keys.service import ProviderKeyIn, ProviderKeyService

app = make_app()
service = ProviderKeyService()


@app.put(
    "/v1/provider-keys/<provider>",
    summary="Save a provider key",
    tags=["provider keys"],
    responses={
        200: {
            "description": "The saved key, masked (the key itself is never returned)",
            "content": {"application/json": {"model": ProviderKey}},
        },
        400: {"description": "Validation failed: an unknown provider, or a base_url that is not allowed"},
    },
)
def put_provider_key(provider: str, body: Annotated[ProviderKeyIn, Body()]) -> ProviderKey:
    return service.put(principal(app), provider, body)


handler = make_handler(app)
