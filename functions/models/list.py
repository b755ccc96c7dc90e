"""GET /v1/models: the supported models with context windows, prices and tokenizers (N)."""

from promptbank.http import make_app, make_handler
from promptbank.models import load_models

app = make_app()


@app.get("/v1/models", summary="List supported models", tags=["models"])
def list_models() -> dict:
    return {"data": [model.to_dict() for model in load_models()]}


handler = make_handler(app)
