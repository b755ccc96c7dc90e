"""GET /v1/prompts/{ref}/shares: the active share links of one of your prompts, newest first (K-read)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.get("/v1/prompts/<ref>/shares", summary="List a prompt's share links", tags=["sharing"])
def list_prompt_shares(ref: str) -> dict:
    return service.list_for_prompt(principal(app), ref)


handler = make_handler(app)
