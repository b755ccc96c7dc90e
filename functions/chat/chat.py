"""POST /v1/chat: a chat completion with any supported model; the call is recorded as a run (K)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import make_app, make_handler, principal
from promptbank.runs.models import AI_ROUTE_ERRORS, ChatIn, RunResult
from promptbank.runs.service import RunService

app = make_app()
service = RunService()


@app.post(
    "/v1/chat",
    summary="Chat with a model",
    tags=["runs"],
    responses={
        200: {"description": "The model's answer", "content": {"application/json": {"model": RunResult}}},
        **AI_ROUTE_ERRORS,
    },
)
def chat(body: Annotated[ChatIn, Body()]) -> RunResult:
    return service.chat(principal(app), body).result()


handler = make_handler(app)
