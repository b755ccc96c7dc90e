"""Provider keys: save (KMS-encrypted), list (masked), delete, and resolve the key a call uses.

Resolution order (API.md §5): the user's own key -> the deployment's default (Secrets Manager) -> 400
`PROVIDER_NOT_CONFIGURED`. A user's `base_url` passes the SSRF guard when saved and again when resolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field

from promptbank.auth.models import WHITESPACE
from promptbank.auth.principal import Principal
from promptbank.clock import iso, now
from promptbank.errors import ProviderNotConfigured, ValidationFailed
from promptbank.inputs import StrictInput
from promptbank.outputs import Page
from promptbank.provider_keys.crypto import KeyCipher
from promptbank.provider_keys.defaults import DeploymentDefaults
from promptbank.provider_keys.models import ProviderKey
from promptbank.provider_keys.urls import Resolver, UnsafeBaseUrl, check_base_url, system_resolver
from promptbank.providers import PROVIDER_NAMES
from promptbank.settings import get_settings, provider_base_url
from promptbank.store.provider_keys import ProviderKeyStore

MASK = "••••"


#: A provider key goes into a request header: printable ASCII without spaces (the schema's pattern too).
API_KEY_RE = re.compile(r"^[\x21-\x7e]+$")
_PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
#: The shape of a base URL `check_base_url` can accept: https, a host, an optional port and path, no
#: credentials, query or fragment. Whether the host resolves to a public address (checked when deployed) and
#: the local-only `http://` to loopback are beyond a pattern; the field's description says them.
BASE_URL_PATTERN = rf"^https://[A-Za-z0-9.-]+(?::{_PORT})?(?:/[^?#{WHITESPACE}]*)?$"


def _header_safe(value: str) -> str:
    if not API_KEY_RE.fullmatch(value):
        raise ValueError("May contain only printable ASCII characters, without spaces")
    return value


class ProviderKeyIn(StrictInput):
    model_config = ConfigDict(str_strip_whitespace=True)

    api_key: Annotated[
        str,
        Field(min_length=10, max_length=200, json_schema_extra={"pattern": API_KEY_RE.pattern}),
        AfterValidator(_header_safe),
    ]
    base_url: (
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=2000,
                json_schema_extra={"pattern": BASE_URL_PATTERN},
                description="The provider's API root, https. Its host must resolve to public addresses only "
                "(checked when saved and when used); when running locally, `http://` to a loopback host "
                "is accepted too.",
            ),
        ]
        | None
    ) = None


def check_provider(provider: str) -> str:
    if provider not in PROVIDER_NAMES:
        raise ValidationFailed.field("provider", f"Unknown provider; one of {', '.join(PROVIDER_NAMES)}")
    return provider


def masked(last4: str | None) -> str | None:
    return f"{MASK}{last4}" if last4 is not None else None


def key_view(provider: str, item: dict[str, Any] | None) -> ProviderKey:
    """The API's `ProviderKey`."""
    if item is None:
        return ProviderKey.model_validate(
            {"provider": provider, "configured": False, "masked_key": None, "base_url": None, "updated_at": None}
        )
    return ProviderKey.model_validate(
        {
            "provider": provider,
            "configured": True,
            "masked_key": masked(item.get("key_last4")),
            "base_url": item.get("base_url"),
            "updated_at": item.get("updated_at"),
        }
    )


def _deployed() -> bool:
    return get_settings().deployed


class ProviderKeyService:
    def __init__(
        self,
        store: ProviderKeyStore | None = None,
        cipher: KeyCipher | None = None,
        clock: Callable[[], datetime] = now,
        deployed: Callable[[], bool] = _deployed,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.store = store or ProviderKeyStore()
        self.cipher = cipher or KeyCipher()
        self.clock = clock
        self.deployed = deployed
        self.resolve = resolve

    def list(self, principal: Principal) -> Page[ProviderKey]:
        """One entry per provider, configured or not, in PROVIDER_NAMES order (one page: no cursor)."""
        principal.require_session()
        saved = {item["provider"]: item for item in self.store.list_keys(principal.user_id)}
        return Page[ProviderKey](data=[key_view(name, saved.get(name)) for name in PROVIDER_NAMES], next_cursor=None)

    def put(self, principal: Principal, provider: str, data: ProviderKeyIn) -> ProviderKey:
        principal.require_session()
        check_provider(provider)
        base_url = None
        if data.base_url is not None:
            try:
                base_url = check_base_url(data.base_url, deployed=self.deployed(), resolve=self.resolve)
            except UnsafeBaseUrl as err:
                raise ValidationFailed.field("base_url", str(err)) from None
        elif provider == "openai_compatible" and not provider_base_url(provider):
            raise ValidationFailed.field("base_url", "Required for openai_compatible (the server's URL)")
        ciphertext = self.cipher.encrypt(data.api_key, user_id=principal.user_id, provider=provider)
        item = self.store.put_key(
            principal.user_id,
            provider,
            ciphertext=ciphertext,
            key_last4=data.api_key[-4:],
            base_url=base_url,
            updated_at=iso(self.clock()),
        )
        return key_view(provider, item)

    def delete(self, principal: Principal, provider: str) -> None:
        """Idempotent: deleting a provider that has no key is a 204 too."""
        principal.require_session()
        check_provider(provider)
        self.store.delete_key(principal.user_id, provider)


@dataclass(frozen=True)
class ProviderCredentials:
    """What a provider call needs; `repr` never shows the key."""

    provider: str
    api_key: str = field(repr=False)
    base_url: str | None
    source: Literal["user", "default"]


class KeyResolver:
    """The key (and base URL) a user's call to `provider` uses."""

    def __init__(
        self,
        store: ProviderKeyStore | None = None,
        cipher: KeyCipher | None = None,
        defaults: DeploymentDefaults | None = None,
        deployed: Callable[[], bool] = _deployed,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.store = store or ProviderKeyStore()
        self.cipher = cipher or KeyCipher()
        self.defaults = defaults or DeploymentDefaults()
        self.deployed = deployed
        self.resolve = resolve

    def find(self, user_id: str, provider: str) -> ProviderCredentials | None:
        item = self.store.get_key(user_id, provider)
        if item is not None:
            api_key = self.cipher.decrypt(item["ciphertext"], user_id=user_id, provider=provider)
            base_url = item.get("base_url")
            if base_url:
                try:
                    base_url = check_base_url(base_url, deployed=self.deployed(), resolve=self.resolve)
                except UnsafeBaseUrl as err:
                    raise ProviderNotConfigured(
                        f"The base_url saved for provider {provider} is not allowed: it {err}",
                        details=[{"provider": provider, "field": "base_url", "message": str(err)}],
                    ) from None
            return ProviderCredentials(provider, api_key, base_url, "user")
        default = self.defaults.key_for(provider)
        if default is not None:
            return ProviderCredentials(provider, default.api_key, default.base_url, "default")
        return None

    def resolve_key(self, user_id: str, provider: str) -> ProviderCredentials:
        found = self.find(user_id, provider)
        if found is None:
            raise ProviderNotConfigured(
                f"No API key configured for provider {provider}",
                details=[{"provider": provider, "message": f"PUT /v1/provider-keys/{provider} to save one"}],
            )
        return found
