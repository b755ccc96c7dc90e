"""Smoke test of the real template.yaml: the runtime starts on it and GET /v1/health answers."""

from __future__ import annotations

import httpx
import pytest

from local.testing import REPO_ROOT, LocalRuntime

HEALTH_HANDLER = REPO_ROOT / "functions" / "system" / "health.py"


@pytest.mark.skipif(not HEALTH_HANDLER.exists(), reason="functions/system/health.py is not written yet")
def test_real_template_serves_health() -> None:
    # Given the real template.yaml
    with LocalRuntime() as runtime:
        # When /v1/health is requested
        response = httpx.get(f"{runtime.base_url}/v1/health", timeout=30)
        unknown = httpx.get(f"{runtime.base_url}/v1/no-such-route", timeout=30)
    # Then it answers 200, and an unknown route gets the template's 404 envelope
    assert response.status_code == 200, runtime.stderr()[-3000:]
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "NOT_FOUND"
