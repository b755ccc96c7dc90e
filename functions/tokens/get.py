"""GET /v1/token-count: count a short prompt's tokens for a model or a family alias (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.runs.models import TOKEN_COUNT_RESPONSES, TokenCount, TokenModelId
from promptbank.runs.token_count import TokenCountService
from promptbank.snapstart import prepare_snapshot, warm_dynamodb, warm_encodings, warm_route

app = make_app()
service = TokenCountService()


@app.get(
    "/v1/token-count",
    summary="Count tokens",
    tags=["tokens"],
    responses=TOKEN_COUNT_RESPONSES,
)
def count_tokens(
    prompt: Annotated[str, Query(min_length=1, max_length=8_000)],
    model: Annotated[TokenModelId, Query()],
) -> TokenCount:
    return service.count(principal(app), prompt, model)


handler = make_handler(app)
prepare_snapshot(
    warm_dynamodb, warm_encodings, warm_route(app, "GET", "/v1/token-count", query={"prompt": "hi", "model": "gpt-4o"})
)
