"""Settings read once per container from the environment (template.yaml's Globals and function variables).

The one module that reads the environment: everything else asks `get_settings()` (or the two per-call
overrides at the end).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    table_name: str = Field("promptbank", alias="TABLE_NAME")
    stage: Literal["local", "dev", "prod"] = Field("local", alias="PROMPTBANK_STAGE")
    public_base_url: str = Field("http://127.0.0.1:3000", alias="PROMPTBANK_PUBLIC_BASE_URL")
    cursor_secret: str = Field("local-cursor-secret-change-me", alias="PROMPTBANK_CURSOR_SECRET")
    stack_name: str = Field("promptbank-local", alias="PROMPTBANK_STACK_NAME")
    kms_key_id: str = Field("", alias="PROMPTBANK_KMS_KEY_ID")
    session_days: int = Field(30, alias="PROMPTBANK_SESSION_DAYS")
    #: Where outbound calls may connect (promptbank.egress): unset = by stage (deployed: public addresses only;
    #: local: anywhere); "public"; "loopback" = 127.0.0.0/8 and ::1 only (every test target sets it).
    egress: Literal["public", "loopback"] | None = Field(None, alias="PROMPTBANK_EGRESS")
    #: Locally, `off` turns the AI limiter off (as it turns off the local gateway's usage plans); any other
    #: value, or none, leaves it on. Deployed, the limiter is always on whatever this says.
    rate_limits: bool = Field(True, alias="PROMPTBANK_RATE_LIMITS")
    #: The Secrets Manager secret holding the deployment's default provider keys ("" = none).
    provider_keys_secret: str = Field("", alias="PROMPTBANK_PROVIDER_KEYS_SECRET")
    #: The queue of suite run chunks (the eval outbox sends to it, the eval worker reads it).
    eval_queue_url: str = Field("", alias="PROMPTBANK_EVAL_QUEUE_URL")
    #: The queue of webhook delivery attempts (the events consumer, the sender and the retry dispatcher send to it).
    webhook_queue_url: str = Field("", alias="PROMPTBANK_WEBHOOK_QUEUE_URL")

    @field_validator("egress", mode="before")
    @classmethod
    def _blank_egress_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _only_off_turns_limits_off(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() != "off"
        return value

    @field_validator("provider_keys_secret", mode="before")
    @classmethod
    def _strip_secret_name(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @property
    def deployed(self) -> bool:
        return self.stage != "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


# Read at each call, by design: the only environment lookups outside Settings. Both are overrides a test or an
# operator switches while a process runs (a fake provider's address, a directory of token encodings), and the
# provider tests assert that a change takes effect at the next call (docs/decisions.md, 2026-12-02).


def provider_base_url(provider: str) -> str:
    """`PROMPTBANK_<PROVIDER>_BASE_URL`, stripped ("" when unset)."""
    return os.environ.get(provider_base_url_variable(provider), "").strip()


def provider_base_url_variable(provider: str) -> str:
    return f"PROMPTBANK_{provider.upper()}_BASE_URL"


def encodings_dir() -> str | None:
    """`PROMPTBANK_ENCODINGS_DIR`: the one directory token encodings are read from, when set."""
    return os.environ.get("PROMPTBANK_ENCODINGS_DIR") or None
