"""The `ProviderKey` response model names exactly the providers the runtime supports."""

from __future__ import annotations

from typing import get_args

from promptbank.provider_keys.models import ProviderName
from promptbank.providers import PROVIDER_NAMES


def test_the_documented_providers_are_the_supported_ones_in_order():
    # Then the enum the OpenAPI document shows is the list of providers, in the order they are listed
    assert get_args(ProviderName) == PROVIDER_NAMES
