"""get_provider: names, keys, base URL precedence, and the lazy import of httpx."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.errors import ProviderNotConfigured
from promptbank.providers import (
    DEFAULT_DEADLINE_S,
    PROVIDER_NAMES,
    ChatMessage,
    ChatRequest,
    Provider,
    deadline_after,
    get_provider,
)
from promptbank.providers._common import HTTPProvider

KEY = "sk-test-config-0123456789"
REPO = Path(__file__).resolve().parents[3]


def base_url_of(provider: Provider) -> str:
    """Where calls would go now (resolved without sending anything)."""
    assert isinstance(provider, HTTPProvider)
    return provider.base_url


DEFAULTS = {
    "openai": "https://api.openai.com/v1",
    "deepseek": "https://api.deepseek.com",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
}


@pytest.mark.parametrize("name", PROVIDER_NAMES)
def test_every_provider_name_gives_a_provider(name: str) -> None:
    # Given a known provider name
    # When it is asked for
    provider = get_provider(name, api_key=KEY)
    # Then it implements the Provider interface under that name
    assert isinstance(provider, Provider)
    assert provider.name == name


def test_an_unknown_provider_is_not_configured() -> None:
    # Given a name that is no provider
    # When it is asked for
    # Then it is a 400 PROVIDER_NOT_CONFIGURED naming it
    with pytest.raises(ProviderNotConfigured, match="mistral"):
        get_provider("mistral", api_key=KEY)


@pytest.mark.parametrize("name", ["openai", "deepseek", "anthropic", "gemini"])
def test_a_missing_key_is_not_configured(name: str) -> None:
    # Given no key
    # When the provider is asked for
    # Then it is refused (openai_compatible alone may run without a key)
    with pytest.raises(ProviderNotConfigured):
        get_provider(name, api_key="")


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_without_override_the_base_url_is_the_providers_own(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no environment override and no configured base URL
    monkeypatch.delenv(f"PROMPTBANK_{name.upper()}_BASE_URL")
    # When the provider resolves its base URL (nothing is sent)
    # Then it is the SDK-form default
    assert base_url_of(get_provider(name, api_key=KEY)) == DEFAULTS[name]


def test_the_environment_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given PROMPTBANK_ANTHROPIC_BASE_URL with a trailing slash
    monkeypatch.setenv("PROMPTBANK_ANTHROPIC_BASE_URL", "http://127.0.0.1:4010/")
    # When the provider resolves its base URL
    # Then it is the override, without the slash
    assert base_url_of(get_provider("anthropic", api_key=KEY)) == "http://127.0.0.1:4010"


def test_a_configured_base_url_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given both an environment override and the user's configured base URL
    monkeypatch.setenv("PROMPTBANK_OPENAI_BASE_URL", "http://127.0.0.1:4010/v1")
    # When the provider resolves its base URL
    provider = get_provider("openai", api_key=KEY, base_url="http://127.0.0.1:4020/v1")
    # Then the user's wins
    assert base_url_of(provider) == "http://127.0.0.1:4020/v1"


def test_the_environment_is_read_at_each_call(
    fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider made while PROMPTBANK_OPENAI_BASE_URL was {root}/v1
    provider = get_provider("openai", api_key=KEY)
    request = ChatRequest(model="gpt-4o", messages=[ChatMessage("user", "hi")])
    provider.chat(request, deadline=deadline_after())
    # When the variable changes to the bare root and the same provider is called again
    monkeypatch.setenv("PROMPTBANK_OPENAI_BASE_URL", fake.base_url)
    provider.chat(request, deadline=deadline_after())
    # Then the second call used the new base
    assert [r.path for r in fake.requests] == ["/v1/chat/completions", "/chat/completions"]


@pytest.mark.parametrize("base_url", ["ftp://127.0.0.1/v1", "127.0.0.1:8080", "http://"])
def test_a_base_url_that_is_not_http_is_not_configured(base_url: str) -> None:
    # Given a configured base URL that is not an absolute http(s) URL
    # When the provider is asked for
    # Then it is refused
    with pytest.raises(ProviderNotConfigured, match="invalid base_url"):
        get_provider("openai_compatible", api_key=KEY, base_url=base_url)


def test_the_default_deadline_is_25_seconds() -> None:
    # Given the module constant and the helper
    # When a default deadline is made
    deadline = deadline_after()
    # Then it is 25 s ahead, leaving room under API Gateway's 29 s
    assert DEFAULT_DEADLINE_S == 25
    assert 24.5 < deadline - time.monotonic() <= 25


def test_importing_and_getting_providers_does_not_import_httpx() -> None:
    # Given a fresh interpreter
    code = (
        "import sys, promptbank.providers as p\n"
        "for name in p.PROVIDER_NAMES: p.get_provider(name, api_key='k', base_url='http://127.0.0.1:9')\n"
        "print('httpx' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "shared")}
    # When the package is imported and every provider made (no call)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    # Then httpx was not imported
    assert result.stdout.strip() == "False"
