"""POST /v1/prompts/{ref}/publish: move `production` to a version (default: latest) (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import Prompt, Publish
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.post(
    "/v1/prompts/<ref>/publish",
    summary="Publish a version",
    tags=["prompts"],
    responses={
        200: {"description": "The prompt with `production` moved", "content": {"application/json": {"model": Prompt}}},
        404: {"description": "No such prompt, or one you may not see; or `version` names a version that does not exist"},
        409: {"description": "The Idempotency-Key was used with another request"},
    },
)
def publish(ref: str, body: Annotated[Publish | None, Body()] = None) -> Prompt:
    return service.publish(principal(app), ref, body or Publish())


handler = make_handler(app)
