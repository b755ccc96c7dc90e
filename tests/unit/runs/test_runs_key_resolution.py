"""Key resolution: user key -> deployment default -> PROVIDER_NOT_CONFIGURED, and the call-time SSRF check."""

from __future__ import annotations

import pytest

from promptbank.errors import ProviderNotConfigured
from promptbank.provider_keys.defaults import DeploymentDefaults
from promptbank.provider_keys.service import KeyResolver


class Store:
    def __init__(self, items: dict[tuple[str, str], dict]) -> None:
        self.items = items

    def get_key(self, user_id: str, provider: str) -> dict | None:
        return self.items.get((user_id, provider))


class Cipher:
    def decrypt(self, ciphertext: bytes, *, user_id: str, provider: str) -> str:
        return ciphertext.decode()[::-1]


def _resolver(items=None, defaults='{}', deployed=False, addresses=("93.184.216.34",)):
    return KeyResolver(
        store=Store(items or {}),  # type: ignore[arg-type]
        cipher=Cipher(),  # type: ignore[arg-type]
        defaults=DeploymentDefaults(lambda: defaults),
        deployed=lambda: deployed,
        resolve=lambda host, port: list(addresses),
    )


def test_the_users_own_key_is_decrypted_and_used():
    # Given a user key and a deployment default
    resolver = _resolver({("u", "openai"): {"ciphertext": b"dcba-ks", "base_url": None}}, '{"openai": "sk-default"}')
    # When the key for a call is resolved
    found = resolver.resolve_key("u", "openai")
    # Then the user's own key wins
    assert (found.api_key, found.source) == ("sk-abcd", "user")


def test_the_deployment_default_is_used_when_the_user_has_no_key():
    # Given only a deployment default; when the key is resolved; then the default is used
    found = _resolver(defaults='{"openai": "sk-default"}').resolve_key("u", "openai")
    assert (found.api_key, found.source) == ("sk-default", "default")


def test_no_key_anywhere_is_provider_not_configured_naming_the_provider():
    # Given no key at all; when the key is resolved; then PROVIDER_NOT_CONFIGURED names the provider
    with pytest.raises(ProviderNotConfigured, match="gemini"):
        _resolver().resolve_key("u", "gemini")


def test_a_saved_base_url_that_now_resolves_to_a_private_address_is_refused_at_call_time():
    # Given a key saved with a public-looking base URL, on a deployed stack, whose DNS now says 10.0.0.7
    items = {("u", "openai_compatible"): {"ciphertext": b"yek", "base_url": "https://llm.example.com/v1"}}
    resolver = _resolver(items, deployed=True, addresses=("10.0.0.7",))
    # When the key is resolved for a call
    # Then the call is refused before anything is sent
    with pytest.raises(ProviderNotConfigured, match="not allowed"):
        resolver.resolve_key("u", "openai_compatible")


def test_credentials_never_show_the_key_in_their_repr():
    # When resolved credentials are printed (a log line, a traceback)
    found = _resolver(defaults='{"openai": "sk-very-secret"}').resolve_key("u", "openai")
    # Then the key is not in the text
    assert "sk-very-secret" not in repr(found)
