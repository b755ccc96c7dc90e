"""DELETE /v1/prompts/{ref}: the prompt, its versions, labels and share links (K)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.delete(
    "/v1/prompts/<ref>",
    summary="Delete a prompt",
    tags=["prompts"],
    responses={
        204: {"description": "Deleted, with its versions, labels and share links"},
        404: {"description": "No such prompt, or one you may not see"},
    },
)
def delete_prompt(ref: str) -> Response[None]:
    service.delete(principal(app), ref)
    return Response(204)


handler = make_handler(app)
