"""POST /v1/prompts/{ref}/compile: compile with variables in the body (K-read)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from promptbank.http import etag_header, make_app, make_handler, principal
from promptbank.observability import count
from promptbank.prompts.delivery import DeliveryService
from promptbank.prompts.models import Compiled, CompileIn
from promptbank.snapstart import prepare_snapshot, warm_dynamodb, warm_encodings, warm_route, warm_templates

app = make_app()
service = DeliveryService()


@app.post(
    "/v1/prompts/<ref>/compile",
    summary="Compile a prompt",
    tags=["delivery"],
    responses={
        200: {
            "description": "The compiled prompt",
            "headers": {"ETag": {"description": "The compile's ETag"}},
            "content": {"application/json": {"model": Compiled}},
        },
        400: {"description": "Invalid values; with `strict`, missing or unknown variables; a compile over the size limit"},
        404: {"description": "No such prompt (or one you may not see), version or label"},
        409: {"description": "The Idempotency-Key was used with another request"},
    },
)
def compile_prompt(ref: str, body: Annotated[CompileIn | None, Body()] = None) -> Response[Compiled]:
    request = body or CompileIn()
    doc, used_label = service.document(principal(app), ref, request.version, request.label)
    compiled = service.compile(doc, used_label, request.variables, strict=request.strict)
    count("Deliveries", route="compile")
    return Response(200, "application/json", Compiled.model_validate(compiled), headers=etag_header(compiled["etag"]))


handler = make_handler(app)
prepare_snapshot(
    warm_dynamodb, warm_templates, warm_encodings, warm_route(app, "POST", "/v1/prompts/{ref}/compile", ref="warm")
)
