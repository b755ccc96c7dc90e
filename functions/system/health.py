"""GET /v1/health: liveness, with the deployed version (N)."""

from promptbank import __version__
from promptbank.health import Health
from promptbank.http import make_app, make_handler

app = make_app()


@app.get(
    "/v1/health",
    summary="Health",
    tags=["service"],
    responses={200: {"description": "The API is up", "content": {"application/json": {"model": Health}}}},
)
def health() -> Health:
    return Health(status="ok", version=__version__)


handler = make_handler(app)
