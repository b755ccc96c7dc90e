"""PUT /v1/prompts/{ref}/labels/{label}: point a label at a version (`latest` cannot be set) (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.models import LABEL_PATTERN, LabelSet, Prompt
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.put(
    "/v1/prompts/<ref>/labels/<label>",
    summary="Set a label",
    tags=["prompts"],
    responses={
        200: {"description": "The prompt with the label moved", "content": {"application/json": {"model": Prompt}}},
        400: {"description": "`latest` cannot be set; too many labels"},
        404: {"description": "No such prompt, or one you may not see; or `version` names a version that does not exist"},
    },
)
def set_label(ref: str, label: Annotated[str, Path(pattern=LABEL_PATTERN)], body: Annotated[LabelSet, Body()]) -> Prompt:
    return service.set_label(principal(app), ref, label, body)


handler = make_handler(app)
