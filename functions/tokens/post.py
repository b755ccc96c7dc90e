"""POST /v1/token-count: count up to 1,000,000 characters for a model or a family alias (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.runs.models import TOKEN_COUNT_RESPONSES, TokenCount, TokenCountIn
from promptbank.runs.token_count import TokenCountService
from promptbank.snapstart import prepare_snapshot, warm_dynamodb, warm_encodings, warm_route

app = make_app()
service = TokenCountService()


@app.post(
    "/v1/token-count",
    summary="Count tokens (long text)",
    tags=["tokens"],
    responses=TOKEN_COUNT_RESPONSES,
)
def count_tokens(body: Annotated[TokenCountIn, Body()]) -> TokenCount:
    return service.count(principal(app), body.prompt, body.model)


handler = make_handler(app)
prepare_snapshot(
    warm_dynamodb, warm_encodings, warm_route(app, "POST", "/v1/token-count", body={"prompt": "hi", "model": "gpt-4o"})
)
