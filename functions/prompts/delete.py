"""DELETE /v1/prompts/{ref}: the prompt, its versions, labels and share links (K)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.service import PromptService

app = make_app()
service = PromptService()


@app.delete("/v1/prompts/<ref>", summary="Delete a prompt", tags=["prompts"])
def delete_prompt(ref: str) -> Response[None]:
    service.delete(principal(app), ref)
    return Response(204)


handler = make_handler(app)
