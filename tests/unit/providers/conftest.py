"""Fixtures of the provider tests: one in-process fake provider server, no real sleeping, no stray traffic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.providers import _http

BASE_URL_VARS = (
    "PROMPTBANK_OPENAI_BASE_URL",
    "PROMPTBANK_DEEPSEEK_BASE_URL",
    "PROMPTBANK_ANTHROPIC_BASE_URL",
    "PROMPTBANK_GEMINI_BASE_URL",
    "PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL",
)
#: Where a test that forgot the `fake` fixture would send its calls: a closed local port, never the internet.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BASE_URL_VARS:
        monkeypatch.setenv(name, NOWHERE)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff sleeps the transport asked for (recorded, not slept)."""
    recorded: list[float] = []
    monkeypatch.setattr(_http, "_sleep", recorded.append)
    return recorded


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake(_fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    """The fake server, reset, with every PROMPTBANK_<PROVIDER>_BASE_URL pointing at it."""
    _fake_server.reset()
    for name, value in _fake_server.env().items():
        monkeypatch.setenv(name, value)
    yield _fake_server
    _fake_server.reset()
