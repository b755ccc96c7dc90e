"""GET /v1/prompts/{ref}/shares: the active share links of one of your prompts, newest first (K-read)."""

from promptbank.http import make_app, make_handler, principal
from promptbank.outputs import Page
from promptbank.sharing.models import Share
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.get(
    "/v1/prompts/<ref>/shares",
    summary="List a prompt's share links",
    tags=["sharing"],
    responses={
        200: {
            "description": "The active links, newest first (one page: `next_cursor` is null)",
            "content": {"application/json": {"model": Page[Share]}},
        },
        404: {"description": "No such prompt, or one you may not see"},
    },
)
def list_prompt_shares(ref: str) -> Page[Share]:
    return service.list_for_prompt(principal(app), ref)


handler = make_handler(app)
