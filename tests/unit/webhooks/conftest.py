"""Fixtures of the webhook unit tests: settings read afresh from a patched environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from promptbank.settings import get_settings


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """environment(PROMPTBANK_STAGE="prod"): set variables and make the next get_settings() read them; the
    test-wide settings come back afterwards."""

    def set_variables(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_variables
    get_settings.cache_clear()
