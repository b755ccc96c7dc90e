"""GET /v1/public/prompts/{prompt_id}: one public prompt at its production version; 404 if not listed (N)."""

from promptbank.discovery.service import CatalogueService
from promptbank.http import make_app, make_handler

app = make_app()
service = CatalogueService()


@app.get("/v1/public/prompts/<prompt_id>", summary="Get a public prompt", tags=["discovery"])
def get_public_prompt(prompt_id: str) -> dict:
    return service.public_prompt(prompt_id)


handler = make_handler(app)
