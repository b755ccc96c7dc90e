"""POST /v1/prompts/{ref}/compile: compile with variables in the body (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import etag_header, make_app, make_handler, principal
from promptbank.prompts.delivery import DeliveryService
from promptbank.prompts.models import CompileIn

app = make_app()
service = DeliveryService()


@app.post("/v1/prompts/<ref>/compile", summary="Compile a prompt", tags=["delivery"])
def compile_prompt(ref: str, body: Annotated[CompileIn | None, Body()] = None) -> Response[dict]:
    request = body or CompileIn()
    doc, used_label = service.document(principal(app), ref, request.version, request.label)
    compiled = service.compile(doc, used_label, request.variables, strict=request.strict)
    return Response(200, "application/json", compiled, headers=etag_header(compiled["etag"]))


handler = make_handler(app)
