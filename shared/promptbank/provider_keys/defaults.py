"""The deployment's default provider keys: one Secrets Manager secret, read via Powertools (cached).

The secret (`PROMPTBANK_PROVIDER_KEYS_SECRET`, the template's `ProviderDefaultKeysSecret`) holds a JSON object
`{"<provider>": "<api key>"}` or `{"<provider>": {"api_key": "...", "base_url": "..."}}`; `{}` (the default)
means no defaults. Operators set these values, so their base URLs are trusted as is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from promptbank.observability import logger
from promptbank.settings import get_settings

SECRET_ENV = "PROMPTBANK_PROVIDER_KEYS_SECRET"
#: Seconds a fetched secret is reused by a warm container (a rotated default key is picked up within this).
CACHE_SECONDS = 300


@dataclass(frozen=True)
class DefaultKey:
    api_key: str
    base_url: str | None = None


def _fetch_from_secrets_manager() -> str | None:
    name = get_settings().provider_keys_secret
    if not name:
        return None
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(name, max_age=CACHE_SECONDS)
    return value if isinstance(value, str) else None


def _parse(raw: str | None) -> dict[str, DefaultKey]:
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        logger.error("default provider keys secret is not JSON; ignoring it")
        return {}
    if not isinstance(data, dict):
        logger.error("default provider keys secret is not a JSON object; ignoring it")
        return {}
    keys: dict[str, DefaultKey] = {}
    for provider, entry in data.items():
        if isinstance(entry, str) and entry.strip():
            keys[str(provider)] = DefaultKey(entry.strip())
        elif isinstance(entry, dict) and isinstance(entry.get("api_key"), str):
            base_url = entry.get("base_url")
            url = base_url if isinstance(base_url, str) else None
            keys[str(provider)] = DefaultKey(entry["api_key"].strip(), url)
    return keys


class DeploymentDefaults:
    """`key_for(provider)`: the deployment's default key, or None (also when the secret is unreadable)."""

    def __init__(self, fetch: Callable[[], str | None] = _fetch_from_secrets_manager) -> None:
        self._fetch = fetch

    def key_for(self, provider: str) -> DefaultKey | None:
        try:
            raw = self._fetch()
        except Exception as err:  # Secrets Manager down or not permitted: users' own keys still work
            logger.warning("default provider keys unavailable", extra={"error_type": type(err).__name__})
            return None
        return _parse(raw).get(provider)
