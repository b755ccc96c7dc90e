"""GET /v1/health: liveness, with the deployed version (N)."""

from promptbank import __version__
from promptbank.http import make_app, make_handler

app = make_app()


@app.get("/v1/health", summary="Health", tags=["service"])
def health() -> dict:
    return {"status": "ok", "version": __version__}


handler = make_handler(app)
