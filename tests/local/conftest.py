"""Fixtures of the local runtime's own tests: tests/local/fixture_app served by `python -m local`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from local.testing import LocalRuntime

FIXTURE_TEMPLATE = Path(__file__).parent / "fixture_app" / "template.yaml"
FIXTURE_ENV = {
    "PROMPTBANK_LOCAL_SCHEDULES": "off",  # schedules only run when a test triggers them
    "PROMPTBANK_LOCAL_TTL_SWEEP_SECONDS": "0.5",
    "PROMPTBANK_FIXTURE_BASE_URL": "http://provider.from.environment",
}


def fixture_runtime(**env: str) -> LocalRuntime:
    return LocalRuntime(template=FIXTURE_TEMPLATE, env={**FIXTURE_ENV, **env})


@pytest.fixture(scope="session")
def app_runtime() -> Iterator[LocalRuntime]:
    """The fixture app, shared by the tests that don't stop or reconfigure it."""
    with fixture_runtime() as runtime:
        yield runtime


@pytest.fixture
def client(app_runtime: LocalRuntime) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app_runtime.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def new_key(client: httpx.Client) -> Callable[..., str]:
    """new_key("burst") -> the value of a fresh API key on the `promptbank-local-<plan>` usage plan."""

    def make(plan: str, http: httpx.Client | None = None, enabled: bool = True) -> str:
        response = (http or client).post("/v1/keys", json={"plan": plan, "enabled": enabled})
        assert response.status_code == 201, response.text
        return str(response.json()["value"])

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer key:{key}"}
