"""DELETE /v1/provider-keys/{provider}: forget your key for a provider (S)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.provider_keys.service import ProviderKeyService

app = make_app()
service = ProviderKeyService()


@app.delete(
    "/v1/provider-keys/<provider>",
    summary="Delete a provider key",
    tags=["provider keys"],
    responses={
        204: {"description": "Deleted (also when there was no key)", "content": {}},
        400: {"description": "Validation failed: an unknown provider"},
    },
)
def delete_provider_key(provider: str) -> Response[None]:
    service.delete(principal(app), provider)
    return Response(204)


handler = make_handler(app)
