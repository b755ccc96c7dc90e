"""GET /v1/openapi.json, GET /docs and GET /llms.txt: the API describing itself (N)."""

from aws_lambda_powertools.event_handler import Response

from promptbank.apidoc import llms_txt, openapi_text
from promptbank.docs_page import DOCS_HTML
from promptbank.http import make_app, make_handler

app = make_app()


@app.get(
    "/v1/openapi.json",
    summary="The OpenAPI 3.1 document",
    tags=["service"],
    responses={
        200: {
            "description": "This document",
            "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}},
        }
    },
)
def openapi_document() -> Response[str]:
    return Response(200, "application/json", openapi_text())


@app.get(
    "/docs",
    summary="Interactive API docs",
    tags=["service"],
    responses={200: {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
def docs() -> Response[str]:
    return Response(200, "text/html; charset=utf-8", DOCS_HTML)


@app.get(
    "/llms.txt",
    summary="Condensed API reference for LLM agents",
    tags=["service"],
    responses={200: {"description": "Plain text", "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def llms() -> Response[str]:
    return Response(200, "text/plain; charset=utf-8", llms_txt())


handler = make_handler(app)
