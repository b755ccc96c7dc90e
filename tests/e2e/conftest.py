"""End-to-end fixtures: one local runtime (`python -m local`) per session, httpx clients, user factories."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.testing import LocalRuntime

#: Debian's chromium (`make browser` apt-installs it), driven by Playwright, for the browser tests.
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("e2e/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def runtime() -> Iterator[LocalRuntime]:
    """The real template served by `python -m local` on a free port with a temporary state dir.

    Rate limits are off so ordinary tests aren't throttled; tests of the limits start their own
    LocalRuntime(env={"PROMPTBANK_RATE_LIMITS": "on"}).
    """
    with LocalRuntime(env={"PROMPTBANK_RATE_LIMITS": "off", "PROMPTBANK_LOCAL_SCHEDULES": "off"}) as rt:
        yield rt


@pytest.fixture
def api(runtime: LocalRuntime) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runtime.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def new_user(api: httpx.Client) -> Callable[..., dict[str, Any]]:
    """new_user() or new_user(client, email=..., password=..., name=...) -> {user, session_token, headers,
    email, password}: a freshly registered user (POST /v1/auth/register) and the headers that act as them."""

    def make(
        client: httpx.Client | None = None,
        *,
        email: str | None = None,
        password: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = password or f"pw-{uuid.uuid4().hex}"
        response = (client or api).post(
            "/v1/auth/register", json={"email": email, "password": password, "name": name or "Test User"}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        token = body["session_token"]
        return {
            "user": body["user"],
            "session_token": token,
            "headers": {"Authorization": f"Bearer {token}"},
            "email": email,
            "password": password,
        }

    return make


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (run `make browser`, which apt-installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
