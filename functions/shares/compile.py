"""POST /v1/shares/{token}/compile: compile the shared prompt, given variables over the prefilled ones (N)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import etag_header, make_app, make_handler
from promptbank.prompts.models import Compiled
from promptbank.sharing.models import ShareCompileIn
from promptbank.sharing.service import ShareService

app = make_app()
service = ShareService()


@app.post(
    "/v1/shares/<token>/compile",
    summary="Compile through a share link",
    tags=["sharing"],
    responses={
        200: {
            "description": "The compiled prompt, with the given variables over the prefilled ones",
            "headers": {"ETag": {"description": "The compile's ETag"}},
            "content": {"application/json": {"model": Compiled}},
        },
        404: {"description": "Unknown or revoked link"},
        409: {"description": "The Idempotency-Key was used with another request"},
        410: {"description": "The link has expired"},
    },
)
def compile_share(token: str, body: Annotated[ShareCompileIn | None, Body()] = None) -> Response[Compiled]:
    compiled = service.compile(token, (body or ShareCompileIn()).variables)
    return Response(200, "application/json", Compiled.model_validate(compiled), headers=etag_header(compiled["etag"]))


handler = make_handler(app)
