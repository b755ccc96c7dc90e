"""GET /v1/prompts/{ref}/versions/{n}: one immutable version (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import Version
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.get(
    "/v1/prompts/<ref>/versions/<n>",
    summary="Get a version",
    tags=["prompts"],
    responses={
        200: {"description": "The version", "content": {"application/json": {"model": Version}}},
        404: {"description": "No such prompt (or one you may not see), or no such version"},
    },
)
def get_version(ref: str, n: Annotated[int, Path(ge=1)]) -> Version:
    return service.get_version(principal(app), ref, n)


handler = make_handler(app)
