"""GET /v1/provider-keys: one entry per provider, configured or not, keys masked (S)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.provider_keys.models import ProviderKey
from promptbank.provider_keys.service import ProviderKeyService

app = make_app()
service = ProviderKeyService()


@app.get(
    "/v1/provider-keys",
    summary="List your provider keys",
    tags=["provider keys"],
    responses={
        200: {
            "description": "One entry per provider, configured or not, in one page",
            "content": {"application/json": {"model": Page[ProviderKey]}},
        }
    },
)
def list_provider_keys() -> Page[ProviderKey]:
    return service.list(principal(app))


handler = make_handler(app)
