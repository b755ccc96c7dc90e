"""GET /v1/prompts/{ref}/download: a Markdown file, raw (front matter + content) or compiled (K-read)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from promptbank.http import make_app, make_handler, principal
from promptbank.prompts.delivery import DeliveryService, markdown_file, parse_variables_base64
from promptbank.prompts.models import BASE64_PATTERN, LABEL_PATTERN, MAX_QUERY_VARIABLES_BASE64

app = make_app()
service = DeliveryService()


@app.get(
    "/v1/prompts/<ref>/download",
    summary="Download a prompt as Markdown",
    tags=["delivery"],
    responses={
        200: {
            "description": "A Markdown file: front matter and content (`raw`), or the compiled prompt",
            "headers": {"Content-Disposition": {"description": 'attachment; filename="<slug>.md"', "schema": {"type": "string"}}},
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        },
        404: {"description": "No such prompt (or one you may not see), version or label"},
    },
)
def download(
    ref: str,
    format: Annotated[Literal["raw", "compiled"], Query()] = "compiled",
    variables: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_VARIABLES_BASE64,
            pattern=BASE64_PATTERN,
            description="Base64 (or base64url) of a JSON object of variable values, at most 2,400 characters "
            "(a URL has little room); larger ones go in the body of POST /v1/prompts/{ref}/compile",
        ),
    ] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
    label: Annotated[str | None, Query(pattern=LABEL_PATTERN)] = None,
) -> Response[str]:
    values = parse_variables_base64(variables)
    caller = principal(app)
    doc, used_label = service.document(caller, ref, version, label)
    if format == "raw":
        text = markdown_file(doc, service.store.get_meta(doc["prompt_id"]) or doc)
    else:
        text = service.compile(doc, used_label, values, strict=False)["compiled_prompt"]
    disposition = f'attachment; filename="{doc["slug"]}.md"'
    return Response(200, "text/markdown; charset=utf-8", text, headers={"Content-Disposition": disposition})


handler = make_handler(app)
