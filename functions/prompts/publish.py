"""POST /v1/prompts/{ref}/publish: move `production` to a version (default: latest) (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import Publish
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.post("/v1/prompts/<ref>/publish", summary="Publish a version", tags=["prompts"])
def publish(ref: str, body: Annotated[Publish | None, Body()] = None) -> dict:
    return service.publish(principal(app), ref, body or Publish())


handler = make_handler(app)
