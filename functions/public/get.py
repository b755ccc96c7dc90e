"""GET /v1/public/prompts/{prompt_id}: one public prompt at its production version; 404 if not listed (N)."""

from promptbank.discovery.models import PublicPrompt
from promptbank.discovery.service import CatalogueService
from promptbank.http import make_app, make_handler

app = make_app()
service = CatalogueService()


@app.get(
    "/v1/public/prompts/<prompt_id>",
    summary="Get a public prompt",
    tags=["discovery"],
    responses={
        200: {"description": "The prompt at its production version", "content": {"application/json": {"model": PublicPrompt}}},
        404: {"description": "No such prompt, or it is not listed (private or unpublished)"},
    },
)
def get_public_prompt(prompt_id: str) -> PublicPrompt:
    return service.public_prompt(prompt_id)


handler = make_handler(app)
