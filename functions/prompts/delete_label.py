"""DELETE /v1/prompts/{ref}/labels/{label}: remove a label (`latest` cannot be removed) (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import LABEL_PATTERN
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.delete(
    "/v1/prompts/<ref>/labels/<label>",
    summary="Remove a label",
    tags=["prompts"],
    responses={
        204: {"description": "The label is gone"},
        400: {"description": "`latest` cannot be removed"},
        404: {"description": "No such prompt (or one you may not see), or no such label"},
    },
)
def delete_label(ref: str, label: Annotated[str, Path(pattern=LABEL_PATTERN)]) -> Response[None]:
    service.delete_label(principal(app), ref, label)
    return Response(204)


handler = make_handler(app)
