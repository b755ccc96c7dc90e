"""Provider calls go through the egress guard: a refused host is a clear 400 on base_url, redirects stay put."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpcore
import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.egress.transport import PinnedBackend, PinnedTransport
from promptbank.errors import ProviderError, ProviderNotConfigured
from promptbank.providers import ChatMessage, ChatRequest, _http, deadline_after, get_provider

KEY = "sk-test-SECRET-4f9a8b7c6d5e"
REQUEST = ChatRequest(model="any-model", messages=[ChatMessage("user", "ping")])


class NoConnect(httpcore.NetworkBackend):
    """A TCP connect that must never happen: notes the attempt and fails it."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        raise httpcore.ConnectError("a test connected where it must not")


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> Iterator[NoConnect]:
    """The shared provider client, with the policy of the environment (the test-wide loopback guard), over a
    TCP connect that only records."""
    backend = NoConnect()
    client = httpx.Client(transport=PinnedTransport(backend=PinnedBackend(connect=backend)), trust_env=False)
    monkeypatch.setattr(_http, "_client", client)
    yield backend
    client.close()


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [
        ("openai", "https://10.255.255.1:9/v1"),
        ("openai_compatible", "http://[fd00:ec2::254]:80/v1"),
        ("anthropic", "https://93.184.216.34"),
        ("gemini", "https://169.254.169.254:8443"),
    ],
)
def test_a_base_url_outside_loopback_is_refused_before_any_connect(no_connect, sleeps, provider, base_url):
    # Given the loopback guard the tests run under, and a base URL elsewhere
    # When a chat is run
    with pytest.raises(ProviderNotConfigured) as caught:
        get_provider(provider, api_key=KEY, base_url=base_url).chat(REQUEST, deadline=deadline_after())
    # Then it is a 400 that names the provider, the base URL and the guard, on the base_url field
    error = caught.value
    assert error.status == 400 and error.code == "PROVIDER_NOT_CONFIGURED"
    origin = base_url.removesuffix("/v1")
    assert f"The base URL of provider {provider} ({origin}) is not allowed" in error.message
    assert "PROMPTBANK_EGRESS=loopback" in error.message
    assert error.details[0]["provider"] == provider and error.details[0]["field"] == "base_url"
    assert KEY not in f"{error.message} {error.details}"
    # And no connection was attempted, nor retried
    assert no_connect.connects == []
    assert sleeps == []


def test_a_redirect_is_answered_as_is_and_not_followed(fake: FakeProviderServer):
    # Given a provider that redirects the call elsewhere (where the key would follow it)
    fake.respond_with("/chat/completions", 307, b"", headers={"Location": f"{fake.base_url}/v1/elsewhere"})
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        get_provider("openai", api_key=KEY).chat(REQUEST, deadline=deadline_after())
    # Then the redirect is the provider's answer, and nothing went to its target
    assert caught.value.details[0]["status"] == 307
    assert [r.path for r in fake.requests] == ["/v1/chat/completions"]
