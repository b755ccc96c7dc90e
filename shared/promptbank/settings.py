"""Settings read once per container from the environment (template.yaml's Globals and function variables)."""

from __future__ import annotations

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

    @field_validator("egress", mode="before")
    @classmethod
    def _blank_egress_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @property
    def deployed(self) -> bool:
        return self.stage != "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
