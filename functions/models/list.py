"""GET /v1/models: the supported models with context windows, prices and tokenizers (N)."""

from promptbank.http import make_app, make_handler
from promptbank.models import load_models
from promptbank.outputs import Page
from promptbank.runs.models import Model

app = make_app()


@app.get(
    "/v1/models",
    summary="List supported models",
    tags=["models"],
    responses={
        200: {
            "description": "Every supported model with its context window, list prices and tokenizer, in one page",
            "content": {"application/json": {"model": Page[Model]}},
        }
    },
)
def list_models() -> Page[Model]:
    return Page[Model](data=[Model.model_validate(model, from_attributes=True) for model in load_models()], next_cursor=None)


handler = make_handler(app)
